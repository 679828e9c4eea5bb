import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    // MARK: Receipts

    /// A receipt from `peer` covers the outgoing envelopes whose nonces start with `refs`:
    /// they move to `delivered` (or `read`), never back. Returns the ids that moved.
    public func markReceipted(peer: [UInt8], refs: [[UInt8]], read: Bool, at time: Double) throws(StoreError) -> [String] {
        let state: DeliveryState = read ? .read : .delivered
        return try write { db in
            var moved: [String] = []
            for ref in refs {
                let ids = try String.fetchAll(
                    db, sql: "SELECT id FROM message WHERE direction = 'out' AND peer = ? AND substr(nonce, 1, ?) = ? AND \(Self.rankSQL) < ?",
                    arguments: [Data(peer), ref.count, Data(ref), state.rank])
                for id in ids {
                    try db.execute(sql: "UPDATE message SET state = ?, failure = NULL, next_attempt_at = NULL, updated_at = ? WHERE id = ?",
                                   arguments: [state.rawValue, time, id])
                }
                moved += ids
            }
            return moved
        }
    }

    /// Incoming messages received since `since` whose receipt is owed: never receipted, or
    /// shown to the user but not yet receipted as read (when `readReceipts`). Oldest first.
    public func receiptsDue(readReceipts: Bool, since: Double) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(
                db, sql: """
                    SELECT \(Self.withRowNumber) FROM message
                    WHERE direction = 'in' AND received_at > ?
                      AND (receipt_sent = 0 OR (? AND read_at IS NOT NULL AND receipt_sent < 2))
                      AND peer NOT IN (SELECT id FROM chat_group)
                    ORDER BY received_at
                    """,
                arguments: [since, readReceipts])
        }
    }

    public func markReceiptSent(ids: [String], level: Int) throws(StoreError) {
        try write { db in
            for id in ids {
                try db.execute(sql: "UPDATE message SET receipt_sent = max(receipt_sent, ?) WHERE id = ? AND direction = 'in'", arguments: [level, id])
            }
        }
    }

    /// A copy of an envelope we already hold came in another packet: the sender is retrying
    /// because our receipt did not reach them, so it is owed again.
    public func receiptLost(senderID: [UInt8], nonce: [UInt8], packetID: UInt32) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE message SET receipt_sent = 0, packet_id = ?
                    WHERE direction = 'in' AND sender_id = ? AND nonce = ? AND (packet_id IS NULL OR packet_id != ?)
                    """,
                arguments: [Int64(packetID), Data(senderID), Data(nonce), Int64(packetID)])
        }
    }

    /// An incoming message (a completed transfer) whose sender is still sending chunks: our
    /// receipt did not reach them.
    public func receiptLost(messageID: String) throws(StoreError) {
        try write { db in try db.execute(sql: "UPDATE message SET receipt_sent = 0 WHERE id = ? AND direction = 'in'", arguments: [messageID]) }
    }

    /// The user was shown these incoming messages: no longer unread.
    public func markSeen(ids: [String], at time: Double) throws(StoreError) {
        try write { db in
            for id in ids {
                try db.execute(sql: "UPDATE message SET seen_at = COALESCE(seen_at, ?) WHERE id = ? AND direction = 'in'", arguments: [time, id])
            }
        }
    }

    /// Incoming messages from `peer` never shown to the user.
    public func unseenCount(peer: [UInt8]) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM message WHERE direction = 'in' AND peer = ? AND seen_at IS NULL",
                             arguments: [Data(peer)]) ?? 0
        }
    }

    /// The user was shown these incoming messages (kept only while read receipts are on).
    public func markRead(ids: [String], at time: Double) throws(StoreError) {
        try write { db in
            for id in ids {
                try db.execute(sql: "UPDATE message SET read_at = COALESCE(read_at, ?) WHERE id = ? AND direction = 'in'", arguments: [time, id])
            }
        }
    }
}
