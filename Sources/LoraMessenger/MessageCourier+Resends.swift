import Delivery
import Foundation
import MeshtasticWire
import MessageStore

/// The driver of the resend engine: it feeds the engine what the courier learns, performs what
/// the engine asks, and sleeps until its next deadline.
extension MessageCourier {
    /// Takes up the messages a previous process was following, with the round trips learned.
    func restoreResends() {
        do {
            for r in try messenger.store.roundTrips() {
                resends.restore(peer: r.peer, RoundTripEstimate(smoothed: r.smoothed, variation: r.variation, samples: r.samples))
            }
            for m in try messenger.store.followedMessages() {
                guard let first = m.firstSentAt, let next = m.nextAttemptAt else { continue }
                resends.restore(TrackedMessage(id: m.id, peer: m.peer, attempts: max(1, m.roundSends), firstSentAt: first,
                                              lastSentAt: m.lastSentAt ?? first, nextAttemptAt: next))
            }
            // Long messages a previous process left half-confirmed: probed again, carrying on
            // its count of silent probes.
            for m in try messenger.store.unfinishedTransfers() {
                armProbe(m.id, broadcast: m.toNode == nil)
            }
        } catch { emit(.notice("cannot read the messages waiting for a receipt: \(error.description)")) }
        armResendTimer()
    }

    /// The path's expected round trip before a receipt teaches a real one: the message and a
    /// receipt (about 48 bytes) over the relays heard, three when unknown.
    func roundTripSeed(messageMilliseconds ms: Double, node: UInt32?, peer: [UInt8]) -> RoundTripEstimate {
        var receipt = MeshPacket()
        receipt.to = node ?? MeshPacket.broadcast
        receipt.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [UInt8](repeating: 0, count: 48)))
        return RoundTripEstimate.seed(messageSeconds: ms / 1000, receiptSeconds: dutyCycle.milliseconds(for: receipt) / 1000,
                                      relays: relays(to: node, peer: peer) ?? 3)
    }

    /// A contact's radio was heard by ours.
    func heard(node: UInt32) {
        guard node != 0, node != MeshPacket.broadcast, node != connection.info.nodeNum,
              let c = try? messenger.store.contacts().first(where: { $0.node == node }) else { return }
        resends.heard(peer: c.senderID, now: messenger.now)
        performResendActions()
    }

    /// Something authenticated came from the contact.
    func heard(contactNamed name: String) {
        guard let c = try? messenger.store.contact(named: name) else { return }
        resends.heard(peer: c.senderID, now: messenger.now)
        performResendActions()
    }

    /// Does what the engine asks, then sleeps until its next deadline.
    func performResendActions() {
        let store = messenger.store
        while let action = resends.poll() {
            switch action {
            case let .schedule(id, attempts, next):
                record("the next send") { () throws(StoreError) in
                    try store.scheduleResend(id: id, attempts: attempts, lastSentAt: messenger.now, nextAttemptAt: next)
                }
            case let .learned(peer, e):
                record("the round trip") { () throws(StoreError) in
                    try store.saveRoundTrip(RoundTripRecord(peer: peer, smoothed: e.smoothed, variation: e.variation,
                                                            samples: e.samples, updatedAt: messenger.now))
                }
            case let .fail(id, reason):
                record("state failed") { () throws(StoreError) in try store.failUnreceipted(id: id, reason: reason, at: messenger.now) }
                emit(.delivery(messageID: id, state: .failed, detail: reason))
                wake(id)
            case .resend(let id):
                Task { await self.resend(id) }
            }
        }
        armResendTimer()
    }

    private func resend(_ id: String) async {
        guard let m = try? messenger.store.message(id: id), m.direction == .outgoing, m.state != .delivered, m.state != .read else {
            resends.forget(messageID: id)
            record("the end of resending") { () throws(StoreError) in try messenger.store.stopFollowing(id: id) }
            return
        }
        let fresh = messenger.resealIfStale(m, resending: true)
        do {
            // The way it went last time: a broadcast stays one (the user chose it, or the radio
            // could not PKI-encrypt it); a DM goes to the contact's node as known now.
            try await transmit(messageID: fresh.id, broadcast: m.packetID != nil && m.toNode == nil, duty: .wait, resend: true)
            let attempts = resends.message(id)?.attempts ?? 0
            emit(.notice("message \(id.prefix(8)): no receipt yet, sent again (attempt \(attempts) of \(resends.policy.maxAttempts))"))
            await leaveWithMailboxIfDue(id, attempts: attempts)
        } catch {
            if case .store(.noSuchMessage) = error {
                resends.forget(messageID: id)
            } else {
                resends.notSent(messageID: id, now: messenger.now)
            }
            performResendActions()
        }
    }

    /// Holds a new message while the receipt of an earlier one to the same contact is on its
    /// way back (`ResendEngine.holdNewMessage`), never past the send's own deadline.
    func paceNewMessage(peer: [UInt8], deadline: Double?) async {
        while let until = resends.holdNewMessage(to: peer, now: messenger.now) {
            let limit = min(until, deadline ?? until)
            guard limit > messenger.now else { return }
            await pause(min(0.5, limit - messenger.now))
        }
    }

    func armResendTimer() {
        resendTimer?.cancel()
        guard let deadline = resends.nextDeadline else { resendTimer = nil; return }
        resendTimer = after(max(0.01, deadline - messenger.now)) { c in await c.resendTick() }
    }

    private func resendTick() {
        resends.handleTimeout(now: messenger.now)
        performResendActions()
    }
}
