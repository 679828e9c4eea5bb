import Foundation
import LoraCrypto
import MessageStore

extension Messenger {
    /// Seals one fix for the contact alone and delivers it like a message. An older fix to
    /// the same contact still waiting in the outbox is dropped first: the newest position is
    /// the one worth airtime, never a backlog of stale ones.
    public func shareLocation(_ fix: SharedLocation, to name: String, plan: SendPlan, radio: RadioChoice,
                              progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> SendOutcome {
        let c = try contact(named: name)
        if plan.goal == .ack && Self.goesAsBroadcast(to: c, forced: plan.broadcast) { throw .ackNeedsNode(contact: c.name) }
        let quantized = try fix.quantized()
        do {
            // A location still waiting (sealed v2, or ratcheted with a v2 local copy) is stale now.
            for m in try store.pending() where m.peer == c.senderID
                && (m.envelope.first == LoraEnvelope.sealedVersion || m.localCopy?.first == LoraEnvelope.sealedVersion) {
                _ = try store.cancelOutbox(idPrefix: m.id)
            }
        } catch { throw .store(error) }
        let m = try composeSealed(.location(quantized), to: c, broadcast: plan.broadcast, channel: plan.channel, hopLimit: plan.hopLimit)
        rememberOwnFix(quantized)
        do {
            return try await deliver([m.id], plan: plan, radio: radio, progress: progress)[0].get()
        } catch .dutyCycleWait(let s, let id) {
            // A fix that cannot go now is stale by the time it could: it is not kept.
            remember("the stale fix's removal from the outbox") { () throws(StoreError) in _ = try store.cancelOutbox(idPrefix: id) }
            throw .dutyCycleWait(seconds: s, messageID: id)
        }
    }

    /// Seals a v2 kind for a contact and stores it in the outbox.
    func composeSealed(_ content: SealedContent, to c: Contact, broadcast: Bool, channel: Int, hopLimit: Int?) throws(MessengerError) -> StoredMessage {
        // A location goes forward-secret when the contact ratchets (chunks not yet).
        if case .location(let fix) = content, let sid = try? SenderID(bytes: c.senderID), let key = key(for: sid),
           let m = try composeRatcheted(.location(fix), to: c, key: key, broadcast: broadcast, channel: channel, hopLimit: hopLimit) {
            return m
        }
        return try composeEnvelope(to: c, broadcast: broadcast, channel: channel, hopLimit: hopLimit) { key throws(LoraCryptoError) in
            try LoraEnvelope.seal(content, from: identity.senderID, with: key)
        }
    }

    /// Our own last shared fix, for distance and bearing to the ones we receive. Kept sealed
    /// under a key of our own (X25519 of our secret with our own public key), like every
    /// position on disk.
    public var ownLastFix: SharedLocation? {
        guard let text = (try? store.setting(Self.ownFixSetting)) ?? nil, let bytes = Data(base64Encoded: text),
              let env = try? LoraEnvelope(bytes: Array(bytes)), let key = try? ContactKey(own: identity, peer: identity.publicKey),
              case .location(let fix)? = try? env.openContent(with: key) else { return nil }
        return SharedLocation(fix)
    }

    private func rememberOwnFix(_ fix: LocationFix) {
        guard let key = try? ContactKey(own: identity, peer: identity.publicKey),
              let env = try? LoraEnvelope.seal(.location(fix), from: identity.senderID, with: key) else { return }
        remember("our last fix") { () throws(StoreError) in try store.setSetting(Self.ownFixSetting, to: Data(env.bytes).base64EncodedString()) }
    }
}

extension SharedLocation {
    /// The fix as it goes on the air (bounds checked, 24-bit quantized).
    func quantized() throws(MessengerError) -> LocationFix {
        let t = fixTime.isFinite ? UInt32(clamping: Int64(max(0, min(Double(UInt32.max), fixTime.rounded(.down))))) : 0
        do { return try LocationFix(latitude: lat, longitude: lon, fixTime: t, altitude: alt, accuracy: accuracy) } catch {
            if case .malformedEnvelope(.badField(let why)) = error { throw .invalidText(reason: why) }
            throw .crypto(error)
        }
    }
}
