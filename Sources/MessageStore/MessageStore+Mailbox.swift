import Foundation
import GRDB

/// A frame a mailbox holds: one row of `mailbox_held`.
public struct HeldFrame: Equatable, Sendable {
    public var digest: [UInt8]
    public var recipient: [UInt8]
    public var sender: [UInt8]
    public var fromNode: UInt32?
    public var frame: [UInt8]
    public var receivedAt: Double
    public var handedAt: Double?
    public var hands: Int

    public init(digest: [UInt8], recipient: [UInt8], sender: [UInt8], fromNode: UInt32?, frame: [UInt8], receivedAt: Double,
                handedAt: Double? = nil, hands: Int = 0) {
        self.digest = digest; self.recipient = recipient; self.sender = sender; self.fromNode = fromNode; self.frame = frame
        self.receivedAt = receivedAt; self.handedAt = handedAt; self.hands = hands
    }
}

extension HeldFrame: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "mailbox_held"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(digest: try r.bytes("digest"), recipient: try r.bytes("recipient"), sender: try r.bytes("sender"),
                  fromNode: try r.node("from_node"), frame: try r.bytes("frame"), receivedAt: try r("received_at"),
                  handedAt: try r.optional("handed_at"), hands: try r("hands"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["digest"] = Data(digest)
        container["recipient"] = Data(recipient)
        container["sender"] = Data(sender)
        container["from_node"] = fromNode.map { Int64($0) }
        container["frame"] = Data(frame)
        container["received_at"] = receivedAt
        container["handed_at"] = handedAt
        container["hands"] = hands
    }
}

/// What a mailbox holds at most, and for how long.
public struct MailboxLimits: Sendable, Equatable {
    public var perRecipient = 64
    public var perSenderPerRecipient = 16
    /// Deposits taken from one radio per hour (a stranger's flood costs our air and disk).
    public var perNodePerHour = 30
    public var timeToLive = 7 * 86_400.0
    public init() {}
}

public enum DepositAdmission: Equatable, Sendable {
    case held
    case duplicate
    case refused(String)
}

/// The mailbox (migration "v10: mailbox"): its users and held frames, the replay clock of
/// frame 0x09, contacts' mailboxes, and what we owe our own mailbox.
extension MessageStore {
    // MARK: Serving

