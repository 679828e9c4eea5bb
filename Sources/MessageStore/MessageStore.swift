import Delivery
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The on-disk state of one lora-msg home: contacts, messages (ciphertext only), the outbox
/// and the airtime ledger, in one SQLite file in WAL mode so `tail` and `send` can share it.
public final class MessageStore: Sendable {
    public let path: String
    let db: any DatabaseWriter

    /// Opens (creating if needed, mode 0600 whatever the umask) and migrates the database at
    /// `path`. SQLite gives the -wal and -shm files the database file's own mode.
    public init(path: String) throws(StoreError) {
        self.path = path
        var config = Self.configuration
        // Another lora-msg (a running tail) may hold the write lock for a moment.
        config.busyMode = .timeout(5)
        do {
            try Self.createPrivateFile(path)
            db = try DatabasePool(path: path, configuration: config)
            try Self.prepare(db, path: path)
        } catch {
            throw StoreError(error, path: path)
        }
    }

    /// A store over any GRDB writer (an in-memory `DatabaseQueue` in tests).
    public init(writer: any DatabaseWriter, path: String = ":memory:") throws(StoreError) {
        self.path = path
        db = writer
        do { try Self.prepare(db, path: path) } catch { throw StoreError(error, path: path) }
    }

    static var configuration: Configuration {
        var config = Configuration()
        config.prepareDatabase { db in
            // Removed contacts and messages are overwritten, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        return config
    }

    private static func prepare(_ db: any DatabaseWriter, path: String) throws {
        let migrator = StoreSchema.migrator
        if try db.read({ try migrator.hasBeenSuperseded($0) }) { throw StoreError.newerSchema(path: path) }
        try migrator.migrate(db)
        // A damaged page can open fine and fail later; catch it at the door.
        let check = try db.read { try String.fetchOne($0, sql: "PRAGMA quick_check") }
        if check != "ok" { throw StoreError.corrupt(path: path) }
    }

    /// Creates the file 0600 before SQLite does (SQLite would use 0644 minus the umask), and
    /// takes group/other access away from an existing one of ours.
    private static func createPrivateFile(_ path: String) throws(StoreError) {
        var st = stat()
        if stat(path, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { throw .cannotOpen(path: path, reason: "it is a directory") }
            if st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o077 != 0 {
                _ = chmod(path, 0o600)
            }
            return
        }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { return }
            let reason = String(cString: strerror(errno))
            if errno == EACCES || errno == EPERM { throw .permissionDenied(path: path) }
            throw .cannotOpen(path: path, reason: reason)
        }
        _ = fchmod(fd, 0o600)
        close(fd)
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try db.write(body) } catch { throw StoreError(error, path: path) }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try db.read(body) } catch { throw StoreError(error, path: path) }
    }

    /// `rowid` rides along under this name so a damaged row can be named in the error.
    static let withRowNumber = "rowid AS row_number, *"

    // MARK: Contacts

    /// Adds a contact. The same name with the same key is a no-op (returns false); a different
    /// key under a taken name, or a key already known under another name, is refused.
    @discardableResult
    public func addContact(_ c: Contact) throws(StoreError) -> Bool {
        try write { db in
            if let existing = try Contact.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM contact WHERE name = ?", arguments: [c.name]) {
                if existing.publicKey == c.publicKey { return false }
                throw StoreError.nameTaken(existing.name)
            }
            if let other = try String.fetchOne(db, sql: "SELECT name FROM contact WHERE public_key = ?", arguments: [Data(c.publicKey)]) {
                throw StoreError.keyTaken(byName: other)
            }
            try c.insert(db)
            return true
        }
    }

    public func contacts() throws(StoreError) -> [Contact] {
        try read { db in try Contact.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM contact ORDER BY name") }
    }

    public func contact(named name: String) throws(StoreError) -> Contact? {
        try read { db in try Contact.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM contact WHERE name = ?", arguments: [name]) }
    }

    public func contact(senderID: [UInt8]) throws(StoreError) -> Contact? {
        try read { db in
            try Contact.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM contact WHERE sender_id = ?", arguments: [Data(senderID)])
        }
    }

    /// Removes the contact; their stored envelopes stay (unreadable without the key, and back
    /// if the same key is added again). Their unsent messages fail: nobody is left to send to.
    public func removeContact(named name: String, at time: Double) throws(StoreError) {
        let n = try write { db in
            guard let c = try Contact.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM contact WHERE name = ?", arguments: [name]) else { return 0 }
            try db.execute(
                sql: "UPDATE message SET state = 'failed', failure = 'contact removed', updated_at = ? WHERE direction = 'out' AND state = 'pending' AND peer = ?",
                arguments: [time, Data(c.senderID)])
            try db.execute(sql: "DELETE FROM node_seen WHERE sender_id = ?", arguments: [Data(c.senderID)])
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

    /// Sets the contact's node as the user's choice (nil: none, messages go as broadcasts).
    public func setNode(named name: String, to node: UInt32?, at time: Double = 0) throws(StoreError) {
        let n = try write { db in
            // Another radio by the user's word: what was known of the old one's key goes.
            try db.execute(sql: """
                UPDATE contact SET node = ?, node_given = ?, node_bound_at = ?, node_refused_at = NULL,
                  radio_key = NULL, radio_key_seen_at = NULL, radio_key_asked_at = NULL
                WHERE name = ?
                """, arguments: [node.map { Int64($0) }, node != nil, time, name])
            return db.changesCount
        }
        if n == 0 { throw StoreError.noSuchContact(name) }
    }

    /// An authenticated message of this contact arrived in a packet from `node`. The mesh
    /// `from` is not authenticated (whoever re-sends their envelope picks it), so it never
    /// sets the contact's node; a node other than theirs is recorded as seen.
    public func noteHeard(senderID: [UInt8], node: UInt32?, at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE contact SET last_heard_at = ? WHERE sender_id = ?", arguments: [time, Data(senderID)])
            guard let node, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM contact WHERE sender_id = ?)", arguments: [Data(senderID)]) == true
            else { return }
            let own = try Int64.fetchOne(db, sql: "SELECT node FROM contact WHERE sender_id = ?", arguments: [Data(senderID)])
            guard own != Int64(node) else { return }
            try db.execute(
                sql: """
                    INSERT INTO node_seen (sender_id, node, first_seen, last_seen) VALUES (?, ?, ?, ?)
                    ON CONFLICT (sender_id, node) DO UPDATE SET last_seen = excluded.last_seen, count = count + 1
                    """,
                arguments: [Data(senderID), Int64(node), time, time])
        }
    }

    /// The contact said, in data only they could authenticate (a receipt, an accept), that
    /// their radio is `node`. Returns true when that changed the contact's node.
    /// `evidenceSentAt`: when the message that data answers was made. A node the user set by
    /// hand is not moved, unless the radio has since refused a DM to it for lack of its key (a
    /// radio renumbered by firmware 2.8); nor one bound after that message (a replayed old receipt).
    @discardableResult
    public func bindNode(senderID: [UInt8], node: UInt32, evidenceSentAt: Double, at time: Double) throws(StoreError) -> Bool {
        guard node != 0, node != UInt32.max else { return false }
        return try write { db in
            try db.execute(sql: """
                UPDATE contact SET node = ?, node_given = 0, node_bound_at = ?, node_refused_at = NULL
                WHERE sender_id = ? AND (node IS NULL OR node != ?) AND (node_given = 0 OR node_refused_at IS NOT NULL)
                  AND (node_bound_at IS NULL OR node_bound_at < ?)
                """, arguments: [Int64(node), time, Data(senderID), Int64(node), evidenceSentAt])
            let changed = db.changesCount > 0
            // Their own radio is no longer an "other" node.
            try db.execute(sql: "DELETE FROM node_seen WHERE sender_id = ? AND node = ?", arguments: [Data(senderID), Int64(node)])
            return changed
        }
    }

    /// The radio refused a DM to this contact's node: it holds no key for that number.
    public func noteNodeRefused(senderID: [UInt8], at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE contact SET node_refused_at = ? WHERE sender_id = ? AND node_refused_at IS NULL", arguments: [time, Data(senderID)])
        }
    }

    /// Other nodes the contact's envelopes came from, most recent first.
    public func otherNodes(senderID: [UInt8]) throws(StoreError) -> [NodeSighting] {
        try read { db in
            try NodeSighting.fetchAll(
                db, sql: "SELECT \(Self.withRowNumber) FROM node_seen WHERE sender_id = ? ORDER BY last_seen DESC",
                arguments: [Data(senderID)])
        }
    }

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

    // MARK: Receipts

    /// A receipt from `peer` covers the outgoing envelopes whose nonces start with `refs`:
    /// they move to `delivered` (or `read`), never back. Returns the ids that moved.
    public func markReceipted(peer: [UInt8], refs: [[UInt8]], read: Bool, at time: Double) throws(StoreError) -> [String] {
        let state: DeliveryState = read ? .read : .delivered
        return try write { db in
            var moved: [String] = []
            for ref in refs {
                let ids = try String.fetchAll(
                    db, sql: "SELECT id FROM message WHERE direction = 'out' AND peer = ? AND substr(nonce, 1, ?) = ? AND \(Self.rankSQL) < ?",
                    arguments: [Data(peer), ref.count, Data(ref), state.rank])
                for id in ids {
                    try db.execute(sql: "UPDATE message SET state = ?, failure = NULL, next_attempt_at = NULL, updated_at = ? WHERE id = ?",
                                   arguments: [state.rawValue, time, id])
                }
                moved += ids
            }
            return moved
        }
    }

    /// Incoming messages received since `since` whose receipt is owed: never receipted, or
    /// shown to the user but not yet receipted as read (when `readReceipts`). Oldest first.
    public func receiptsDue(readReceipts: Bool, since: Double) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try StoredMessage.fetchAll(
                db, sql: """
                    SELECT \(Self.withRowNumber) FROM message
                    WHERE direction = 'in' AND received_at > ?
                      AND (receipt_sent = 0 OR (? AND read_at IS NOT NULL AND receipt_sent < 2))
                      AND peer NOT IN (SELECT id FROM chat_group)
                    ORDER BY received_at
                    """,
                arguments: [since, readReceipts])
        }
    }

    public func markReceiptSent(ids: [String], level: Int) throws(StoreError) {
        try write { db in
            for id in ids {
                try db.execute(sql: "UPDATE message SET receipt_sent = max(receipt_sent, ?) WHERE id = ? AND direction = 'in'", arguments: [level, id])
            }
        }
    }

    /// A copy of an envelope we already hold came in another packet: the sender is retrying
    /// because our receipt did not reach them, so it is owed again.
    public func receiptLost(senderID: [UInt8], nonce: [UInt8], packetID: UInt32) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE message SET receipt_sent = 0, packet_id = ?
                    WHERE direction = 'in' AND sender_id = ? AND nonce = ? AND (packet_id IS NULL OR packet_id != ?)
                    """,
                arguments: [Int64(packetID), Data(senderID), Data(nonce), Int64(packetID)])
        }
    }

    /// An incoming message (a completed transfer) whose sender is still sending chunks: our
    /// receipt did not reach them.
    public func receiptLost(messageID: String) throws(StoreError) {
        try write { db in try db.execute(sql: "UPDATE message SET receipt_sent = 0 WHERE id = ? AND direction = 'in'", arguments: [messageID]) }
    }

    /// The user was shown these incoming messages: no longer unread.
    public func markSeen(ids: [String], at time: Double) throws(StoreError) {
        try write { db in
            for id in ids {
                try db.execute(sql: "UPDATE message SET seen_at = COALESCE(seen_at, ?) WHERE id = ? AND direction = 'in'", arguments: [time, id])
            }
        }
    }

    /// Incoming messages from `peer` never shown to the user.
    public func unseenCount(peer: [UInt8]) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM message WHERE direction = 'in' AND peer = ? AND seen_at IS NULL",
                             arguments: [Data(peer)]) ?? 0
        }
    }

    /// The user was shown these incoming messages (kept only while read receipts are on).
    public func markRead(ids: [String], at time: Double) throws(StoreError) {
        try write { db in
            for id in ids {
                try db.execute(sql: "UPDATE message SET read_at = COALESCE(read_at, ?) WHERE id = ? AND direction = 'in'", arguments: [time, id])
            }
        }
    }

    // MARK: Contact requests

    public struct RequestLimits: Sendable {
        /// Requests kept waiting at most.
        public var maxPending = 32
        /// New keys admitted per hour.
        public var maxNewPerHour = 8
        /// Unanswered requests are forgotten after this many seconds.
        public var lifetime: Double = 7 * 86_400
        public init() {}
    }

    /// Keeps a request for the user, within `limits`: a stranger cannot fill the disk or the
    /// screen. The same key again refreshes its time and count, never its node or name: a
    /// request carries no proof, so a forged copy of it must not re-point the waiting one.
    public func admitRequest(_ r: ContactRequestRecord, limits: RequestLimits = RequestLimits()) throws(StoreError) -> RequestAdmission {
        try write { db in
            try db.execute(sql: "DELETE FROM contact_request WHERE received_at < ?", arguments: [r.receivedAt - limits.lifetime])
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM contact_request WHERE public_key = ?)", arguments: [Data(r.publicKey)]) == true {
                try db.execute(
                    sql: "UPDATE contact_request SET node = COALESCE(node, ?), answer = max(answer, ?), received_at = ?, count = count + 1 WHERE public_key = ?",
                    arguments: [r.node.map { Int64($0) }, r.isAnswer, r.receivedAt, Data(r.publicKey)])
                return .repeated
            }
            let pending = try Int.fetchOne(db, sql: "SELECT count(*) FROM contact_request") ?? 0
            if pending >= limits.maxPending { return .dropped("\(pending) requests are already waiting") }
            let lastHour = try Int.fetchOne(db, sql: "SELECT count(*) FROM contact_request WHERE received_at > ?", arguments: [r.receivedAt - 3600]) ?? 0
            if lastHour >= limits.maxNewPerHour { return .dropped("\(lastHour) new requests arrived in the last hour") }
            try r.insert(db)
            return .new
        }
    }

    /// Forgets every waiting request; returns how many.
    @discardableResult
    public func removeAllRequests() throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM contact_request")
            return db.changesCount
        }
    }

    /// Waiting requests, newest first; expired ones are forgotten first.
    public func requests(now: Double, limits: RequestLimits = RequestLimits()) throws(StoreError) -> [ContactRequestRecord] {
        try write { db in
            try db.execute(sql: "DELETE FROM contact_request WHERE received_at < ?", arguments: [now - limits.lifetime])
            return try ContactRequestRecord.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM contact_request ORDER BY received_at DESC")
        }
    }

    public func removeRequest(publicKey: [UInt8]) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM contact_request WHERE public_key = ?", arguments: [Data(publicKey)]) }
    }

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

    // MARK: Frame outbox

    public func queueFrame(_ f: OutgoingFrame) throws(StoreError) {
        try write { db in
            // Sent frames are kept a day for `wait`, then forgotten.
            try db.execute(sql: "DELETE FROM frame_outbox WHERE sent_at < ?", arguments: [f.createdAt - 86_400])
            try f.insert(db)
        }
    }

    public func unsentFrames() throws(StoreError) -> [OutgoingFrame] {
        try read { db in try OutgoingFrame.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM frame_outbox WHERE sent_at IS NULL ORDER BY created_at") }
    }

    public func frame(id: String) throws(StoreError) -> OutgoingFrame? {
        try read { db in try OutgoingFrame.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM frame_outbox WHERE id = ?", arguments: [id]) }
    }

    public func markFrameSent(id: String, packetID: UInt32, at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE frame_outbox SET sent_at = ?, packet_id = ? WHERE id = ?", arguments: [time, Int64(packetID), id])
        }
    }

    public func deleteFrame(id: String) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM frame_outbox WHERE id = ?", arguments: [id]) }
    }

    // MARK: Settings

    public func setting(_ key: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, to value: String?) throws(StoreError) {
        try write { db in
            if let value {
                try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            }
        }
    }

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

    // MARK: Airtime

    public func recordAirtime(_ r: AirtimeRecord) throws(StoreError) {
        try write { db in
            try r.insert(db)
            // Nothing older than a day is ever needed for an hourly duty cycle.
            try db.execute(sql: "DELETE FROM airtime WHERE started_at < ?", arguments: [r.startedAt - 86_400])
        }
    }

    public func airtime(since: Double) throws(StoreError) -> [AirtimeRecord] {
        try read { db in
            try AirtimeRecord.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM airtime WHERE started_at > ? ORDER BY started_at", arguments: [since])
        }
    }

    // MARK: Ratchet and retention

    static func retired(_ db: Database, _ digest: [UInt8]) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM retired_envelope WHERE digest = ?)", arguments: [Data(digest)]) ?? false
    }

    /// The contacts with a ratchet row.
    public func ratchetPeers() throws(StoreError) -> [[UInt8]] {
        try read { db in try Data.fetchAll(db, sql: "SELECT peer FROM ratchet").map { [UInt8]($0) } }
    }

    public func ratchet(peer: [UInt8]) throws(StoreError) -> RatchetRecord? {
        try read { db in try RatchetRecord.fetchOne(db, sql: "SELECT * FROM ratchet WHERE peer = ?", arguments: [Data(peer)]) }
    }

    /// Reads, changes and writes back the contact's ratchet in one write transaction, so two
    /// processes (a `tail` receiving, a `send` sealing) never both use one message number.
    /// `body` returns the new record (nil: leave it) and a result. The old row's bytes are
    /// overwritten in the file (secure_delete); `checkpoint` clears the WAL's copies.
    public func updateRatchet<T>(peer: [UInt8], _ body: (RatchetRecord?) -> (RatchetRecord?, T)) throws(StoreError) -> T {
        try write { db in
            let old = try RatchetRecord.fetchOne(db, sql: "SELECT * FROM ratchet WHERE peer = ?", arguments: [Data(peer)])
            let (new, result) = body(old)
            if let new { try new.save(db) }
            return result
        }
    }

    /// Deletes the messages (and their chunks) created before `cutoff`, except outgoing ones
    /// never handed to a radio. Returns how many messages went.
    @discardableResult
    /// `digest` makes each deleted incoming envelope's replay digest (of its sender id and
    /// nonce), kept in `retired_envelope`.
    public func deleteMessages(createdBefore cutoff: Double, digest: ([UInt8], [UInt8]) -> [UInt8]? = { _, _ in nil }) throws(StoreError) -> Int {
        try write { db in
            let doomed = try Row.fetchAll(db, sql: """
                SELECT sender_id, nonce FROM message WHERE direction = 'in' AND created_at < ?
                UNION ALL
                SELECT c.peer AS sender_id, c.nonce FROM chunk c JOIN message m
                  ON m.transfer_id = c.transfer_id AND m.peer = c.peer AND m.direction = c.direction
                WHERE c.direction = 'in' AND m.created_at < ?
                """, arguments: [cutoff, cutoff])
            for row in doomed {
                let sender: Data = row["sender_id"], nonce: Data = row["nonce"]
                guard let d = digest([UInt8](sender), [UInt8](nonce)), d.count == 16 else { continue }
                try db.execute(sql: "INSERT OR IGNORE INTO retired_envelope (digest) VALUES (?)", arguments: [Data(d)])
            }
            try db.execute(sql: """
                DELETE FROM chunk WHERE EXISTS (
                    SELECT 1 FROM message m
                    WHERE m.created_at < ? AND NOT (m.direction = 'out' AND m.state = 'pending')
                      AND m.transfer_id = chunk.transfer_id AND m.peer = chunk.peer AND m.direction = chunk.direction)
                """, arguments: [cutoff])
            try db.execute(sql: "DELETE FROM message WHERE created_at < ? AND NOT (direction = 'out' AND state = 'pending')",
                           arguments: [cutoff])
            return db.changesCount
        }
    }

    /// Flushes the WAL into the main file and truncates it (before byte-level checks, on clean
    /// exit, and after secrets or messages were deleted: secure_delete zeroes the bytes freed
    /// in the main file, but the WAL still holds earlier versions of changed pages).
    public func checkpoint() throws(StoreError) {
        do { _ = try db.writeWithoutTransaction { db in try db.checkpoint(.truncate) } } catch { throw StoreError(error, path: path) }
    }
}
