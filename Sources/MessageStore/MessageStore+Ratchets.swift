import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    // MARK: Ratchet and retention

    static func retired(_ db: Database, _ digest: [UInt8]) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM retired_envelope WHERE digest = ?)", arguments: [Data(digest)]) ?? false
    }

    /// The contacts with a ratchet row.
    public func ratchetPeers() throws(StoreError) -> [[UInt8]] {
        try read { db in try Data.fetchAll(db, sql: "SELECT peer FROM ratchet").map { [UInt8]($0) } }
    }

    public func ratchet(peer: [UInt8]) throws(StoreError) -> RatchetRecord? {
        try read { db in try RatchetRecord.fetchOne(db, sql: "SELECT * FROM ratchet WHERE peer = ?", arguments: [Data(peer)]) }
    }

    /// Reads, changes and writes back the contact's ratchet in one write transaction, so two
    /// processes (a `tail` receiving, a `send` sealing) never both use one message number.
    /// `body` returns the new record (nil: leave it) and a result. The old row's bytes are
    /// overwritten in the file (secure_delete); `checkpoint` clears the WAL's copies.
    public func updateRatchet<T>(peer: [UInt8], _ body: (RatchetRecord?) -> (RatchetRecord?, T)) throws(StoreError) -> T {
        try write { db in
            let old = try RatchetRecord.fetchOne(db, sql: "SELECT * FROM ratchet WHERE peer = ?", arguments: [Data(peer)])
            let (new, result) = body(old)
            if let new { try new.save(db) }
            return result
        }
    }

    /// Deletes the messages (and their chunks) created before `cutoff`, except outgoing ones
    /// never handed to a radio. Returns how many messages went.
    @discardableResult
    /// `digest` makes each deleted incoming envelope's replay digest (of its sender id and
    /// nonce), kept in `retired_envelope`.
    public func deleteMessages(createdBefore cutoff: Double, digest: ([UInt8], [UInt8]) -> [UInt8]? = { _, _ in nil }) throws(StoreError) -> Int {
        try write { db in
            let doomed = try Row.fetchAll(db, sql: """
                SELECT sender_id, nonce FROM message WHERE direction = 'in' AND created_at < ?
                UNION ALL
                SELECT c.peer AS sender_id, c.nonce FROM chunk c JOIN message m
                  ON m.transfer_id = c.transfer_id AND m.peer = c.peer AND m.direction = c.direction
                WHERE c.direction = 'in' AND m.created_at < ?
                """, arguments: [cutoff, cutoff])
            for row in doomed {
                let sender: Data = row["sender_id"], nonce: Data = row["nonce"]
                guard let d = digest([UInt8](sender), [UInt8](nonce)), d.count == 16 else { continue }
                try db.execute(sql: "INSERT OR IGNORE INTO retired_envelope (digest) VALUES (?)", arguments: [Data(d)])
            }
            try db.execute(sql: """
                DELETE FROM chunk WHERE EXISTS (
                    SELECT 1 FROM message m
                    WHERE m.created_at < ? AND NOT (m.direction = 'out' AND m.state = 'pending')
                      AND m.transfer_id = chunk.transfer_id AND m.peer = chunk.peer AND m.direction = chunk.direction)
                """, arguments: [cutoff])
            try db.execute(sql: "DELETE FROM message WHERE created_at < ? AND NOT (direction = 'out' AND state = 'pending')",
                           arguments: [cutoff])
            return db.changesCount
        }
    }

    /// Flushes the WAL into the main file and truncates it (before byte-level checks, on clean
    /// exit, and after secrets or messages were deleted: secure_delete zeroes the bytes freed
    /// in the main file, but the WAL still holds earlier versions of changed pages).
    public func checkpoint() throws(StoreError) {
        do { _ = try db.writeWithoutTransaction { db in try db.checkpoint(.truncate) } } catch { throw StoreError(error, path: path) }
    }
}