    public func registerMailboxUser(senderID: [UInt8], at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO mailbox_user (sender_id, registered_at) VALUES (?, ?)", arguments: [Data(senderID), time])
        }
    }

    /// Stops holding for a user; what was held for them goes.
    public func unregisterMailboxUser(senderID: [UInt8]) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM mailbox_user WHERE sender_id = ?", arguments: [Data(senderID)])
            try db.execute(sql: "DELETE FROM mailbox_held WHERE recipient = ?", arguments: [Data(senderID)])
        }
    }

    public func isMailboxUser(_ senderID: [UInt8]) throws(StoreError) -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM mailbox_user WHERE sender_id = ?)", arguments: [Data(senderID)]) ?? false }
    }

    public func mailboxUsers() throws(StoreError) -> [[UInt8]] {
        try read { db in try Data.fetchAll(db, sql: "SELECT sender_id FROM mailbox_user").map { [UInt8]($0) } }
    }

    /// Takes a deposit within the limits, after dropping what outlived its time.
    public func admitDeposit(_ f: HeldFrame, limits: MailboxLimits = MailboxLimits()) throws(StoreError) -> DepositAdmission {
        try write { db in
            try db.execute(sql: "DELETE FROM mailbox_held WHERE received_at < ?", arguments: [f.receivedAt - limits.timeToLive])
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM mailbox_held WHERE digest = ?)", arguments: [Data(f.digest)]) == true {
                return .duplicate
            }
            if let node = f.fromNode {
                let recent = try Int.fetchOne(db, sql: "SELECT count(*) FROM mailbox_held WHERE from_node = ? AND received_at > ?",
                                              arguments: [Int64(node), f.receivedAt - 3600]) ?? 0
                if recent >= limits.perNodePerHour { return .refused("radio \(String(format: "!%08x", node)) left \(recent) frames in the last hour, the most one radio may") }
            }
            let forRecipient = try Int.fetchOne(db, sql: "SELECT count(*) FROM mailbox_held WHERE recipient = ?", arguments: [Data(f.recipient)]) ?? 0
            if forRecipient >= limits.perRecipient { return .refused("\(forRecipient) frames are held for that recipient, the most") }
            let fromSender = try Int.fetchOne(db, sql: "SELECT count(*) FROM mailbox_held WHERE recipient = ? AND sender = ?",
                                              arguments: [Data(f.recipient), Data(f.sender)]) ?? 0
            if fromSender >= limits.perSenderPerRecipient { return .refused("\(fromSender) frames from that sender are held for that recipient, the most") }
            try f.insert(db)
            return .held
        }
    }

    /// Frames held for a recipient not handed since `handedBefore`, oldest first.
    public func heldFrames(recipient: [UInt8], handedBefore: Double) throws(StoreError) -> [HeldFrame] {
        try read { db in
            try HeldFrame.fetchAll(db, sql: """
                SELECT * FROM mailbox_held WHERE recipient = ? AND (handed_at IS NULL OR handed_at < ?) ORDER BY received_at
                """, arguments: [Data(recipient), handedBefore])
        }
    }

    public func heldCount(recipient: [UInt8]? = nil) throws(StoreError) -> Int {
        try read { db in
            if let recipient { return try Int.fetchOne(db, sql: "SELECT count(*) FROM mailbox_held WHERE recipient = ?", arguments: [Data(recipient)]) ?? 0 }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM mailbox_held") ?? 0
        }
    }

    public func markHanded(digest: [UInt8], at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE mailbox_held SET handed_at = ?, hands = hands + 1 WHERE digest = ?", arguments: [time, Data(digest)])
        }
    }

    /// The recipient holds these (refs: the first 6 bytes of each frame's digest): they go.
    /// Returns how many went.
    public func confirmHeld(recipient: [UInt8], refs: [[UInt8]]) throws(StoreError) -> Int {
        try write { db in
            var n = 0
            for ref in refs {
                try db.execute(sql: "DELETE FROM mailbox_held WHERE recipient = ? AND substr(digest, 1, ?) = ?",
                               arguments: [Data(recipient), ref.count, Data(ref)])
                n += db.changesCount
            }
            return n
        }
    }

    /// Takes a 0x09 frame's time when it is later than the last taken from its maker for its op.
    public func advanceMailboxClock(maker: [UInt8], op: UInt8, time: UInt32) throws(StoreError) -> Bool {
        try write { db in
            let last = try Int64.fetchOne(db, sql: "SELECT time FROM mailbox_clock WHERE maker = ? AND op = ?", arguments: [Data(maker), Int(op)])
            if let last, Int64(time) <= last { return false }
            try db.execute(sql: "INSERT OR REPLACE INTO mailbox_clock (maker, op, time) VALUES (?, ?, ?)", arguments: [Data(maker), Int(op), Int64(time)])
            return true
        }
    }

    // MARK: Contacts' mailboxes

    public func setContactMailbox(senderID: [UInt8], node: UInt32?, mailbox: [UInt8]?) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE contact SET mailbox_node = ?, mailbox_sender = ? WHERE sender_id = ?",
                           arguments: [node.map { Int64($0) }, mailbox.map { Data($0) }, Data(senderID)])
        }
    }

    /// A contact's mailbox radio and identity, as their advert said.
    public func contactMailbox(senderID: [UInt8]) throws(StoreError) -> (node: UInt32, mailbox: [UInt8])? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT mailbox_node, mailbox_sender FROM contact WHERE sender_id = ?", arguments: [Data(senderID)]),
                  let node: Int64 = row["mailbox_node"], let n = UInt32(exactly: node), let m: Data = row["mailbox_sender"] else { return nil }
            return (n, [UInt8](m))
        }
    }

    public func markMailboxTold(senderID: [UInt8], at time: Double?) throws(StoreError) {
        try write { db in
            if let time {
                try db.execute(sql: "UPDATE contact SET mailbox_told_at = ? WHERE sender_id = ?", arguments: [time, Data(senderID)])
            } else {
                try db.execute(sql: "UPDATE contact SET mailbox_told_at = NULL")
            }
        }
    }

    public func mailboxToldAt(senderID: [UInt8]) throws(StoreError) -> Double? {
        try read { db in try Double.fetchOne(db, sql: "SELECT mailbox_told_at FROM contact WHERE sender_id = ?", arguments: [Data(senderID)]) }
    }

    public func markMailboxed(id: String, at time: Double) throws(StoreError) {
        try write { db in try db.execute(sql: "UPDATE message SET mailboxed_at = ? WHERE id = ?", arguments: [time, id]) }
    }

    public func mailboxedAt(id: String) throws(StoreError) -> Double? {
        try read { db in try Double.fetchOne(db, sql: "SELECT mailboxed_at FROM message WHERE id = ?", arguments: [id]) }
    }

    // MARK: What we owe our mailbox

    public func oweMailboxConfirm(ref: [UInt8], at time: Double) throws(StoreError) {
        try write { db in try db.execute(sql: "INSERT OR IGNORE INTO mailbox_owed (ref, at) VALUES (?, ?)", arguments: [Data(ref), time]) }
    }

    public func mailboxConfirmsOwed() throws(StoreError) -> [[UInt8]] {
        try read { db in try Data.fetchAll(db, sql: "SELECT ref FROM mailbox_owed ORDER BY at").map { [UInt8]($0) } }
    }

    public func mailboxConfirmsSent(_ refs: [[UInt8]]) throws(StoreError) {
        try write { db in for r in refs { try db.execute(sql: "DELETE FROM mailbox_owed WHERE ref = ?", arguments: [Data(r)]) } }
    }
}
