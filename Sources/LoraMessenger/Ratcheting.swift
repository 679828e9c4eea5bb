import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

/// Forward secrecy with a contact (docs/PROTOCOL.md, "0x06 ratcheted envelope"): texts go as
/// 0x06 once both sides ratchet, receipts carry the ratchet, local copies are sealed under a
/// storage key, and retention deletes what has expired.
extension Messenger {
    /// A v2 build drops a receipt with a ratchet part: ours goes to a contact not yet seen
    /// ratcheting, next to the plain receipt, with its first `ratchetOffers` receipts (one
    /// may be lost) and then at most once a week.
    static let ratchetOfferSeconds = 7 * 86_400.0
    static let ratchetOffers = 3
    static let storageKeyInfo = Array("lora-msg v3 storage".utf8)
    static let retentionSetting = "retention_seconds"

    /// The key this home's local copies are sealed under: HKDF-SHA-256(salt: none, IKM: the
    /// identity secret, info: "lora-msg v3 storage"). Whoever holds the identity file reads
    /// the copies, as `history` must; deleting a copy (retention) is what puts a message out
    /// of reach.
    func storageKey() throws(MessengerError) -> ContactKey {
        do {
            return try ContactKey(bytes: HKDF.deriveKey(ikm: identity.secretKeyBytes, salt: nil, info: Self.storageKeyInfo, length: ContactKey.byteCount))
        } catch { throw .crypto(error) }
    }

    /// Changes the contact's ratchet in one store transaction: `body` gets the state and its
    /// row (to mark the contact as ratcheting, or an offer made) and returns its result. A
    /// row whose state does not decode is an error, never a silent fresh start (that would
    /// strand every frame on its way under the old keys).
    /// A stored ratchet: the versioned bytes, or the JSON rows of earlier versions wrote (read
    /// once, written back as bytes). nil for a row that is neither.
    static func ratchetState(_ stored: [UInt8]) -> RatchetState? {
        if stored.first == RatchetState.legacyJSONFirstByte { return try? JSONDecoder().decode(RatchetState.self, from: Data(stored)) }
        return try? RatchetState(stored: stored)
    }

    func withRatchet<T>(peer: [UInt8], _ body: (inout RatchetState, inout RatchetRecord) throws(LoraCryptoError) -> T) throws(MessengerError) -> T {
        let t = now
        let outcome: Result<T, MessengerError>
        do {
            outcome = try store.updateRatchet(peer: peer) { old -> (RatchetRecord?, Result<T, MessengerError>) in
                var state = RatchetState()
                if let old {
                    guard let decoded = Self.ratchetState(old.state) else {
                        return (nil, .failure(.store(.damagedRow(table: "ratchet", row: (try? SenderID(bytes: peer))?.hex ?? "?", column: "state"))))
                    }
                    state = decoded
                }
                var record = old ?? RatchetRecord(peer: peer, state: [], capable: false, updatedAt: t)
                let result: T
                do throws(LoraCryptoError) { result = try body(&state, &record) } catch { return (nil, .failure(.crypto(error))) }
                record.state = state.encoded()
                record.updatedAt = t
                return (record, .success(result))
            }
        } catch { throw .store(error) }
        // The row written replaces one whose erased secrets the WAL still holds: truncate it
        // (best effort; a reader holding the WAL open leaves it to a later checkpoint).
        try? store.checkpoint()
        return try outcome.get()
    }

    // MARK: Sending

    /// A text or a location sealed as 0x06 when the contact ratchets and has given us a key;
    /// nil means the static envelope goes (a v1/v2 peer, or no key of theirs yet). The local
    /// copy is the same content as a v1 (text) or v2 (location) envelope under the storage key.
    /// `maxEnvelopeBytes`: a frame longer than this is not used (the caller seals under the
    /// static key); the number it took is skipped, and a key it announced is announced again.
    func composeRatcheted(_ content: RatchetedContent, to c: Contact, key: ContactKey, broadcast: Bool, channel: Int, hopLimit: Int?,
                          maxEnvelopeBytes: Int? = nil) throws(MessengerError) -> StoredMessage? {
        guard let record = ((try? store.ratchet(peer: c.senderID)) ?? nil), record.capable else { return nil }
        let me = identity.senderID
        let t = now
        let sealed = try withRatchet(peer: c.senderID) { (state, _) throws(LoraCryptoError) -> (envelope: RatchetEnvelope, nonce: [UInt8])? in
            guard let s = try state.seal(content.bytes, from: me, contactKey: key, now: t) else { return nil }
            if let maxEnvelopeBytes, s.envelope.bytes.count > maxEnvelopeBytes { return nil }
            return s
        }
        guard let sealed else { return nil }
        let copy = try content.localCopy(from: me, key: try storageKey())
        let m = StoredMessage(
            id: UUID().uuidString.lowercased(), peer: c.senderID, direction: .outgoing, envelope: sealed.envelope.bytes,
            senderID: me.bytes, nonce: sealed.nonce, createdAt: t, state: .pending,
            toNode: broadcast ? nil : c.node, channel: channel, hopLimit: hopLimit, localCopy: copy.bytes)
        try stored(try store.insert(m))
        return m
    }

