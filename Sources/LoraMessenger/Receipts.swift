import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

extension Messenger {
    /// Whether this home sends read receipts (off unless the user turns them on).
    public var readReceiptsEnabled: Bool {
        ((try? store.setting(Self.readReceiptsSetting)) ?? nil) == "on"
    }

    public func setReadReceipts(_ on: Bool) throws(MessengerError) {
        try stored(try store.setSetting(Self.readReceiptsSetting, to: on ? "on" : "off"))
    }

    /// The user was shown these incoming messages. Recorded only while read receipts are on:
    /// with them off, when something was read is nobody's business, not even the disk's.
    public func markShown(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        remember("messages shown") { () throws(StoreError) in try store.markSeen(ids: ids, at: now) }
        guard readReceiptsEnabled else { return }
        remember("messages read") { () throws(StoreError) in try store.markRead(ids: ids, at: now) }
    }

    /// Messages from `name` that no terminal has shown yet (`tail` to a terminal, `chat`).
    public func unreadCount(from name: String) throws(MessengerError) -> Int {
        let c = try contact(named: name)
        return try stored(try store.unseenCount(peer: c.senderID))
    }

    /// The receipt packets for incoming messages of one contact: one, carrying our ratchet
    /// when the contact ratchets; while it has not shown it does, the ratchet form and the
    /// plain form (a v2 build drops the first), at most once a week.
    func receiptPackets(for messages: [StoredMessage], read: Bool, node: UInt32) throws(MessengerError) -> [MeshPacket] {
        guard let first = messages.first else { throw .usage(reason: "no messages to receipt") }
        let (advert, alsoPlain) = ratchetForReceipt(peer: first.peer)
        guard let advert else { return [try receiptPacket(for: messages, read: read, node: node, ratchet: nil)] }
        let ratcheted = try receiptPacket(for: messages, read: read, node: node, ratchet: advert)
        return alsoPlain ? [ratcheted, try receiptPacket(for: messages, read: read, node: node, ratchet: nil)] : [ratcheted]
    }

    /// One receipt packet for incoming messages of one contact: to their radio when known
    /// (else the radio the newest came from, else a broadcast), with want_ack on a DM.
    func receiptPacket(for messages: [StoredMessage], read: Bool, node: UInt32, ratchet: RatchetAdvert? = nil) throws(MessengerError) -> MeshPacket {
        guard let first = messages.first else { throw .usage(reason: "no messages to receipt") }
        let maker = identity.senderID
        guard let peerID = try? SenderID(bytes: first.peer), let key = key(for: peerID) else {
            throw .crypto(.invalidKey("no key for the sender of message \(first.id)"))
        }
        let receipt: DeliveryReceipt
        do { receipt = try DeliveryReceipt.make(read: read, nonces: messages.map(\.nonce), node: node, maker: maker, key: key, ratchet: ratchet) } catch { throw .crypto(error) }
        let contactNode = (try? store.contact(senderID: first.peer))??.node
        let fromNode = messages.last?.fromNode.flatMap { $0 == 0 || $0 == MeshPacket.broadcast ? nil : $0 }
        var p = MeshPacket()
        p.to = contactNode ?? fromNode ?? MeshPacket.broadcast
        p.wantAck = p.to != MeshPacket.broadcast
        p.channel = UInt32(clamping: messages.last?.channel ?? 0)
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: receipt.bytes))
        return p
    }

    /// What we hold of an incoming transfer, as a receipt to its sender; nil when the transfer
    /// is complete (its ordinary receipt says so) or gone.
    func transferReceiptPacket(peer: [UInt8], transferID: UInt32, node: UInt32) throws(MessengerError) -> MeshPacket? {
        let chunks: [StoredChunk]
        chunks = try stored(try store.chunks(peer: peer, direction: .incoming, transferID: transferID))
        guard let count = chunks.first?.count, chunks.count < count else { return nil }
        guard let sid = try? SenderID(bytes: peer), let key = key(for: sid) else { return nil }
        var held = [Bool](repeating: false, count: count)
        for c in chunks where c.index < count { held[c.index] = true }
        let receipt: DeliveryReceipt
        do { receipt = try DeliveryReceipt.make(holdings: .init(transferID: transferID, held: held), node: node, maker: identity.senderID, key: key) } catch {
            throw .crypto(error)
        }
        var p = MeshPacket()
        p.to = ((try? store.contact(senderID: peer)) ?? nil)?.node ?? MeshPacket.broadcast
        p.wantAck = p.to != MeshPacket.broadcast
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: receipt.bytes))
        return p
    }
}
