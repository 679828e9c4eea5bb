import Foundation
import GRDB

/// Groups: their rows, members, chains, held posts and acks (migration "v9: groups").
extension MessageStore {
    /// How long a superseded epoch's chains stay, for posts still on their way.
    public static let retiredChainSeconds = 3600.0
    /// Posts held for a roster that has not come: at most this many, this long.
    public static let maxHeldGroupFrames = 32
    public static let heldGroupFrameSeconds = 86_400.0

    /// Stores a new group with its members and chains. False when the name is taken.
    public func createGroup(_ g: ChatGroup, members: [GroupMemberRecord], chains: [GroupChainRecord]) throws(StoreError) -> Bool {
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM chat_group WHERE name = ?)", arguments: [g.name]) == true { return false }
            try g.insert(db)
            for m in members { try m.insert(db) }
            for c in chains { try c.insert(db) }
            return true
        }
    }

    public func groups() throws(StoreError) -> [ChatGroup] {
        try read { db in try ChatGroup.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM chat_group ORDER BY name") }
    }

    public func group(named name: String) throws(StoreError) -> ChatGroup? {
        try read { db in try ChatGroup.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM chat_group WHERE name = ?", arguments: [name]) }
    }

    public func group(id: [UInt8]) throws(StoreError) -> ChatGroup? {
        try read { db in try ChatGroup.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM chat_group WHERE id = ?", arguments: [Data(id)]) }
    }

    public func groupMembers(groupID: [UInt8]) throws(StoreError) -> [GroupMemberRecord] {
        try read { db in
            try GroupMemberRecord.fetchAll(db, sql: "SELECT * FROM group_member WHERE group_id = ? ORDER BY name", arguments: [Data(groupID)])
        }
    }

    /// A new epoch: the group's members and chains are replaced (the old chains retire and go
    /// an hour later), its standing and (the creator's) secret set.
    public func installEpoch(_ g: ChatGroup, members: [GroupMemberRecord], chains: [GroupChainRecord], at time: Double) throws(StoreError) {
        try write { db in
            try g.update(db)
            try db.execute(sql: "DELETE FROM group_member WHERE group_id = ?", arguments: [Data(g.id)])
            for m in members { try m.insert(db) }
            try db.execute(sql: "UPDATE group_chain SET retiring_since = COALESCE(retiring_since, ?) WHERE group_id = ? AND epoch != ?",
                           arguments: [time, Data(g.id), g.epoch])
            try db.execute(sql: "DELETE FROM group_chain WHERE group_id = ? AND retiring_since < ?",
                           arguments: [Data(g.id), time - Self.retiredChainSeconds])
            for c in chains { try c.save(db) }
        }
    }

    /// We left, or were removed: every chain and secret of the group is erased now.
    public func endMembership(groupID: [UInt8], standing: ChatGroup.Standing, at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE chat_group SET state = ?, epoch_secret = NULL, updated_at = ? WHERE id = ?",
                           arguments: [standing.rawValue, time, Data(groupID)])
            try db.execute(sql: "DELETE FROM group_chain WHERE group_id = ?", arguments: [Data(groupID)])
            // Posts of ours no one will acknowledge now.
            try db.execute(sql: """
                UPDATE message SET state = 'failed', failure = 'you are no longer in the group', next_attempt_at = NULL, updated_at = ?
                WHERE direction = 'out' AND peer = ? AND state IN ('pending', 'queued', 'sent', 'relayed')
                """, arguments: [time, Data(groupID)])
        }
    }

    public func groupChain(groupID: [UInt8], epoch: Int, senderID: [UInt8]) throws(StoreError) -> GroupChainRecord? {
        try read { db in
            try GroupChainRecord.fetchOne(db, sql: "SELECT * FROM group_chain WHERE group_id = ? AND epoch = ? AND sender_id = ?",
                                          arguments: [Data(groupID), epoch, Data(senderID)])
        }
    }

    /// Reads, changes and writes back one chain in a write transaction, so a `send` and a
    /// running `tail` never both use one post number. `body` returns the new state (nil: leave it).
    public func updateGroupChain<T>(groupID: [UInt8], epoch: Int, senderID: [UInt8],
                                    _ body: (GroupChainRecord?) -> (GroupChainRecord?, T)) throws(StoreError) -> T {
        try write { db in
            let old = try GroupChainRecord.fetchOne(db, sql: "SELECT * FROM group_chain WHERE group_id = ? AND epoch = ? AND sender_id = ?",
                                                    arguments: [Data(groupID), epoch, Data(senderID)])
            let (new, result) = body(old)
            if let new { try new.save(db) }
            return result
        }
    }

    // MARK: Posts heard before their roster

    /// Keeps a post for later (true also when it is held already); false when there is no room.
    public func holdGroupFrame(_ f: HeldGroupFrame) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM group_held WHERE received_at < ?", arguments: [f.receivedAt - Self.heldGroupFrameSeconds])
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM group_held WHERE frame = ?)", arguments: [Data(f.frame)]) == true { return true }
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM group_held") ?? 0 >= Self.maxHeldGroupFrames { return false }
            try f.insert(db)
            return true
        }
    }

    public func heldGroupFrames(groupID: [UInt8]) throws(StoreError) -> [HeldGroupFrame] {
        try read { db in
            try HeldGroupFrame.fetchAll(db, sql: "SELECT * FROM group_held WHERE group_id = ? ORDER BY received_at", arguments: [Data(groupID)])
        }
    }

    public func dropHeldGroupFrame(_ frame: [UInt8]) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM group_held WHERE frame = ?", arguments: [Data(frame)]) }
    }

    // MARK: Acks

    /// `member` holds the posts of ours in the group whose nonces start with `refs`. Returns
    /// each post whose ack was new, with how many members have acknowledged it now.
    public func recordPostAcks(groupID: [UInt8], member: [UInt8], refs: [[UInt8]], at time: Double) throws(StoreError) -> [(messageID: String, acks: Int)] {
        try write { db in
            var out: [(String, Int)] = []
            for ref in refs {
                let ids = try String.fetchAll(
                    db, sql: "SELECT id FROM message WHERE direction = 'out' AND peer = ? AND substr(nonce, 1, ?) = ?",
                    arguments: [Data(groupID), ref.count, Data(ref)])
                for id in ids {
                    try db.execute(sql: "INSERT OR IGNORE INTO post_ack (message_id, member, at) VALUES (?, ?, ?)", arguments: [id, Data(member), time])
                    guard db.changesCount > 0 else { continue }
                    out.append((id, try Int.fetchOne(db, sql: "SELECT count(*) FROM post_ack WHERE message_id = ?", arguments: [id]) ?? 0))
                }
            }
            return out
        }
    }

    /// The members who acknowledged an outgoing post.
    public func postAcks(messageID: String) throws(StoreError) -> [[UInt8]] {
        try read { db in try Data.fetchAll(db, sql: "SELECT member FROM post_ack WHERE message_id = ?", arguments: [messageID]).map { [UInt8]($0) } }
    }

    /// Every member has the post: it is delivered (never moved back). Returns whether it moved.
    public func markPostDelivered(id: String, at time: Double) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE message SET state = 'delivered', failure = NULL, next_attempt_at = NULL, updated_at = ?
                WHERE id = ? AND direction = 'out' AND \(Self.rankSQL) < ?
                """, arguments: [time, id, DeliveryState.delivered.rank])
            return db.changesCount > 0
        }
    }

    /// Incoming posts whose ack is owed, oldest first.
    public func groupAcksDue(since: Double) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(db, sql: """
                SELECT \(Self.withRowNumber) FROM message
                WHERE direction = 'in' AND received_at > ? AND receipt_sent = 0 AND peer IN (SELECT id FROM chat_group WHERE state = 'member')
                ORDER BY received_at
                """, arguments: [since])
        }
    }
}

extension MessageStore {
    /// The id of an incoming post already stored with exactly these bytes (sent again).
    public func incomingPost(groupID: [UInt8], envelope: [UInt8]) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT id FROM message WHERE direction = 'in' AND peer = ? AND envelope = ?",
                                arguments: [Data(groupID), Data(envelope)])
        }
    }
}
