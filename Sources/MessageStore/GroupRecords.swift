import Foundation
import GRDB

/// A group this home belongs to, or did: one row of `chat_group`.
public struct ChatGroup: Equatable, Sendable {
    public enum Standing: String, Sendable {
        case member
        /// We left it.
        case left
        /// Its creator removed us.
        case removed
    }

    public var id: [UInt8]
    /// This home's name for it (the creator's, or that with a suffix when ours was taken).
    public var name: String
    public var creator: [UInt8]
    public var epoch: Int
    public var standing: Standing
    /// Only on the creator's side.
    public var epochSecret: [UInt8]?
    public var createdAt: Double
    public var updatedAt: Double

    public init(id: [UInt8], name: String, creator: [UInt8], epoch: Int, standing: Standing, epochSecret: [UInt8]?,
                createdAt: Double, updatedAt: Double? = nil) {
        self.id = id; self.name = name; self.creator = creator; self.epoch = epoch; self.standing = standing
        self.epochSecret = epochSecret; self.createdAt = createdAt; self.updatedAt = updatedAt ?? createdAt
    }
}

/// One member of a group's current epoch: one row of `group_member`.
public struct GroupMemberRecord: Equatable, Sendable {
    public var groupID: [UInt8]
    public var senderID: [UInt8]
    public var publicKey: [UInt8]
    /// The creator's name for them.
    public var name: String

    public init(groupID: [UInt8], senderID: [UInt8], publicKey: [UInt8], name: String) {
        self.groupID = groupID; self.senderID = senderID; self.publicKey = publicKey; self.name = name
    }
}

/// A member's chain in one epoch: one row of `group_chain` (the state is LoraCrypto's, opaque here).
public struct GroupChainRecord: Equatable, Sendable {
    public var groupID: [UInt8]
    public var epoch: Int
    public var senderID: [UInt8]
    public var state: [UInt8]
    public var retiringSince: Double?

    public init(groupID: [UInt8], epoch: Int, senderID: [UInt8], state: [UInt8], retiringSince: Double? = nil) {
        self.groupID = groupID; self.epoch = epoch; self.senderID = senderID; self.state = state; self.retiringSince = retiringSince
    }
}

/// A post heard before its roster: one row of `group_held`.
public struct HeldGroupFrame: Equatable, Sendable {
    public var frame: [UInt8]
    public var groupID: [UInt8]
    public var fromNode: UInt32?
    public var receivedAt: Double

    public init(frame: [UInt8], groupID: [UInt8], fromNode: UInt32?, receivedAt: Double) {
        self.frame = frame; self.groupID = groupID; self.fromNode = fromNode; self.receivedAt = receivedAt
    }
}

extension ChatGroup: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "chat_group"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(id: try r.bytes("id"), name: try r("name"), creator: try r.bytes("creator"), epoch: try r("epoch"),
                  standing: try r.enumeration("state", as: Standing.self),
                  epochSecret: try r.optional("epoch_secret", as: Data.self).map { [UInt8]($0) },
                  createdAt: try r("created_at"), updatedAt: try r("updated_at"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = Data(id)
        container["name"] = name
        container["creator"] = Data(creator)
        container["epoch"] = epoch
        container["state"] = standing.rawValue
        container["epoch_secret"] = epochSecret.map { Data($0) }
        container["created_at"] = createdAt
        container["updated_at"] = updatedAt
    }
}

extension GroupMemberRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "group_member"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(groupID: try r.bytes("group_id"), senderID: try r.bytes("sender_id"), publicKey: try r.bytes("public_key"), name: try r("name"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["group_id"] = Data(groupID)
        container["sender_id"] = Data(senderID)
        container["public_key"] = Data(publicKey)
        container["name"] = name
    }
}

extension GroupChainRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "group_chain"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(groupID: try r.bytes("group_id"), epoch: try r("epoch"), senderID: try r.bytes("sender_id"),
                  state: try r.bytes("state"), retiringSince: try r.optional("retiring_since"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["group_id"] = Data(groupID)
        container["epoch"] = epoch
        container["sender_id"] = Data(senderID)
        container["state"] = Data(state)
        container["retiring_since"] = retiringSince
    }
}

extension HeldGroupFrame: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "group_held"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(frame: try r.bytes("frame"), groupID: try r.bytes("group_id"), fromNode: try r.node("from_node"), receivedAt: try r("received_at"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["frame"] = Data(frame)
        container["group_id"] = Data(groupID)
        container["from_node"] = fromNode.map { Int64($0) }
        container["received_at"] = receivedAt
    }
}