    /// A ratcheted message going out again after the grace: the receiver may have erased the
    /// keys it was sealed under, so the text (from the local copy) is sealed afresh under the
    /// pair's current keys. Its id for dedup changes with it: if the first copy did arrive
    /// and only its receipt was lost, the receiver shows it twice rather than never.
    /// `resending`: the resend engine sends a message the radio already carried (any state
    /// short of a receipt); otherwise only a pending one is resealed.
    func resealIfStale(_ m: StoredMessage, resending: Bool = false) -> StoredMessage {
        guard m.direction == .outgoing, resending ? m.state != .delivered && m.state != .read : m.state == .pending,
              m.envelope.first == RatchetEnvelope.version,
              now - m.createdAt > RatchetState.graceSeconds, let copy = m.localCopy,
              let storage = try? storageKey(), let env = try? LoraEnvelope(localCopy: copy),
              let content = RatchetedContent(localCopy: env, key: storage),
              let sid = try? SenderID(bytes: m.peer), let key = key(for: sid) else { return m }
        let me = identity.senderID
        let t = now
        guard let sealed = try? withRatchet(peer: m.peer, { (state, _) throws(LoraCryptoError) in
            try state.seal(content.bytes, from: me, contactKey: key, now: t)
        }) ?? nil else { return m }
        guard (try? store.replaceEnvelope(id: m.id, envelope: sealed.envelope.bytes, nonce: sealed.nonce, at: t)) != nil else { return m }
        var fresh = m
        fresh.envelope = sealed.envelope.bytes
        fresh.nonce = sealed.nonce
        return fresh
    }

    // MARK: Receiving

    func receiveRatcheted(_ envelope: RatchetEnvelope, packet p: MeshPacket) -> ReceiveOutcome {
        guard let key = key(for: envelope.senderID) else { return .unknownSender(senderID: envelope.senderID.hex) }
        let name = (try? store.contact(senderID: envelope.senderID.bytes))??.name ?? envelope.senderID.hex
        let t = now
        let opened: (plaintext: [UInt8], nonce: [UInt8])
        do {
            opened = try withRatchet(peer: envelope.senderID.bytes) { (state, record) throws(LoraCryptoError) in
                let o = try state.open(envelope, contactKey: key, now: t)
                record.capable = true
                return o
            }
        } catch {
            if case .crypto(.authenticationFailed) = error { return .failedAuthentication(contact: name) }
            if case .crypto(.ratchetKeyUnavailable(let why)) = error {
                let foreign = ((try? store.ratchet(peer: envelope.senderID.bytes)) ?? nil)
                    .flatMap { Self.ratchetState($0.state) }?
                    .isForeignOwnKey(envelope.recipientKeyID) ?? false
                if foreign { return .anotherCopy(contact: name, keyID: envelope.recipientKeyID) }
                return .ignored("a ratcheted envelope from '\(name)': \(why)")
            }
            // The frame's own ratchet key is unusable (a low-order point): the frame's fault,
            // not the contact's public key, which is fine.
            switch error {
            case .crypto(.invalidKey), .crypto(.weakSharedSecret):
                return .malformed("a ratcheted envelope from '\(name)' carries an unusable ratchet key (a low-order point)")
            default: break
            }
            return .malformed("from '\(name)': \(error.description)")
        }
        let content: RatchetedContent
        do { content = try RatchetedContent(bytes: opened.plaintext) } catch {
            return .ignored("a ratcheted envelope from '\(name)': \(error.description)")
        }
        guard let storage = try? storageKey(), let copy = try? content.localCopy(from: envelope.senderID, key: storage).bytes else {
            return .malformed("from '\(name)': cannot seal the local copy")
        }
        let m = Self.incoming(p, sender: envelope.senderID, envelope: envelope.bytes, nonce: opened.nonce, at: t, localCopy: copy)
        return keepIncoming(m, from: name, packet: p, text: content.text ?? "", location: content.location)
    }

