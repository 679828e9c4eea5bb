import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    /// Puts failed outgoing messages back into the outbox as pending; returns how many.
    @discardableResult
    public func requeueFailed(at time: Double) throws(StoreError) -> Int {
        try write { db in
            // Not those of a removed contact, or a group we are no longer in: there is nobody
            // left to send them to.
            try db.execute(sql: """
                UPDATE message SET state = 'pending', updated_at = ?
                WHERE direction = 'out' AND state = 'failed'
                  AND (peer IN (SELECT sender_id FROM contact) OR peer IN (SELECT id FROM chat_group WHERE state = 'member'))
                """, arguments: [time])
            return db.changesCount
        }
    }

    /// Deletes unsent (pending or failed) outgoing messages: the one whose id starts with
    /// `idPrefix`, or all of them when it is nil. Returns the ids deleted.
    public func cancelOutbox(idPrefix: String?) throws(StoreError) -> [String] {
        try write { db in
            let filter = "direction = 'out' AND (state IN ('pending', 'failed') OR (transfer_id IS NOT NULL AND state IN ('queued', 'relayed', 'acked')))"
            let ids: [String]
            if let idPrefix {
                ids = try String.fetchAll(db, sql: "SELECT id FROM message WHERE \(filter) AND substr(id, 1, ?) = ?",
                                          arguments: [idPrefix.count, idPrefix.lowercased()])
                if ids.count > 1 { throw StoreError.ambiguousID(idPrefix) }
            } else {
                ids = try String.fetchAll(db, sql: "SELECT id FROM message WHERE \(filter)")
            }
            for id in ids {
                // A transfer's chunks go with it; the receiver drops its partial copy when idle.
                try db.execute(sql: """
                    DELETE FROM chunk WHERE direction = 'out'
                      AND (peer, transfer_id) IN (SELECT peer, transfer_id FROM message WHERE id = ? AND transfer_id IS NOT NULL)
                    """, arguments: [id])
                try db.execute(sql: "DELETE FROM message WHERE id = ?", arguments: [id])
            }
            return ids
        }
    }

    /// Outgoing messages no radio has accepted yet, oldest first.
    public func pending() throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM message WHERE direction = 'out' AND state = 'pending' ORDER BY created_at")
        }
    }

    /// Outgoing messages the radio took (queued, relayed or acked) at least `olderThan` ago,
    /// created after `since`, for which no receipt came: "no receipt yet".
    public func awaitingReceipt(updatedBefore: Double, createdAfter: Double) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(
                db, sql: """
                    SELECT \(Self.withRowNumber) FROM message
                    WHERE direction = 'out' AND state IN ('queued', 'relayed', 'acked') AND updated_at < ? AND created_at > ?
                    ORDER BY created_at
                    """,
                arguments: [updatedBefore, createdAfter])
        }
    }

    /// Puts long messages and files whose receiver does not hold every chunk yet back into the
    /// outbox at once (`outbox` lists them as partly confirmed); returns how many.
    @discardableResult
    public func requeueTransfers(at time: Double) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE message SET state = 'pending', updated_at = ?
                WHERE direction = 'out' AND transfer_id IS NOT NULL AND state IN ('queued', 'relayed', 'acked')
                  AND peer IN (SELECT sender_id FROM contact)
                """, arguments: [time])
            return db.changesCount
        }
    }

    /// Puts messages that have no receipt yet back into the outbox; returns how many.
    @discardableResult
    public func requeueUnreceipted(updatedBefore: Double, createdAfter: Double, at time: Double) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE message SET state = 'pending', updated_at = ?
                WHERE direction = 'out' AND state IN ('queued', 'relayed', 'acked') AND updated_at < ? AND created_at > ?
                  AND peer IN (SELECT sender_id FROM contact)
                """, arguments: [time, updatedBefore, createdAfter])
            return db.changesCount
        }
    }

    /// The outbox: pending plus failed outgoing messages, and transfers the radio took whose
    /// receiver does not hold every chunk yet; oldest first.
    public func outbox() throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(
                db, sql: """
                    SELECT \(Self.withRowNumber) FROM message WHERE direction = 'out'
                      AND (state IN ('pending', 'failed') OR (transfer_id IS NOT NULL AND state IN ('queued', 'relayed', 'acked')))
                    ORDER BY created_at
                    """)
        }
    }

    /// The conversation with one contact, newest `limit` messages, returned oldest first.
    public func history(peer: [UInt8], limit: Int) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(
                db, sql: "SELECT * FROM (SELECT \(Self.withRowNumber) FROM message WHERE peer = ? ORDER BY created_at DESC, rowid DESC LIMIT ?) ORDER BY created_at, row_number",
                arguments: [Data(peer), max(0, limit)])
        }
    }

    public func messageCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM message") ?? 0 }
    }

    /// A number that changes whenever any lora-msg process commits to this database: a cheap
    /// way for a waiting process to notice another's writes (`PRAGMA data_version`).
    public func changeCounter() throws(StoreError) -> Int {
        do {
            return try db.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        } catch { throw StoreError(error, path: path) }
    }
}
