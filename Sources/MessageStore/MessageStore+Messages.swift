import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    // MARK: Messages

    /// Stores a message. Returns false, storing nothing, when an envelope with the same
    /// (sender_id, nonce) is already there: a relayed copy or a replay.
    @discardableResult
    /// `replayDigest`: the envelope's digest as retention records it; a match means a recording
    /// of a message retention deleted, refused like a copy.
    public func insert(_ m: StoredMessage, replayDigest: [UInt8]? = nil) throws(StoreError) -> Bool {
        try write { db in
            if let replayDigest, try Self.retired(db, replayDigest) { return false }
            // Not INSERT OR IGNORE: that would also silently skip a row the CHECKs refuse.
            let seen = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM message WHERE sender_id = ? AND nonce = ?)",
                arguments: [Data(m.senderID), Data(m.nonce)]) ?? false
            if seen { return false }
            try m.insert(db)
            return true
        }
    }

    public func message(id: String) throws(StoreError) -> StoredMessage? {
        try read { db in try StoredMessage.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM message WHERE id = ?", arguments: [id]) }
    }

    /// Messages whose id starts with `idPrefix` (both directions).
    public func messages(idPrefix: String) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM message WHERE substr(id, 1, ?) = ? LIMIT 2",
                                       arguments: [idPrefix.count, idPrefix.lowercased()])
        }
    }

    /// The outgoing message a mesh packet id belongs to (the latest, if ids ever repeat).
    public func outgoing(packetID: UInt32) throws(StoreError) -> StoredMessage? {
        try read { db in
            try StoredMessage.fetchOne(
                db, sql: "SELECT \(Self.withRowNumber) FROM message WHERE direction = 'out' AND packet_id = ? ORDER BY updated_at DESC LIMIT 1",
                arguments: [Int64(packetID)])
        }
    }

    /// Puts a freshly sealed envelope in an unsent message's place (a ratcheted message whose
    /// keys the receiver has retired meanwhile). Only while it waits in the outbox.
    public func replaceEnvelope(id: String, envelope: [UInt8], nonce: [UInt8], at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE message SET envelope = ?, nonce = ?, updated_at = ? WHERE id = ? AND direction = 'out' AND state = 'pending'",
                           arguments: [Data(envelope), Data(nonce), time, id])
        }
    }

    /// Records that a new mesh packet carries this envelope (a send or a retry).
    /// `alternate`: the same message sent a second way at once (`--via both`); its packet id is
    /// followed beside the first, and the state is not reset.
    /// `resend`: lora-msg sending it again for want of a receipt; the state it reached stays
    /// (a later `queued` for the new packet cannot lower it).
    public func markTransmitted(id: String, packetID: UInt32, toNode: UInt32?, channel: Int, hopLimit: Int?, at time: Double,
                                alternate: Bool = false, resend: Bool = false) throws(StoreError) {
        if alternate {
            try write { db in
                try db.execute(sql: "UPDATE message SET alt_packet_id = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
                               arguments: [Int64(packetID), time, id])
            }
            return
        }
        try write { db in
            try db.execute(
                sql: """
                    UPDATE message SET packet_id = ?, to_node = ?, channel = ?, hop_limit = ?, attempts = attempts + 1,
                        state = \(resend ? "state" : "'pending'"), failure = NULL, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [Int64(packetID), toNode.map { Int64($0) }, channel, hopLimit, time, id])
        }
    }

    /// The radio gave the packet a new id (it waited for a free queue slot): follow that one.
    public func renumber(id: String, from old: UInt32, to new: UInt32) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE message SET packet_id = ? WHERE id = ? AND packet_id = ?",
                           arguments: [Int64(new), id, Int64(old)])
        }
    }

    /// SQL for a state's rank, from `DeliveryState.rank` (the one definition of the order).
    static let rankSQL = DeliveryState.rankSQL(column: "state")
    /// A resend that is over: failed for good, after at least one round of its own.
    static let acceptsStateSQL = DeliveryState.acceptsSQL(stateColumn: "state", resendingOverSQL: "next_attempt_at IS NULL AND round_sends > 0")

    /// Moves an outgoing message forward. A later state never goes back: a late `queued` does
    /// not undo an `acked`, and a NAK for an old packet id does not fail a newer attempt.
    /// Returns whether the row changed.
    @discardableResult
    public func updateState(id: String, packetID: UInt32?, to state: DeliveryState, failure: String? = nil, at time: Double) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE message SET state = ?, failure = ?, updated_at = ?
                    WHERE id = ? AND direction = 'out' AND (? IS NULL OR packet_id = ? OR alt_packet_id = ?) AND \(Self.acceptsStateSQL)
                    """,
                arguments: [state.rawValue, failure, time, id, packetID.map { Int64($0) }, packetID.map { Int64($0) },
                            packetID.map { Int64($0) }, state.rank, state.rawValue])
            return db.changesCount > 0
        }
    }
}
