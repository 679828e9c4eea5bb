import Foundation
import GRDB

/// The on-disk state of one lora-msg home: contacts, messages (ciphertext only), the outbox
/// and the airtime ledger, in one SQLite file in WAL mode so `tail` and `send` can share it.
public final class MessageStore: Sendable {
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) throws(StoreError) {
        self.path = path
        var config = Configuration()
        // Another lora-msg (a running tail) may hold the write lock for a moment.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // Removed contacts and messages are overwritten, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw StoreError.cannotOpen(path: path, reason: "it is a directory")
            }
            pool = try DatabasePool(path: path, configuration: config)
            let migrator = StoreSchema.migrator
            let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded { throw StoreError.newerSchema(path: path) }
            try migrator.migrate(pool)
            // A damaged page can open fine and fail later; catch it at the door.
            let check = try pool.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") }
            if check != "ok" { throw StoreError.corrupt(path: path) }
        } catch {
            throw StoreError(error, path: path)
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw StoreError(error, path: path) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw StoreError(error, path: path) }
    }

    // MARK: Contacts

    /// Adds a contact. The same name with the same key is a no-op (returns false); a different
    /// key under a taken name, or a key already known under another name, is refused.
    @discardableResult
    public func addContact(_ c: Contact) throws(StoreError) -> Bool {
        try write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT name, public_key FROM contact WHERE name = ?", arguments: [c.name]) {
                let key: Data = row["public_key"]
                if [UInt8](key) == c.publicKey { return false }
                throw StoreError.nameTaken(row["name"])
            }
            if let other = try String.fetchOne(db, sql: "SELECT name FROM contact WHERE public_key = ?", arguments: [Data(c.publicKey)]) {
                throw StoreError.keyTaken(byName: other)
            }
            try db.execute(
                sql: """
                    INSERT INTO contact (name, public_key, sender_id, node, node_given, added_at, verified_at, last_heard_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [c.name, Data(c.publicKey), Data(c.senderID), c.node.map { Int64($0) }, c.nodeGiven,
                            c.addedAt, c.verifiedAt, c.lastHeardAt])
            return true
        }
    }

    public func contacts() throws(StoreError) -> [Contact] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM contact ORDER BY name").map(Self.contact) }
    }

    public func contact(named name: String) throws(StoreError) -> Contact? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM contact WHERE name = ?", arguments: [name]).map(Self.contact) }
    }

    public func contact(senderID: [UInt8]) throws(StoreError) -> Contact? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM contact WHERE sender_id = ?", arguments: [Data(senderID)]).map(Self.contact)
        }
    }

    /// Removes the contact; their stored envelopes stay (they are unreadable without the key
    /// anyway) and come back if the same key is added again.
    public func removeContact(named name: String) throws(StoreError) {
        let n = try write { db in
            try db.execute(sql: "DELETE FROM contact WHERE name = ?", arguments: [name])
            return db.changesCount
        }
        if n == 0 { throw StoreError.noSuchContact(name) }
    }

    public func markVerified(named name: String, at time: Double) throws(StoreError) {
        let n = try write { db in
            try db.execute(sql: "UPDATE contact SET verified_at = ? WHERE name = ?", arguments: [time, name])
            return db.changesCount
        }
        if n == 0 { throw StoreError.noSuchContact(name) }
    }

    /// Remembers which radio a contact was last heard from, unless the user pinned one.
    public func noteHeard(senderID: [UInt8], node: UInt32?, at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE contact SET last_heard_at = ?,
                        node = CASE WHEN node_given = 1 OR ? IS NULL THEN node ELSE ? END
                    WHERE sender_id = ?
                    """,
                arguments: [time, node.map { Int64($0) }, node.map { Int64($0) }, Data(senderID)])
        }
    }

    static func contact(_ row: Row) -> Contact {
        let key: Data = row["public_key"]
        let sid: Data = row["sender_id"]
        let node: Int64? = row["node"]
        return Contact(
            name: row["name"], publicKey: [UInt8](key), senderID: [UInt8](sid),
            node: node.flatMap { UInt32(exactly: $0) }, nodeGiven: row["node_given"],
            addedAt: row["added_at"], verifiedAt: row["verified_at"], lastHeardAt: row["last_heard_at"])
    }

    // MARK: Messages

    /// Stores a message. Returns false, storing nothing, when an envelope with the same
    /// (sender_id, nonce) is already there: a relayed copy or a replay.
    @discardableResult
    public func insert(_ m: StoredMessage) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO message (id, peer, direction, envelope, sender_id, nonce, created_at, received_at,
                        state, failure, packet_id, to_node, from_node, hops, rssi, snr, channel, hop_limit,
                        attempts, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (sender_id, nonce) DO NOTHING
                    """,
                arguments: StatementArguments([
                    m.id, Data(m.peer), m.direction.rawValue, Data(m.envelope), Data(m.senderID), Data(m.nonce),
                    m.createdAt, m.receivedAt, m.state.rawValue, m.failure, m.packetID.map { Int64($0) },
                    m.toNode.map { Int64($0) }, m.fromNode.map { Int64($0) }, m.hops, m.rssi, m.snr, m.channel,
                    m.hopLimit, m.attempts, m.updatedAt,
                ] as [(any DatabaseValueConvertible)?]))
            return db.changesCount == 1
        }
    }

    public func message(id: String) throws(StoreError) -> StoredMessage? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM message WHERE id = ?", arguments: [id]).map(Self.message) }
    }

    /// The outgoing message a mesh packet id belongs to (the latest, if ids ever repeat).
    public func outgoing(packetID: UInt32) throws(StoreError) -> StoredMessage? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM message WHERE direction = 'out' AND packet_id = ? ORDER BY updated_at DESC LIMIT 1",
                arguments: [Int64(packetID)]
            ).map(Self.message)
        }
    }

    /// Records that a new mesh packet carries this envelope (a send or a retry).
    public func markTransmitted(id: String, packetID: UInt32, toNode: UInt32?, channel: Int, hopLimit: Int?, at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE message SET packet_id = ?, to_node = ?, channel = ?, hop_limit = ?, attempts = attempts + 1,
                        state = 'pending', failure = NULL, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [Int64(packetID), toNode.map { Int64($0) }, channel, hopLimit, time, id])
        }
    }

    /// Moves an outgoing message forward. A later state never goes back: a late `queued` does
    /// not undo an `acked`, and a NAK for an old packet id does not fail a newer attempt.
    public func updateState(id: String, packetID: UInt32?, to state: DeliveryState, failure: String? = nil, at time: Double) throws(StoreError) {
        try write { db in
            let rank = Self.rank(state)
            try db.execute(
                sql: """
                    UPDATE message SET state = ?, failure = ?, updated_at = ?
                    WHERE id = ? AND direction = 'out' AND (? IS NULL OR packet_id = ?)
                      AND (CASE state WHEN 'pending' THEN 0 WHEN 'queued' THEN 1 WHEN 'failed' THEN 1
                                      WHEN 'relayed' THEN 2 WHEN 'acked' THEN 3 ELSE 4 END) <= ?
                    """,
                arguments: [state.rawValue, failure, time, id, packetID.map { Int64($0) }, packetID.map { Int64($0) }, rank])
        }
    }

    static func rank(_ s: DeliveryState) -> Int {
        switch s {
        case .pending: return 0
        case .queued, .failed: return 1
        case .relayed: return 2
        case .acked: return 3
        case .received: return 4
        }
    }

    /// Puts failed outgoing messages back into the outbox as pending; returns how many.
    @discardableResult
    public func requeueFailed(at time: Double) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "UPDATE message SET state = 'pending', updated_at = ? WHERE direction = 'out' AND state = 'failed'", arguments: [time])
            return db.changesCount
        }
    }

    /// Outgoing messages no radio has accepted yet, oldest first.
    public func pending() throws(StoreError) -> [StoredMessage] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM message WHERE direction = 'out' AND state = 'pending' ORDER BY created_at")
                .map(Self.message)
        }
    }

    /// The outbox: pending plus failed outgoing messages, oldest first.
    public func outbox() throws(StoreError) -> [StoredMessage] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM message WHERE direction = 'out' AND state IN ('pending', 'failed') ORDER BY created_at"
            ).map(Self.message)
        }
    }

    /// The conversation with one contact, newest `limit` messages, returned oldest first.
    public func history(peer: [UInt8], limit: Int) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM (SELECT * FROM message WHERE peer = ? ORDER BY created_at DESC, rowid DESC LIMIT ?) ORDER BY created_at, rowid",
                arguments: [Data(peer), max(0, limit)]
            ).map(Self.message)
        }
    }

    public func messageCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM message") ?? 0 }
    }

    static func message(_ row: Row) -> StoredMessage {
        let packet: Int64? = row["packet_id"]
        let to: Int64? = row["to_node"]
        let from: Int64? = row["from_node"]
        return StoredMessage(
            id: row["id"], peer: [UInt8](row["peer"] as Data), direction: Direction(rawValue: row["direction"]) ?? .incoming,
            envelope: [UInt8](row["envelope"] as Data), senderID: [UInt8](row["sender_id"] as Data),
            nonce: [UInt8](row["nonce"] as Data), createdAt: row["created_at"], receivedAt: row["received_at"],
            state: DeliveryState(rawValue: row["state"]) ?? .failed, failure: row["failure"],
            packetID: packet.flatMap { UInt32(exactly: $0) }, toNode: to.flatMap { UInt32(exactly: $0) },
            fromNode: from.flatMap { UInt32(exactly: $0) }, hops: row["hops"], rssi: row["rssi"], snr: row["snr"],
            channel: row["channel"], hopLimit: row["hop_limit"], attempts: row["attempts"], updatedAt: row["updated_at"])
    }

    // MARK: Airtime

    public func recordAirtime(_ r: AirtimeRecord) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT INTO airtime (started_at, milliseconds) VALUES (?, ?)", arguments: [r.startedAt, r.milliseconds])
            // Nothing older than a day is ever needed for an hourly duty cycle.
            try db.execute(sql: "DELETE FROM airtime WHERE started_at < ?", arguments: [r.startedAt - 86_400])
        }
    }

    public func airtime(since: Double) throws(StoreError) -> [AirtimeRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT started_at, milliseconds FROM airtime WHERE started_at > ? ORDER BY started_at", arguments: [since])
                .map { AirtimeRecord(startedAt: $0["started_at"], milliseconds: $0["milliseconds"]) }
        }
    }

    /// Flushes the WAL into the main file (used before byte-level checks and on clean exit).
    public func checkpoint() throws(StoreError) {
        do { _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) } } catch { throw StoreError(error, path: path) }
    }
}
