/// What a receipt says about the ratchet (0x03 flags bits 2 and 3): its maker's current
/// ratchet key, and the newest of the addressee's keys the maker holds.
public struct RatchetAdvert: Equatable, Sendable {
    public var keyID: UInt8
    /// The newest of the addressee's ratchet keys the maker holds (0: none).
    public var newestPeerKeyID: UInt8
    /// Attached while the addressee has not shown it holds `keyID`.
    public var key: PublicKey?

    public init(keyID: UInt8, newestPeerKeyID: UInt8, key: PublicKey?) {
        self.keyID = keyID
        self.newestPeerKeyID = newestPeerKeyID
        self.key = key
    }
}

/// One side's ratchet with one contact (docs/PROTOCOL.md, "0x06 ratcheted envelope"): its own
/// short-lived X25519 keys, the contact's, and which of ours the contact holds. Sans-I/O and
/// Codable: the caller stores it (mode 0600) after every mutation and before the frame a seal
/// made goes to the radio, so a message number is never used twice.
public struct RatchetState: Codable, Equatable, Sendable {
    /// How long a superseded secret stays for frames still on their way.
    public static let graceSeconds = 3600.0
    /// Superseded keys kept at most, per side.
    public static let maxRetiring = 6

    struct OwnKey: Codable, Equatable, Sendable {
        var id: UInt8
        var secret: [UInt8]
        /// When the contact first showed it holds a newer key of ours.
        var retiringSince: Double?
        /// The next message number under this key, per contact key id.
        var next: [UInt8: UInt16] = [:]
        /// Made before the state was found copied: another copy may use the same numbers, so
        /// this one uses none of them again (nil in states written before that rule).
        var spent: Bool? = nil
    }

    struct PeerKey: Codable, Equatable, Sendable {
        var id: UInt8
        var publicKey: [UInt8]
        var retiringSince: Double?
    }

    /// Oldest first; the last is current.
    var own: [OwnKey] = []
    /// Oldest first; the last is the newest.
    var peer: [PeerKey] = []
    /// The newest of our keys the contact has shown it holds (0: none).
    var peerHoldsOwn: UInt8 = 0
    /// The contact holds our current key: the next frame we make announces a new one. Made
    /// then, not now, so a state stolen in between holds no secret of the key that heals it.
    var advanceDue = false

    public init() {}

    public var currentKeyID: UInt8? { own.last?.id }
    public var newestPeerKeyID: UInt8? { peer.last?.id }
    /// Ids of the own secrets still held (for tests and `contact show`).
    public var heldOwnKeyIDs: [UInt8] { own.map(\.id) }

    // MARK: Ids

    /// Ids run 1…255 and then 1 again; 0 means none.
    static func following(_ id: UInt8) -> UInt8 { id == 255 ? 1 : id + 1 }

    /// `a` is newer than `b` when it is 1…127 steps after it (0 is older than every id).
    static func isNewer(_ a: UInt8, than b: UInt8) -> Bool {
        if b == 0 { return a != 0 }
        if a == 0 { return false }
        let steps = (Int(a) - Int(b) + 255) % 255
        return (1...127).contains(steps)
    }

    // MARK: Sealing

