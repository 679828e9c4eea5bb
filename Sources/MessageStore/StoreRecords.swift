import Foundation
import GRDB

// The rows the store reads and writes, as GRDB records with named columns. Every read goes
// through `DecodedRow`, whose accessors throw: a value of the wrong type (a hand-edited row,
// a damaged file) becomes `StoreError.damagedRow`, never a trap.

/// A fetched row plus the table it came from, for errors that name the row.
struct DecodedRow {
    let row: Row
    let table: String

    func callAsFunction<T: DatabaseValueConvertible>(_ column: String, as: T.Type = T.self) throws -> T {
        do { return try row.decode(T.self, forColumn: column) } catch { throw damaged(column) }
    }

    func optional<T: DatabaseValueConvertible>(_ column: String, as: T.Type = T.self) throws -> T? {
        do { return try row.decode(T?.self, forColumn: column) } catch { throw damaged(column) }
    }

    func bytes(_ column: String) throws -> [UInt8] { [UInt8](try self(column, as: Data.self)) }

    func node(_ column: String) throws -> UInt32? {
        guard let v = try optional(column, as: Int64.self) else { return nil }
        guard let n = UInt32(exactly: v) else { throw damaged(column) }
        return n
    }

    func enumeration<E: RawRepresentable>(_ column: String, as: E.Type) throws -> E where E.RawValue == String {
        guard let e = E(rawValue: try self(column, as: String.self)) else { throw damaged(column) }
        return e
    }

    func damaged(_ column: String) -> StoreError {
        let rowid = (try? row.decode(Int64?.self, forColumn: "row_number")).flatMap { $0 }
        return .damagedRow(table: table, row: rowid.map { "rowid \($0)" } ?? "?", column: column)
    }
}

extension Contact: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "contact"

    public enum Columns {
        public static let name = Column("name"), publicKey = Column("public_key"), senderID = Column("sender_id")
        public static let node = Column("node"), nodeGiven = Column("node_given"), addedAt = Column("added_at")
        public static let verifiedAt = Column("verified_at"), lastHeardAt = Column("last_heard_at")
    }

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(
            name: try r("name"), publicKey: try r.bytes("public_key"), senderID: try r.bytes("sender_id"),
            node: try r.node("node"), nodeGiven: try r("node_given"), addedAt: try r("added_at"),
            verifiedAt: try r.optional("verified_at"), lastHeardAt: try r.optional("last_heard_at"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container[Columns.name] = name
        container[Columns.publicKey] = Data(publicKey)
        container[Columns.senderID] = Data(senderID)
        container[Columns.node] = node.map { Int64($0) }
        container[Columns.nodeGiven] = nodeGiven
        container[Columns.addedAt] = addedAt
        container[Columns.verifiedAt] = verifiedAt
        container[Columns.lastHeardAt] = lastHeardAt
    }
}

