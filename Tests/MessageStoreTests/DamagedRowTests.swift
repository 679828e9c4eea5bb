import Foundation
import GRDB
import Testing
import TestSupport
@testable import MessageStore

/// A hand-edited or damaged row is an error naming the table and column, never a trap.
@Suite(.serialized) struct DamagedRowTests {
    static let columns: [(table: String, column: String, read: @Sendable (MessageStore) throws -> Void)] = {
        let contact: @Sendable (MessageStore) throws -> Void = { _ = try $0.contacts() }
        let message: @Sendable (MessageStore) throws -> Void = { s in _ = try s.history(peer: [UInt8](repeating: 1, count: 8), limit: 10) }
        let airtime: @Sendable (MessageStore) throws -> Void = { _ = try $0.airtime(since: 0) }
        let seen: @Sendable (MessageStore) throws -> Void = { _ = try $0.otherNodes(senderID: [UInt8](repeating: 1, count: 8)) }
        let request: @Sendable (MessageStore) throws -> Void = { _ = try $0.requests(now: 2) }
        let frame: @Sendable (MessageStore) throws -> Void = { _ = try $0.unsentFrames() }
        let chunk: @Sendable (MessageStore) throws -> Void = { _ = try $0.chunks(peer: [UInt8](repeating: 1, count: 8), direction: .incoming, transferID: 7) }
        return ["name", "public_key", "sender_id", "node", "node_given", "added_at", "verified_at", "last_heard_at"].map { ("contact", $0, contact) }
            + ["id", "peer", "direction", "envelope", "sender_id", "nonce", "created_at", "received_at", "state", "failure",
               "packet_id", "to_node", "from_node", "hops", "rssi", "snr", "channel", "hop_limit", "attempts", "updated_at",
               "read_at", "receipt_sent", "transfer_id", "chunk_count"].map { ("message", $0, message) }
            + ["started_at", "milliseconds"].map { ("airtime", $0, airtime) }
            + ["node", "first_seen", "last_seen", "count"].map { ("node_seen", $0, seen) }
            + ["public_key", "display_name", "node", "answer", "received_at", "count"].map { ("contact_request", $0, request) }
            + ["id", "frame", "to_node", "created_at", "packet_id"].map { ("frame_outbox", $0, frame) }
            + ["peer", "direction", "transfer_id", "idx", "count", "envelope", "nonce", "held", "sends", "at"].map { ("chunk", $0, chunk) }
    }()

    /// A value of the wrong type for each column: text where a number or blob belongs, a
    /// blob where text belongs, a number out of a node's range.
    static func wrongValue(_ table: String, _ column: String) -> String {
        switch column {
        case "name", "id", "direction", "state", "failure", "display_name": return "X'00FF'"
        case "public_key", "sender_id", "peer", "envelope", "nonce", "frame": return "42"
        case "node", "to_node", "from_node", "packet_id", "transfer_id": return "-5"
        default: return "'yesterday'"
        }
    }

    @Test(arguments: 0..<DamagedRowTests.columns.count)
    func aWrongTypeInAnyColumnIsAnErrorNotATrap(index: Int) throws {
        let (table, column, read) = Self.columns[index]
        let queue = try DatabaseQueue()
        let store = try MessageStore(writer: queue)
        let sid = [UInt8](repeating: 1, count: 8)
        try store.addContact(Contact(name: "eitan", publicKey: [UInt8](repeating: 2, count: 32), senderID: sid, node: 0x11, addedAt: 1))
        try store.insert(StoredMessage(id: "m1", peer: sid, direction: .incoming, envelope: [1, 2, 3], senderID: sid,
                                       nonce: [UInt8](repeating: 3, count: 24), createdAt: 1, receivedAt: 1, state: .received,
                                       packetID: 9, toNode: 0x22, fromNode: 0x11, hops: 1, rssi: -90, snr: 2, hopLimit: 3))
        try store.recordAirtime(AirtimeRecord(startedAt: 1, milliseconds: 100))
        try store.noteHeard(senderID: sid, node: 0x33, at: 2)
        _ = try store.admitRequest(ContactRequestRecord(publicKey: [UInt8](repeating: 4, count: 32), displayName: "west", node: 0x44, isAnswer: false, receivedAt: 1))
        try store.queueFrame(OutgoingFrame(id: "f1", frame: [4, 5], toNode: 0x44, createdAt: 1))
        _ = try store.admitChunk(StoredChunk(peer: sid, direction: .incoming, transferID: 7, index: 0, count: 2, envelope: [9],
                                             nonce: [UInt8](repeating: 5, count: 24), at: 1))
        try queue.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE \(table) SET \(column) = \(Self.wrongValue(table, column))")
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        do {
            try read(store)
            // Some values still read as something (a blob that is valid UTF-8 text); that is
            // no trap either, and what matters is that the process got here.
        } catch let e as StoreError {
            guard case let .damagedRow(t, _, c) = e else { Issue.record("unexpected \(e)"); return }
            #expect(t == table && c == column)
            #expect(!e.description.contains("\n"))
        }
    }

    /// The columns that hold numbers must be refused when they hold text.
    @Test func textInANumberColumnIsRefusedWithTheRowNamed() throws {
        let queue = try DatabaseQueue()
        let store = try MessageStore(writer: queue)
        try store.addContact(Contact(name: "eitan", publicKey: [UInt8](repeating: 2, count: 32), senderID: [UInt8](repeating: 1, count: 8), addedAt: 1))
        try queue.write { db in try db.execute(sql: "UPDATE contact SET added_at = 'yesterday'") }
        #expect(throws: StoreError.damagedRow(table: "contact", row: "rowid 1", column: "added_at")) { try store.contacts() }
    }
}

/// The database and its -wal and -shm are private whatever the umask.
@Suite(.serialized) struct FileModeTests {
    @Test func databaseFilesAre0600UnderUmask000() throws {
        let temp = TempDirectory("umask")
        let dir = temp.path
        let old = umask(0)
        defer { umask(old) }
        let store = try MessageStore(path: dir + "/messages.sqlite")
        try store.addContact(Contact(name: "eitan", publicKey: [UInt8](repeating: 2, count: 32), senderID: [UInt8](repeating: 1, count: 8), addedAt: 1))
        for suffix in ["", "-wal", "-shm"] {
            let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/messages.sqlite" + suffix)
            let mode = (attrs[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(mode == 0o600, "messages.sqlite\(suffix) is \(String(mode, radix: 8))")
        }
    }
}

/// Hardening 3 (minor): on a read-only home every command blamed the file's mode; SQLite
/// needs the directory too (its -wal and -shm files), and the sentence now says so.
@Suite struct PermissionSentenceTests {
    @Test func aReadOnlyDirectoryIsNamedAsTheCause() {
        // /proc/1 exists and nobody, root included, may create files in it.
        let inReadOnly = StoreError.permissionDenied(path: "/proc/1/messages.sqlite").description
        #expect(inReadOnly.contains("no permission to write in /proc/1") && inReadOnly.contains("-wal"), "\(inReadOnly)")
        let writableDir = StoreError.permissionDenied(path: NSTemporaryDirectory() + "messages.sqlite").description
        #expect(writableDir.contains("it should be yours, 0600"), "\(writableDir)")
    }
}