    /// Seals `plaintext` (kind ‖ body) for the contact. Nil when the ratchet cannot carry it
    /// (no key of the contact's yet, or no room to announce ours and the contact holds none):
    /// the caller sends it under the static key instead.
    public mutating func seal(_ plaintext: [UInt8], from sender: SenderID, contactKey: ContactKey, now: Double,
                              keys: RatchetKeySource = .system)
        throws(LoraCryptoError) -> (envelope: RatchetEnvelope, nonce: [UInt8])? {
        retire(now: now)
        guard let target = peer.last else { return nil }
        try ensureOwnKey(keys)
        var index = own.count - 1
        var attach = own[index].id != peerHoldsOwn
        if attach, plaintext.count > RatchetEnvelope.maxPlaintextBytesWithKey {
            // No room to announce the current key: the newest the contact holds, if any.
            guard peerHoldsOwn != 0, let held = own.firstIndex(where: { $0.id == peerHoldsOwn }) else { return nil }
            index = held
            attach = false
        }
        var number = own[index].spent == true ? UInt16.max : own[index].next[target.id, default: 0]
        if number == UInt16.max {
            // Numbers under this pair of keys are spent: a new key of ours, announced.
            guard plaintext.count <= RatchetEnvelope.maxPlaintextBytesWithKey else { return nil }
            try makeOwnKey(keys)
            index = own.count - 1
            attach = true
            number = 0
        }
        own[index].next[target.id] = number + 1
        let pair = try IdentityKeyPair(secretKey: own[index].secret)
        var epoch = try RatchetEnvelope.epochSecret(contactKey: contactKey, own: pair, peer: try PublicKey(bytes: target.publicKey))
        defer { Sodium.wipe(&epoch) }
        return try RatchetEnvelope.seal(plaintext, epoch: epoch, senderID: sender, senderKeyID: own[index].id,
                                        recipientKeyID: target.id, number: number, attachedKey: attach ? pair.publicKey : nil)
    }

    // MARK: Opening

    /// Opens a frame from the contact and learns from it. `ratchetKeyUnavailable` when a key
    /// it needs is not held (retired, or never announced); `authenticationFailed` when the
    /// tag does not verify. Either way nothing changes.
    public mutating func open(_ envelope: RatchetEnvelope, contactKey: ContactKey, now: Double)
        throws(LoraCryptoError) -> (plaintext: [UInt8], nonce: [UInt8]) {
        guard let mine = own.first(where: { $0.id == envelope.recipientKeyID }) else {
            throw .ratchetKeyUnavailable("no ratchet secret \(envelope.recipientKeyID) (retired or never made)")
        }
        let theirs: PublicKey
        if let attached = envelope.attachedKey {
            theirs = attached
        } else if let held = peer.first(where: { $0.id == envelope.senderKeyID }) {
            theirs = try PublicKey(bytes: held.publicKey)
        } else {
            throw .ratchetKeyUnavailable("the contact's ratchet key \(envelope.senderKeyID) is not held")
        }
        var epoch = try RatchetEnvelope.epochSecret(contactKey: contactKey, own: try IdentityKeyPair(secretKey: mine.secret), peer: theirs)
        defer { Sodium.wipe(&epoch) }
        let opened = try envelope.open(epoch: epoch)
        if let attached = envelope.attachedKey { notePeerKey(envelope.senderKeyID, attached.bytes, now: now) }
        noteHeld(envelope.recipientKeyID, now: now)
        retire(now: now)
        return opened
    }

    // MARK: Receipts

    /// What our next receipt to the contact says; makes our first key if we have none.
    public mutating func advert(keys: RatchetKeySource = .system) throws(LoraCryptoError) -> RatchetAdvert {
        try ensureOwnKey(keys)
        let current = own[own.count - 1]
        let key = current.id == peerHoldsOwn ? nil : try IdentityKeyPair(secretKey: current.secret).publicKey
        return RatchetAdvert(keyID: current.id, newestPeerKeyID: peer.last?.id ?? 0, key: key)
    }

    /// Learns from an authenticated receipt of the contact's.
    public mutating func learn(_ advert: RatchetAdvert, now: Double) throws(LoraCryptoError) {
        if let key = advert.key { notePeerKey(advert.keyID, key.bytes, now: now) }
        if advert.newestPeerKeyID != 0, own.contains(where: { $0.id == advert.newestPeerKeyID }) {
            noteHeld(advert.newestPeerKeyID, now: now)
        }
        retire(now: now)
    }

    // MARK: Copies

    /// A key id of ours the contact uses that this state never made: newer than our current
    /// key, and not held. Another home with this identity (a restored backup used beside its
    /// original) made it.
    public func isForeignOwnKey(_ id: UInt8) -> Bool {
        id != 0 && !own.contains { $0.id == id } && Self.isNewer(id, than: currentKeyID ?? 0)
    }

