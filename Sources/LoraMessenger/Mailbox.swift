import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore
import Synchronization

/// What `mailbox status` says.
public struct MailboxStatus: Equatable, Sendable {
    /// The contact whose mailbox this home uses, and their radio.
    public var using: String?
    public var usingNode: String?
    /// On a home that serves: its users and the frames it holds.
    public var users: Int
    public var held: Int
}

/// Offline delivery (docs/PROTOCOL.md, "Mailbox"): a user chooses a contact that runs `mailbox
/// serve`; its contacts learn that from the user's own authenticated advert; a sender leaves a
/// copy of a message there when end-to-end delivery has not worked; the user fetches on start.
extension Messenger {
    static let mailboxSetting = "mailbox"
    static let mailboxSetAtSetting = "mailbox_set_at"
    static let mailboxFetchedAtSetting = "mailbox_fetched_at"
    /// A held frame handed and not confirmed goes again on a later fetch, not sooner.
    public static let rehandSeconds = 60.0
    /// Hearing our mailbox's radio asks it again at most this often.
    public static let fetchIntervalSeconds = 600.0

    /// The contact whose mailbox we use, if any.
    public var ownMailbox: Contact? {
        guard let sid = ((try? store.setting(Self.mailboxSetting)) ?? nil).flatMap({ try? SenderID(hex: $0) }) else { return nil }
        return (try? store.contact(senderID: sid.bytes)) ?? nil
    }

    /// The 0x09 clock: our messenger's seconds, never going back for one maker.
    var mailboxTime: UInt32 { UInt32(clamping: Int64(now.rounded(.down))) }

    func mailboxFrame(_ op: MailboxControl.Op, to c: Contact) throws(MessengerError) -> [UInt8] {
        guard let sid = try? SenderID(bytes: c.senderID), let key = key(for: sid) else {
            throw .crypto(.invalidKey("the stored key of '\(c.name)' gives no shared secret"))
        }
        // Two frames of one op within a second must still be in order: time is at least the last + 1.
        let settingKey = "mailbox_sent_time_\(op.codeValue)_\(sid.hex)"
        let last = ((try? store.setting(settingKey)) ?? nil).flatMap(UInt32.init) ?? 0
        let time = max(mailboxTime, last &+ 1)
        try stored(try store.setSetting(settingKey, to: String(time)))
        do { return try MailboxControl.make(op, maker: identity.senderID, addressee: sid, time: time, key: key).bytes } catch { throw .crypto(error) }
    }

    func queueFrame(_ bytes: [UInt8], to node: UInt32?) throws(MessengerError) {
        try stored(try store.queueFrame(OutgoingFrame(id: UUID().uuidString.lowercased(), frame: bytes, toNode: node, createdAt: now)))
    }

    /// Chooses the contact `name` (running `mailbox serve`) as this home's mailbox, or none:
    /// registers there (or leaves), and queues our advert for every contact.
    public func useMailbox(_ name: String?) throws(MessengerError) -> Contact? {
        let previous = ownMailbox
        let chosen = try name.map { n throws(MessengerError) in try contact(named: n) }
        if let chosen, chosen.node == nil {
            throw .usage(reason: "'\(chosen.name)' has no known radio; give it with 'lora-msg contact set-node \(chosen.name) !xxxxxxxx' first")
        }
        if let previous, previous.senderID != chosen?.senderID {
            try queueFrame(try mailboxFrame(.unregister, to: previous), to: previous.node)
        }
        do {
            try store.setSetting(Self.mailboxSetting, to: chosen.flatMap { try? SenderID(bytes: $0.senderID) }?.hex)
            try store.setSetting(Self.mailboxSetAtSetting, to: String(now))
            try store.markMailboxTold(senderID: [], at: nil)
        } catch { throw .store(error) }
        if let chosen { try queueFrame(try mailboxFrame(.register, to: chosen), to: chosen.node) }
        for c in try contacts() where c.senderID != chosen?.senderID {
            try tellMailbox(to: c)
        }
        return chosen
    }

    /// Queues our mailbox advert for one contact (node 0: none).
    func tellMailbox(to c: Contact) throws(MessengerError) {
        let m = ownMailbox
        let advert = MailboxControl.Op.advert(node: m?.node ?? 0, mailbox: m?.senderID ?? [UInt8](repeating: 0, count: SenderID.byteCount))
        try queueFrame(try mailboxFrame(advert, to: c), to: c.node)
        try stored(try store.markMailboxTold(senderID: c.senderID, at: now))
    }

