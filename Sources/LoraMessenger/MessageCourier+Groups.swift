import Delivery
import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

extension MessageCourier {
    /// Sends the group acks owed: one 0x08 broadcast per group naming up to 12 posts, inside
    /// the duty cycle (else later, as receipts are).
    func flushGroupAcks() async {
        let store = messenger.store
        guard let owed = try? store.groupAcksDue(since: messenger.now - ReceiptBatching.horizonSeconds), !owed.isEmpty else { return }
        let byGroup = Dictionary(grouping: owed, by: \.peer)
        for (groupID, posts) in byGroup {
            guard let packets = try? messenger.groupAckPackets(groupID: groupID, posts: posts) else { continue }
            for (packet, ids) in packets {
                let sent: UInt32?
                do { sent = try await sendControl(packet) } catch { return }   // radio gone: still owed
                guard sent != nil else {
                    scheduleReceipts(in: ReceiptBatching.dutyRetrySeconds)
                    return
                }
                record("group ack sent") { () throws(StoreError) in try store.markReceiptSent(ids: ids, level: 1) }
            }
        }
    }
}

extension Messenger {
    /// The 0x08 frames acknowledging `posts` of one group (12 to a frame), each with the ids it covers.
    func groupAckPackets(groupID: [UInt8], posts: [StoredMessage]) throws(MessengerError) -> [(MeshPacket, [String])] {
        guard let g = (try? store.group(id: groupID)) ?? nil else { return [] }
        let members: [GroupMemberRecord]
        members = try stored(try store.groupMembers(groupID: groupID))
        let keys = try tagKeys(for: members.filter { $0.senderID != identity.senderID.bytes })
        guard !keys.isEmpty else { return [] }
        let id = try self.groupID(of: g)
        var out: [(MeshPacket, [String])] = []
        var i = 0
        while i < posts.count {
            let batch = Array(posts[i..<min(posts.count, i + GroupAck.maxRefs)])
            i += batch.count
            let ack: GroupAck
            do throws(LoraCryptoError) {
                ack = try GroupAck.make(groupID: id, maker: identity.senderID, refs: batch.map { Array($0.nonce.prefix(GroupAck.refByteCount)) }, tagKeys: keys)
            } catch { throw .crypto(error) }
            var p = MeshPacket()
            p.to = MeshPacket.broadcast
            // want_ack: on firmware 2.8 a packet without it keeps hop limit 0 and never leaves
            // our radio's neighbourhood (Router::send sets the configured limit only for want_ack).
            p.wantAck = true
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: ack.bytes))
            out.append((p, batch.map(\.id)))
        }
        return out
    }
}
