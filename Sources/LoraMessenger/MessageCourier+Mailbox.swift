import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

extension MessageCourier {
    /// Serving: hands what we hold for a user to their radio, one frame per duty-cycle slot.
    func handOver(recipient: [UInt8], name: String, node: UInt32) async {
        let store = messenger.store
        guard let frames = try? store.heldFrames(recipient: recipient, handedBefore: messenger.now - Messenger.rehandSeconds), !frames.isEmpty else {
            emit(.notice("'\(name)' asked; nothing is held for them"))
            return
        }
        emit(.notice("handing \(frames.count) held frame\(frames.count == 1 ? "" : "s") to '\(name)' (\(User.nodeID(node)))"))
        for f in frames {
            var p = MeshPacket()
            p.to = node
            p.wantAck = true
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: MailboxDelivery(frame: f.frame).bytes))
            do {
                guard try await sendControl(p, waitForDuty: true) != nil else { return }
            } catch { return }   // the radio is gone: the rest go on the next fetch
            record("a frame handed") { () throws(StoreError) in try store.markHanded(digest: f.digest, at: messenger.now) }
        }
    }

    /// Tells our mailbox which handed frames we now hold, so it deletes them.
    func flushMailboxConfirms() async {
        for (packet, refs) in messenger.mailboxConfirmPackets() {
            let sent: UInt32?
            do { sent = try await sendControl(packet) } catch { return }
            guard sent != nil else { scheduleReceipts(in: 5); return }
            record("a mailbox confirm") { () throws(StoreError) in try messenger.store.mailboxConfirmsSent(refs) }
        }
    }

    /// A packet from our mailbox's radio: ask it for what it holds (at most every 10 minutes).
    func heardPossibleMailbox(_ node: UInt32) {
        guard let m = messenger.ownMailbox, m.node == node, messenger.queueFetch(force: false) else { return }
        Task { await self.sendPendingFrames() }
    }

    /// A message that has gone unanswered twice: a copy goes to the recipient's mailbox, if
    /// they told us one. By then the radio's own retries and one end-to-end resend found no
    /// lora-msg listening: the recipient is most likely away.
    func leaveWithMailboxIfDue(_ id: String, attempts: Int) async {
        guard attempts >= Self.attemptsBeforeMailbox, ((try? messenger.store.mailboxedAt(id: id)) ?? nil) == nil else { return }
        guard let box = try? messenger.leaveWithMailbox(messageID: id) else { return }
        emit(.notice("message \(id.prefix(8)): no receipt after \(attempts) sends; a copy is left with \(box)"))
        await sendPendingFrames()
    }

    static let attemptsBeforeMailbox = 2
}
