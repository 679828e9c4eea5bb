import Foundation
import GRDB

/// A consistent copy of the database for a backup.
extension MessageStore {
    /// Writes a copy of the database to `path` (which must not exist): with `history`, every
    /// message; without, only the outbox (outgoing messages not yet receipted or failed, with
    /// their chunks) beside the contacts, settings, ratchets, round trips and replay digests.
    /// The copy is vacuumed, so nothing deleted from it lingers in its free pages.
    public func writeSnapshot(to path: String, history: Bool) throws(StoreError) {
        do { try db.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) } } catch {
            throw StoreError(error, path: path)
        }
        chmod(path, 0o600)
        guard !history else { return }
        do {
            let copy = try DatabaseQueue(path: path)
            try copy.write { db in
                let keep = "direction = 'out' AND state NOT IN ('delivered', 'read')"
                try db.execute(sql: """
                    DELETE FROM chunk WHERE NOT EXISTS (
                        SELECT 1 FROM message m WHERE \(keep.replacingOccurrences(of: "direction", with: "m.direction").replacingOccurrences(of: "state", with: "m.state"))
                          AND m.transfer_id = chunk.transfer_id AND m.peer = chunk.peer AND m.direction = chunk.direction)
                    """)
                try db.execute(sql: "DELETE FROM message WHERE NOT (\(keep))")
            }
            try copy.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
            try copy.close()
        } catch { throw StoreError(error, path: path) }
    }

    /// How many contacts and messages a database file holds (a restored one, before use).
    public func counts() throws(StoreError) -> (contacts: Int, messages: Int) {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM contact") ?? 0, try Int.fetchOne(db, sql: "SELECT count(*) FROM message") ?? 0)
        }
    }
}