    /// A contact we heard from has not been told our current mailbox: tell them now.
    func tellMailboxIfDue(senderID: [UInt8]) {
        guard (try? store.setting(Self.mailboxSetAtSetting)) ?? nil != nil,
              let c = (try? store.contact(senderID: senderID)) ?? nil, c.senderID != ownMailbox?.senderID,
              ((try? store.mailboxToldAt(senderID: senderID)) ?? nil) == nil else { return }
        remember("tell '\(c.name)' our mailbox") { () throws(MessengerError) in try tellMailbox(to: c) }
    }

    public func mailboxStatus() throws(MessengerError) -> MailboxStatus {
        let m = ownMailbox
        do {
            return MailboxStatus(using: m?.name, usingNode: m?.node.map(User.nodeID), users: try store.mailboxUsers().count, held: try store.heldCount())
        } catch { throw .store(error) }
    }

    /// Asks our mailbox for what it holds (on start, and when its radio is heard).
    @discardableResult
    public func queueFetch(force: Bool) -> Bool {
        guard let m = ownMailbox else { return false }
        let last = ((try? store.setting(Self.mailboxFetchedAtSetting)) ?? nil).flatMap(Double.init) ?? -.infinity
        guard force || now - last >= Self.fetchIntervalSeconds else { return false }
        guard let frame = try? mailboxFrame(.fetch, to: m), (try? queueFrame(frame, to: m.node)) != nil else { return false }
        remember("when our mailbox was last asked") { () throws(StoreError) in try store.setSetting(Self.mailboxFetchedAtSetting, to: String(now)) }
        return true
    }

    /// Leaves a copy of an outgoing message with its recipient's mailbox (their advert named
    /// it). Nil when there is none, or the message does not go as one envelope.
    @discardableResult
    public func leaveWithMailbox(messageID: String) throws(MessengerError) -> String? {
        let found: StoredMessage?
        found = try stored(try store.message(id: messageID))
        guard let m = found, m.direction == .outgoing, m.transferID == nil,
              let c = (try? store.contact(senderID: m.peer)) ?? nil,
              let box = (try? store.contactMailbox(senderID: m.peer)) ?? nil, box.node != 0,
              let recipient = try? SenderID(bytes: m.peer) else { return nil }
        let deposit: MailboxDeposit
        do { deposit = try MailboxDeposit(recipient: recipient, frame: m.envelope) } catch { return nil }
        try queueFrame(deposit.bytes, to: box.node)
        try stored(try store.markMailboxed(id: m.id, at: now))
        return (try? store.contact(senderID: box.mailbox))??.name ?? User.nodeID(box.node) + " (\(c.name)'s mailbox)"
    }

    /// The mailbox of a contact, as `contact show` says it.
    public func mailbox(of c: Contact) -> String? {
        guard let box = (try? store.contactMailbox(senderID: c.senderID)) ?? nil, box.node != 0 else { return nil }
        return ((try? store.contact(senderID: box.mailbox)) ?? nil).map { "\($0.name) (\(User.nodeID(box.node)))" } ?? User.nodeID(box.node)
    }
}

extension MailboxControl.Op {
    var codeValue: UInt8 {
        switch self {
        case .advert: 1
        case .register: 2
        case .unregister: 3
        case .fetch: 4
        case .confirm: 5
        case .registered: 6
        }
    }
}

extension Messenger {
    /// Sends the frame outbox now: through a running `tail` (which sends it as it comes), else
    /// over the radio.
    public func sendQueuedFrames(radio: RadioChoice, progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) {
        if let pid = TailPresence.runningTail(home: home) { progress(.handedToTail(pid: pid)); return }
        let asked: Set<String>
        do { asked = Set(try store.unsentFrames().map(\.id)) } catch { throw .store(error) }
        let courier = try await MessageCourier.connect(messenger: self, endpoint: try radio.locate(), reconnectForSeconds: 10,
                                                       waiting: { progress(.waitingForRadio($0)) })
        await courier.sendPendingFrames()
        await courier.close()
        // Only the frames this was asked to send: one queued meanwhile (a fetch, on hearing
        // our mailbox's radio) waits for the next lora-msg that talks to the radio.
        let left: [OutgoingFrame]
        left = try stored(try store.unsentFrames().filter { asked.contains($0.id) })
        if !left.isEmpty { throw .frameNotSent(reason: "\(left.count) frame\(left.count == 1 ? "" : "s") still wait for the radio") }
    }
}

extension Messenger {
    /// What one sender may leave for one recipient at a mailbox.
    public static var mailboxPerSenderLimit: Int { MailboxLimits().perSenderPerRecipient }
}
