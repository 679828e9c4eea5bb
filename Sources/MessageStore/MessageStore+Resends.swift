import Foundation
import GRDB

/// What the resend engine keeps across processes: each outgoing message's sends and next due
/// time, and each contact's round trip.
extension MessageStore {
    /// Records a send the engine counted and when the message is next due.
    public func scheduleResend(id: String, attempts: Int, lastSentAt: Double, nextAttemptAt: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE message SET round_sends = ?, first_sent_at = COALESCE(first_sent_at, ?), last_sent_at = ?, next_attempt_at = ?
                WHERE id = ? AND direction = 'out' AND state NOT IN ('delivered', 'read')
                """, arguments: [attempts, lastSentAt, lastSentAt, nextAttemptAt, id])
        }
    }

    /// Outgoing single-frame messages the engine still follows (sent, no receipt, not failed
    /// for good), for a process that starts holding the radio.
    public func followedMessages() throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(db, sql: """
                SELECT \(Self.withRowNumber) FROM message
                WHERE direction = 'out' AND next_attempt_at IS NOT NULL AND transfer_id IS NULL
                  AND state IN ('queued', 'relayed', 'acked', 'failed') AND first_sent_at IS NOT NULL
                ORDER BY next_attempt_at
                """)
        }
    }

    /// The message failed for want of a receipt, whatever the radio said of its packets
    /// (an `acked` too: the recipient's radio took it, their lora-msg never answered).
    @discardableResult
    public func failUnreceipted(id: String, reason: String, at time: Double) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE message SET state = 'failed', failure = ?, next_attempt_at = NULL, updated_at = ?
                WHERE id = ? AND direction = 'out' AND state NOT IN ('delivered', 'read')
                """, arguments: [reason, time, id])
            return db.changesCount > 0
        }
    }

    /// Stops following a message (it will not be sent again by itself).
    public func stopFollowing(id: String) throws(StoreError) {
        try write { db in try db.execute(sql: "UPDATE message SET next_attempt_at = NULL WHERE id = ?", arguments: [id]) }
    }

    public func setSilentProbes(id: String, _ n: Int) throws(StoreError) {
        try write { db in try db.execute(sql: "UPDATE message SET silent_probes = ? WHERE id = ?", arguments: [max(0, n), id]) }
    }

    /// Outgoing long messages and files the radio took whose receiver has not confirmed them
    /// (no ordinary receipt): a process that starts holding the radio probes them again.
    public func unfinishedTransfers() throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(db, sql: """
                SELECT \(Self.withRowNumber) FROM message
                WHERE direction = 'out' AND transfer_id IS NOT NULL AND state IN ('queued', 'relayed', 'acked')
                  AND peer IN (SELECT sender_id FROM contact)
                ORDER BY created_at
                """)
        }
    }

    public func roundTrips() throws(StoreError) -> [RoundTripRecord] {
        try read { db in try RoundTripRecord.fetchAll(db, sql: "SELECT * FROM round_trip") }
    }

    public func saveRoundTrip(_ r: RoundTripRecord) throws(StoreError) {
        try write { db in try r.save(db) }
    }
}
