import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

/// Receiving frames 0x09 (control), 0x0A (a deposit, on a mailbox) and 0x0B (a held frame
/// handed on to us).
extension Messenger {
    public var isServingMailbox: Bool { servesMailbox.withLock { $0 } }
    public func serveMailbox(_ on: Bool) { servesMailbox.withLock { $0 = on } }

    func receiveMailboxControl(_ f: MailboxControl, packet p: MeshPacket) -> ReceiveOutcome {
        guard let c = (try? store.contact(senderID: f.maker.bytes)) ?? nil, let key = key(for: f.maker) else {
            return .unknownSender(senderID: f.maker.hex)
        }
        guard f.verify(addressee: identity.senderID, key: key) else { return .failedAuthentication(contact: "mailbox frame from '\(c.name)'") }
        let fresh: Bool
        do { fresh = try store.advanceMailboxClock(maker: f.maker.bytes, op: f.opCode, time: f.time) } catch {
            return .notStored(contact: c.name, reason: error.description)
        }
        guard fresh else { return .ignored("a mailbox frame from '\(c.name)' no later than one already taken (a replay)") }
        switch f.op {
        case let .advert(node, mailbox):
            let none = node == 0
            do { try store.setContactMailbox(senderID: c.senderID, node: none ? nil : node, mailbox: none ? nil : mailbox) } catch {
                return .notStored(contact: c.name, reason: error.description)
            }
            let named = ((try? store.contact(senderID: mailbox)) ?? nil)?.name
            return .mailboxNews(none ? "'\(c.name)' uses no mailbox now"
                                : "'\(c.name)' uses the mailbox \(named.map { "'\($0)' " } ?? "")on \(User.nodeID(node)); messages they miss are left there")
        case .register, .unregister:
            guard isServingMailbox else { return .ignored("'\(c.name)' asks this home to be their mailbox; it does not serve (lora-msg mailbox serve)") }
            do {
                if case .register = f.op { try store.registerMailboxUser(senderID: c.senderID, at: now) } else { try store.unregisterMailboxUser(senderID: c.senderID) }
            } catch { return .notStored(contact: c.name, reason: error.description) }
            if case .register = f.op {
                let held = UInt16(clamping: (try? store.heldCount(recipient: c.senderID)) ?? 0)
                remember("answer '\(c.name)''s registration") { () throws(MessengerError) in
                    try queueFrame(try mailboxFrame(.registered(held: held), to: c), to: c.node ?? (p.from == 0 ? nil : p.from))
                }
                return .mailboxNews("'\(c.name)' uses this mailbox")
            }
            return .mailboxNews("'\(c.name)' stopped using this mailbox; what was held for them is gone")
        case .fetch:
            guard isServingMailbox, (try? store.isMailboxUser(c.senderID)) == true else { return .ignored("'\(c.name)' asks for frames this home does not hold for them") }
            return .mailboxFetch(recipient: c.senderID, name: c.name, node: c.node ?? p.from)
        case .confirm(let refs):
            guard isServingMailbox else { return .ignored("a confirm from '\(c.name)' to a home that does not serve") }
            let gone: Int
            do { gone = try store.confirmHeld(recipient: c.senderID, refs: refs) } catch { return .notStored(contact: c.name, reason: error.description) }
            return .mailboxNews("'\(c.name)' holds \(gone) frame\(gone == 1 ? "" : "s") handed to them; deleted here")
        case .registered(let held):
            guard c.senderID == ownMailbox?.senderID else { return .ignored("'\(c.name)' says we use their mailbox; we do not") }
            return .mailboxNews("the mailbox '\(c.name)' holds for you" + (held > 0 ? " (\(held) frame\(held == 1 ? "" : "s") waiting)" : ""))
        }
    }

    func receiveDeposit(_ d: MailboxDeposit, packet p: MeshPacket) -> ReceiveOutcome {
        guard isServingMailbox else { return .ignored("a frame left for a mailbox; this home does not serve") }
        guard (try? store.isMailboxUser(d.recipient.bytes)) == true else { return .ignored("a frame left for \(d.recipient.hex), who does not use this mailbox") }
        let f = HeldFrame(digest: MailboxControl.digest(of: d.frame), recipient: d.recipient.bytes, sender: d.sender,
                          fromNode: p.from == 0 ? nil : p.from, frame: d.frame, receivedAt: now)
        let name = ((try? store.contact(senderID: d.recipient.bytes)) ?? nil)?.name ?? d.recipient.hex
        switch (try? store.admitDeposit(f)) ?? .refused("the database would not take it") {
        case .held: return .deposited(recipient: name, heldFor: (try? store.heldCount(recipient: d.recipient.bytes)) ?? 0)
        case .duplicate: return .duplicate
        case .refused(let why): return .ignored("a frame for '\(name)' was not kept: \(why)")
        }
    }

    /// A frame our mailbox held for us: taken in as if it came from its sender, and owed a confirm.
    func receiveHanded(_ d: MailboxDelivery, packet p: MeshPacket) -> ReceiveOutcome {
        guard let first = d.frame.first, [LoraEnvelope.version, LoraEnvelope.sealedVersion, RatchetEnvelope.version].contains(first) else {
            return .malformed("a mailbox handed a frame that is not an envelope")
        }
        var inner = p
        inner.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: d.frame))
        let outcome = receive(inner)
        switch outcome {
        case .message, .duplicate:
            // Ours now (or before): the mailbox may delete it.
            remember("a confirm owed to our mailbox") { () throws(StoreError) in try store.oweMailboxConfirm(ref: MailboxControl.ref(of: d.frame), at: now) }
        default: break
        }
        return outcome
    }

    /// The 0x09 confirms owed to our mailbox (24 refs a frame).
    func mailboxConfirmPackets() -> [(MeshPacket, [[UInt8]])] {
        guard let m = ownMailbox, let owed = try? store.mailboxConfirmsOwed(), !owed.isEmpty else { return [] }
        var out: [(MeshPacket, [[UInt8]])] = []
        var i = 0
        while i < owed.count {
            let refs = Array(owed[i..<min(owed.count, i + MailboxControl.maxRefs)])
            i += refs.count
            guard let frame = try? mailboxFrame(.confirm(refs), to: m) else { break }
            var p = MeshPacket()
            p.to = m.node ?? MeshPacket.broadcast
            p.wantAck = true
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: frame))
            out.append((p, refs))
        }
        return out
    }
}