    /// The state was found in a copied or restored home, whose original may go on sealing
    /// with the same secrets and counters: no number under a key made before is used again.
    /// A new key is made now; the next frame announces it (or, with no room for it, goes under
    /// the static key with a random nonce). Frames from the contact still open.
    public mutating func abandonNumbering(keys: RatchetKeySource = .system) throws(LoraCryptoError) {
        for i in own.indices { own[i].spent = true }
        try makeOwnKey(keys)
        advanceDue = false
    }

    // MARK: Bookkeeping

    private mutating func ensureOwnKey(_ keys: RatchetKeySource) throws(LoraCryptoError) {
        if own.isEmpty || advanceDue { try makeOwnKey(keys) }
        advanceDue = false
    }

    private mutating func makeOwnKey(_ keys: RatchetKeySource) throws(LoraCryptoError) {
        let pair = try keys.make()
        let id = own.last.map { Self.following($0.id) } ?? 1
        own.append(OwnKey(id: id, secret: pair.secretKeyBytes))
    }

    /// The contact holds our key `id`: older ones start retiring, and if it is our current
    /// key, the next frame announces a new one (one new key per round trip).
    private mutating func noteHeld(_ id: UInt8, now: Double) {
        guard Self.isNewer(id, than: peerHoldsOwn) else { return }
        peerHoldsOwn = id
        for i in own.indices where Self.isNewer(id, than: own[i].id) && own[i].retiringSince == nil {
            own[i].retiringSince = now
        }
        if id == own.last?.id { advanceDue = true }
    }

    private mutating func notePeerKey(_ id: UInt8, _ publicKey: [UInt8], now: Double) {
        if let i = peer.firstIndex(where: { $0.id == id }) {
            peer[i].publicKey = publicKey   // an id used again after wrapping
            return
        }
        if let newest = peer.last, !Self.isNewer(id, than: newest.id) { return }   // a late announcement of an old key
        for i in peer.indices where peer[i].retiringSince == nil { peer[i].retiringSince = now }
        peer.append(PeerKey(id: id, publicKey: publicKey))
    }

    /// Erases superseded keys whose grace is over, and all but the newest `maxRetiring` of
    /// them. The key the contact holds and newer ones, and the contact's newest, stay.
    public mutating func retire(now: Double) {
        func expired(_ since: Double?) -> Bool { since.map { now - $0 >= Self.graceSeconds } ?? false }
        var retiring = own.indices.filter { own[$0].retiringSince != nil }
        let excess = Set(retiring.dropLast(Self.maxRetiring))
        retiring = retiring.filter { excess.contains($0) || expired(own[$0].retiringSince) }
        for i in retiring { Sodium.wipe(&own[i].secret) }
        own = own.enumerated().filter { !retiring.contains($0.offset) }.map(\.element)
        let peerRetiring = peer.indices.filter { peer[$0].retiringSince != nil && $0 != peer.count - 1 }
        let peerExcess = Set(peerRetiring.dropLast(Self.maxRetiring))
        let dropPeer = Set(peerRetiring.filter { peerExcess.contains($0) || expired(peer[$0].retiringSince) })
        peer = peer.enumerated().filter { !dropPeer.contains($0.offset) }.map(\.element)
    }
}

/// Where a ratchet's new key pairs come from: the system's randomness, or (in tests) a
/// deterministic source, so a sequence of states can be checked byte for byte.
public struct RatchetKeySource: Sendable {
    public let make: @Sendable () throws(LoraCryptoError) -> IdentityKeyPair
    public init(_ make: @escaping @Sendable () throws(LoraCryptoError) -> IdentityKeyPair) { self.make = make }
    public static let system = RatchetKeySource { () throws(LoraCryptoError) in try IdentityKeyPair.generate() }
}