    // MARK: Receipts

    /// What our next receipt to `peer` carries of our ratchet, and whether a plain copy must
    /// go too (the contact may be a v2 build, which drops a receipt with a ratchet part).
    /// Nil advert: the plain receipt only.
    func ratchetForReceipt(peer: [UInt8]) -> (advert: RatchetAdvert?, alsoPlain: Bool) {
        let record = (try? store.ratchet(peer: peer)) ?? nil
        let capable = record?.capable ?? false
        if !capable, (record?.offers ?? 0) >= Self.ratchetOffers, let offered = record?.offeredAt, now - offered < Self.ratchetOfferSeconds {
            return (nil, false)
        }
        let t = now
        let advert = try? withRatchet(peer: peer) { (state, record) throws(LoraCryptoError) in
            if !record.capable { record.offeredAt = t; record.offers += 1 }
            return try state.advert()
        }
        return (advert, !capable)
    }

    /// An authenticated receipt's ratchet part.
    func learnRatchet(_ advert: RatchetAdvert, from maker: [UInt8]) {
        let t = now
        remember("keep what a receipt said of the ratchet") { () throws(MessengerError) in
            try withRatchet(peer: maker) { (state, record) throws(LoraCryptoError) in
                try state.learn(advert, now: t)
                record.capable = true
            }
        }
    }

    // MARK: Retention

    /// How long messages are kept (nil: for ever, the default).
    public var retentionSeconds: Double? {
        ((try? store.setting(Self.retentionSetting)) ?? nil).flatMap(Double.init)
    }

    public func setRetention(seconds: Double?) throws(MessengerError) {
        try stored(try store.setSetting(Self.retentionSetting, to: seconds.map { String(Int($0)) }))
        try applyRetention()
    }

    /// Deletes the messages older than the retention, and leaves no copy of them in the WAL.
    @discardableResult
    public func applyRetention() throws(MessengerError) -> Int {
        guard let keep = retentionSeconds else { return 0 }
        do {
            let n = try store.deleteMessages(createdBefore: now - keep) { self.replayDigest(sender: $0, nonce: $1) }
            if n > 0 { try store.checkpoint() }   // no copy of them left in the WAL
            return n
        } catch { throw .store(error) }
    }

    /// A stored local copy opened for display.
    func openLocalCopy(_ bytes: [UInt8], expectedSender: [UInt8]) -> HistoryEntry.Body {
        guard let key = try? storageKey(), let env = try? LoraEnvelope(localCopy: bytes), env.senderID.bytes == expectedSender else {
            return .unreadable("stored local copy does not match its record")
        }
        guard let content = RatchetedContent(localCopy: env, key: key) else {
            return .unreadable("stored local copy failed authentication (damaged or altered on disk)")
        }
        if let location = content.location { return .location(location) }
        return .text(content.text ?? "")
    }
}

/// The local copy of a ratcheted message: the same content as a v1 (text) or v2 (location)
/// envelope under the storage key, so `history` reads it with the code that reads those.
extension RatchetedContent {
    var text: String? { if case .text(let t) = self { t } else { nil } }
    var location: SharedLocation? { if case .location(let f) = self { SharedLocation(f) } else { nil } }

    func localCopy(from sender: SenderID, key: ContactKey) throws(MessengerError) -> LoraEnvelope {
        do {
            switch self {
            case .text(let t): return try LoraEnvelope.sealLocalCopy(t, from: sender, with: key)
            case .location(let fix): return try LoraEnvelope.seal(.location(fix), from: sender, with: key)
            }
        } catch { throw .crypto(error) }
    }

    /// Opens a local copy; nil when it does not authenticate or holds another kind.
    init?(localCopy env: LoraEnvelope, key: ContactKey) {
        if env.isSealedContent {
            guard case .location(let fix)? = try? env.openContent(with: key) else { return nil }
            self = .location(fix)
        } else {
            guard let t = try? env.openText(with: key) else { return nil }
            self = .text(t)
        }
    }
}