extension StoredMessage: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "message"

    public enum Columns {
        public static let id = Column("id"), peer = Column("peer"), direction = Column("direction")
        public static let envelope = Column("envelope"), senderID = Column("sender_id"), nonce = Column("nonce")
        public static let createdAt = Column("created_at"), receivedAt = Column("received_at"), state = Column("state")
        public static let failure = Column("failure"), packetID = Column("packet_id"), toNode = Column("to_node")
        public static let fromNode = Column("from_node"), hops = Column("hops"), rssi = Column("rssi"), snr = Column("snr")
        public static let channel = Column("channel"), hopLimit = Column("hop_limit"), attempts = Column("attempts")
        public static let updatedAt = Column("updated_at"), readAt = Column("read_at"), receiptSent = Column("receipt_sent")
        public static let transferID = Column("transfer_id"), chunkCount = Column("chunk_count")
        public static let localCopy = Column("local_copy")
        public static let firstSentAt = Column("first_sent_at"), lastSentAt = Column("last_sent_at")
        public static let nextAttemptAt = Column("next_attempt_at"), roundSends = Column("round_sends")
        public static let silentProbes = Column("silent_probes")
    }

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(
            id: try r("id"), peer: try r.bytes("peer"), direction: try r.enumeration("direction", as: Direction.self),
            envelope: try r.bytes("envelope"), senderID: try r.bytes("sender_id"), nonce: try r.bytes("nonce"),
            createdAt: try r("created_at"), receivedAt: try r.optional("received_at"),
            state: try r.enumeration("state", as: DeliveryState.self), failure: try r.optional("failure"),
            packetID: try r.node("packet_id"), toNode: try r.node("to_node"), fromNode: try r.node("from_node"),
            hops: try r.optional("hops"), rssi: try r.optional("rssi"), snr: try r.optional("snr"),
            channel: try r("channel"), hopLimit: try r.optional("hop_limit"), attempts: try r("attempts"),
            updatedAt: try r("updated_at"), readAt: try r.optional("read_at"), receiptSent: try r("receipt_sent"),
            transferID: try r.node("transfer_id"), chunkCount: try r.optional("chunk_count"),
            localCopy: try r.optional("local_copy", as: Data.self).map { [UInt8]($0) },
            firstSentAt: try r.optional("first_sent_at"), lastSentAt: try r.optional("last_sent_at"),
            nextAttemptAt: try r.optional("next_attempt_at"), roundSends: try r("round_sends"),
            silentProbes: try r("silent_probes"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.peer] = Data(peer)
        container[Columns.direction] = direction.rawValue
        container[Columns.envelope] = Data(envelope)
        container[Columns.senderID] = Data(senderID)
        container[Columns.nonce] = Data(nonce)
        container[Columns.createdAt] = createdAt
        container[Columns.receivedAt] = receivedAt
        container[Columns.state] = state.rawValue
        container[Columns.failure] = failure
        container[Columns.packetID] = packetID.map { Int64($0) }
        container[Columns.toNode] = toNode.map { Int64($0) }
        container[Columns.fromNode] = fromNode.map { Int64($0) }
        container[Columns.hops] = hops
        container[Columns.rssi] = rssi
        container[Columns.snr] = snr
        container[Columns.channel] = channel
        container[Columns.hopLimit] = hopLimit
        container[Columns.attempts] = attempts
        container[Columns.updatedAt] = updatedAt
        container[Columns.readAt] = readAt
        container[Columns.receiptSent] = receiptSent
        container[Columns.transferID] = transferID.map { Int64($0) }
        container[Columns.chunkCount] = chunkCount
        container[Columns.localCopy] = localCopy.map { Data($0) }
        container[Columns.firstSentAt] = firstSentAt
        container[Columns.lastSentAt] = lastSentAt
        container[Columns.nextAttemptAt] = nextAttemptAt
        container[Columns.roundSends] = roundSends
        container[Columns.silentProbes] = silentProbes
    }
}

extension RatchetRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "ratchet"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(peer: try r.bytes("peer"), state: try r.bytes("state"), capable: try r("capable"),
                  offeredAt: try r.optional("offered_at"), offers: try r("offers"), updatedAt: try r("updated_at"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["peer"] = Data(peer)
        container["state"] = Data(state)
        container["capable"] = capable
        container["offered_at"] = offeredAt
        container["offers"] = offers
        container["updated_at"] = updatedAt
    }
}

extension AirtimeRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "airtime"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(startedAt: try r("started_at"), milliseconds: try r("milliseconds"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["started_at"] = startedAt
        container["milliseconds"] = milliseconds
    }
}

extension NodeSighting: FetchableRecord {
    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: "node_seen")
        guard let node = try r.node("node") else { throw r.damaged("node") }
        self.init(node: node, firstSeen: try r("first_seen"), lastSeen: try r("last_seen"), count: try r("count"))
    }
}

extension ContactRequestRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "contact_request"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(publicKey: try r.bytes("public_key"), displayName: try r("display_name"), node: try r.node("node"),
                  isAnswer: try r("answer"), receivedAt: try r("received_at"), count: try r("count"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["public_key"] = Data(publicKey)
        container["display_name"] = displayName
        container["node"] = node.map { Int64($0) }
        container["answer"] = isAnswer
        container["received_at"] = receivedAt
        container["count"] = count
    }
}

extension OutgoingFrame: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "frame_outbox"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(id: try r("id"), frame: try r.bytes("frame"), toNode: try r.node("to_node"), createdAt: try r("created_at"),
                  sentAt: try r.optional("sent_at"), packetID: try r.node("packet_id"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["frame"] = Data(frame)
        container["to_node"] = toNode.map { Int64($0) }
        container["created_at"] = createdAt
        container["sent_at"] = sentAt
        container["packet_id"] = packetID.map { Int64($0) }
    }
}

extension StoredChunk: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "chunk"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        guard let transfer = try r.node("transfer_id") else { throw r.damaged("transfer_id") }
        self.init(peer: try r.bytes("peer"), direction: try r.enumeration("direction", as: Direction.self), transferID: transfer,
                  index: try r("idx"), count: try r("count"), envelope: try r.bytes("envelope"), nonce: try r.bytes("nonce"),
                  held: try r("held"), sends: try r("sends"), at: try r("at"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["peer"] = Data(peer)
        container["direction"] = direction.rawValue
        container["transfer_id"] = Int64(transferID)
        container["idx"] = index
        container["count"] = count
        container["envelope"] = Data(envelope)
        container["nonce"] = Data(nonce)
        container["held"] = held
        container["sends"] = sends
        container["at"] = at
    }
}
