import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    // MARK: Transfers (long messages and files)

    public struct TransferLimits: Sendable {
        /// Incomplete incoming transfers kept per contact, and in all.
        public var perContact = 2
        public var total = 8
        /// An incomplete incoming transfer with no new chunk for this long is dropped. Longer
        /// than a sender can be silent on purpose: a spent duty-cycle hour, then a probe.
        public var idleSeconds: Double = 7200
        public init() {}
    }

    /// Stores an outgoing long message: its row (chunk 0's envelope) and every chunk, at once.
    public func insertTransfer(_ m: StoredMessage, chunks: [StoredChunk]) throws(StoreError) {
        try write { db in
            try m.insert(db)
            for c in chunks { try c.insert(db) }
        }
    }

    /// Keeps an incoming chunk within `limits`. A chunk whose count disagrees with the chunks
    /// already held for that transfer belongs to another message and is refused.
    public func admitChunk(_ c: StoredChunk, limits: TransferLimits = TransferLimits(), replayDigest: [UInt8]? = nil) throws(StoreError) -> ChunkAdmission {
        try write { db in
            if let replayDigest, try Self.retired(db, replayDigest) {
                return .refused("a recording of a chunk retention already deleted")
            }
            try db.execute(sql: """
                DELETE FROM chunk WHERE direction = 'in'
                  AND (peer, transfer_id) IN (SELECT peer, transfer_id FROM chunk WHERE direction = 'in' GROUP BY peer, transfer_id HAVING max(at) < ?)
                  AND NOT EXISTS (SELECT 1 FROM message m WHERE m.direction = 'in' AND m.peer = chunk.peer AND m.transfer_id = chunk.transfer_id)
                """, arguments: [c.at - limits.idleSeconds])
            if let done = try String.fetchOne(db, sql: "SELECT id FROM message WHERE direction = 'in' AND peer = ? AND transfer_id = ?",
                                              arguments: [Data(c.peer), Int64(c.transferID)]) {
                return .alreadyComplete(messageID: done)
            }
            let known = try Row.fetchOne(db, sql: "SELECT count, count(*) AS have FROM chunk WHERE direction = 'in' AND peer = ? AND transfer_id = ? GROUP BY count",
                                         arguments: [Data(c.peer), Int64(c.transferID)])
            if let known {
                let count: Int = known["count"]
                guard count == c.count else { return .refused("a chunk of \(c.count) does not belong to a transfer of \(count)") }
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM chunk WHERE direction = 'in' AND peer = ? AND transfer_id = ? AND idx = ?)",
                                     arguments: [Data(c.peer), Int64(c.transferID), c.index]) == true {
                    return .duplicate(have: known["have"], count: count)
                }
            } else {
                let open = try Row.fetchAll(db, sql: """
                    SELECT peer FROM chunk c WHERE direction = 'in'
                      AND NOT EXISTS (SELECT 1 FROM message m WHERE m.direction = 'in' AND m.peer = c.peer AND m.transfer_id = c.transfer_id)
                    GROUP BY peer, transfer_id
                    """)
                let mine = open.filter { ($0["peer"] as Data) == Data(c.peer) }.count
                if mine >= limits.perContact { return .refused("\(mine) transfers from this contact are already incomplete") }
                if open.count >= limits.total { return .refused("\(open.count) incomplete transfers are already held") }
            }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM chunk WHERE nonce = ?)", arguments: [Data(c.nonce)]) == true {
                return .refused("an envelope already stored under another chunk")
            }
            try c.insert(db)
            let have = try Int.fetchOne(db, sql: "SELECT count(*) FROM chunk WHERE direction = 'in' AND peer = ? AND transfer_id = ?",
                                        arguments: [Data(c.peer), Int64(c.transferID)]) ?? 0
            return .stored(have: have, count: c.count)
        }
    }

    /// The chunks of one transfer, by index.
    public func chunks(peer: [UInt8], direction: Direction, transferID: UInt32) throws(StoreError) -> [StoredChunk] {
        try read { db in
            try StoredChunk.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM chunk WHERE peer = ? AND direction = ? AND transfer_id = ? ORDER BY idx",
                                     arguments: [Data(peer), direction.rawValue, Int64(transferID)])
        }
    }

    /// How many relays the newest message from `peer` came through, if one said (its header
    /// carries hop_start): the path a transfer to them will probably take.
    public func lastHops(peer: [UInt8]) throws(StoreError) -> Int? {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT hops FROM message WHERE direction = 'in' AND peer = ? AND hops IS NOT NULL ORDER BY created_at DESC LIMIT 1",
                             arguments: [Data(peer)])
        }
    }

    /// Drops the chunks of an incoming transfer that could not be put together.
    public func dropTransfer(peer: [UInt8], transferID: UInt32) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM chunk WHERE direction = 'in' AND peer = ? AND transfer_id = ?", arguments: [Data(peer), Int64(transferID)])
        }
    }

    /// The receiver of our transfer said which chunks it holds. Returns the message's id and
    /// whether every chunk is now held; nil when no outgoing transfer matches.
    ///
    /// The bitmap replaces what we knew, it does not add to it: a receiver may have dropped
    /// an idle partial (or lost its store), and a chunk we once saw held but it no longer has
    /// must go again. Adding would call a transfer delivered that the receiver cannot open.
    /// A bitmap less than `mergeSeconds` after the previous one adds to what is known: bitmaps
    /// overtake each other on the way (one sent before a repair pass arrived can come after a
    /// newer one), and a receiver drops a partial transfer only after hours without a chunk,
    /// so within that time a missing bit is a late bitmap, not a loss. Later, it replaces.
    public func markChunksHeld(peer: [UInt8], transferID: UInt32, held: [Bool], at time: Double,
                               mergeSeconds: Double = 3600) throws(StoreError) -> (messageID: String, complete: Bool)? {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, bitmap_at FROM message WHERE direction = 'out' AND peer = ? AND transfer_id = ? AND chunk_count = ?",
                                             arguments: [Data(peer), Int64(transferID), held.count]) else { return nil }
            let id: String = row["id"]
            let previous: Double? = row["bitmap_at"]
            let merge = previous.map { time - $0 < mergeSeconds } ?? false
            for (i, h) in held.enumerated() where h || !merge {
                try db.execute(sql: "UPDATE chunk SET held = ? WHERE direction = 'out' AND peer = ? AND transfer_id = ? AND idx = ?",
                               arguments: [h, Data(peer), Int64(transferID), i])
            }
            try db.execute(sql: "UPDATE message SET bitmap_at = ? WHERE id = ?", arguments: [time, id])
            let missing = try Int.fetchOne(db, sql: "SELECT count(*) FROM chunk WHERE direction = 'out' AND peer = ? AND transfer_id = ? AND held = 0",
                                           arguments: [Data(peer), Int64(transferID)]) ?? 0
            return (id, missing == 0)
        }
    }

    public func noteChunkSent(peer: [UInt8], transferID: UInt32, index: Int) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE chunk SET sends = sends + 1 WHERE direction = 'out' AND peer = ? AND transfer_id = ? AND idx = ?",
                           arguments: [Data(peer), Int64(transferID), index])
        }
    }
}
