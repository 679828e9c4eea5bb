import Foundation
import GRDB
import Testing
import TestSupport
@testable import MessageStore

/// A fresh directory per test, removed afterwards.
typealias TempDir = TempDirectory
extension TempDirectory {
    var db: String { file("messages.sqlite") }
}

func bytes(_ n: Int, _ v: UInt8) -> [UInt8] { [UInt8](repeating: v, count: n) }

func contact(_ name: String, _ v: UInt8, node: UInt32? = nil, given: Bool = false) -> Contact {
    Contact(name: name, publicKey: bytes(32, v), senderID: bytes(8, v), node: node, nodeGiven: given, addedAt: 1000)
}

func incoming(from v: UInt8, nonce: UInt8, at t: Double = 2000) -> StoredMessage {
    StoredMessage(id: UUID().uuidString.lowercased(), peer: bytes(8, v), direction: .incoming,
                  envelope: [1] + bytes(8, v) + bytes(24, nonce) + bytes(20, 0xEE), senderID: bytes(8, v),
                  nonce: bytes(24, nonce), createdAt: t, receivedAt: t, state: .received, fromNode: 0x1234, hops: 1)
}

func outgoing(to v: UInt8, nonce: UInt8, at t: Double = 3000) -> StoredMessage {
    StoredMessage(id: UUID().uuidString.lowercased(), peer: bytes(8, v), direction: .outgoing,
                  envelope: [1] + bytes(8, 0x55) + bytes(24, nonce) + bytes(20, 0xDD), senderID: bytes(8, 0x55),
                  nonce: bytes(24, nonce), createdAt: t, state: .pending)
}

@Suite struct ContactBookTests {
    @Test func addListFindRemove() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        #expect(try store.addContact(contact("eitan", 1, node: 0xA1B2C3D4, given: true)))
        #expect(try store.addContact(contact("maya", 2)))
        #expect(try store.contacts().map(\.name) == ["eitan", "maya"])
        #expect(try store.contact(named: "EITAN")?.node == 0xA1B2C3D4)
        #expect(try store.contact(senderID: bytes(8, 2))?.name == "maya")
        try store.removeContact(named: "maya", at: 5)
        #expect(try store.contact(named: "maya") == nil)
        #expect(throws: StoreError.noSuchContact("maya")) { try store.removeContact(named: "maya", at: 5) }
    }

    @Test func sameNameSameKeyIsANoOpDifferentKeyIsRefused() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        try store.addContact(contact("eitan", 1))
        #expect(try store.addContact(contact("eitan", 1)) == false)
        #expect(throws: StoreError.nameTaken("eitan")) { try store.addContact(contact("Eitan", 9)) }
        #expect(throws: StoreError.keyTaken(byName: "eitan")) { try store.addContact(contact("other", 1)) }
        #expect(try store.contacts().count == 1)
    }

    @Test func aHeardNodeNeverBindsOnlyAnAuthenticatedOneDoes() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        try store.addContact(contact("given", 1, node: 0x11, given: true))
        try store.addContact(contact("unknown", 2))
        try store.noteHeard(senderID: bytes(8, 1), node: 0x99, at: 5)
        try store.noteHeard(senderID: bytes(8, 2), node: 0x22, at: 6)
        #expect(try store.contact(named: "given")?.node == 0x11)
        #expect(try store.contact(named: "given")?.lastHeardAt == 5)
        #expect(try store.contact(named: "unknown")?.node == nil)
        #expect(try store.otherNodes(senderID: bytes(8, 2)).map(\.node) == [0x22])
        // A receipt's authenticated node binds; a node the user gave is never moved (Hardening 3).
        #expect(try store.bindNode(senderID: bytes(8, 2), node: 0x22, evidenceSentAt: 10, at: 11))
        #expect(try !store.bindNode(senderID: bytes(8, 2), node: 0x22, evidenceSentAt: 12, at: 13), "the same node again changes nothing")
        #expect(try !store.bindNode(senderID: bytes(8, 1), node: 0x33, evidenceSentAt: 10, at: 11))
        let given = try #require(try store.contact(named: "given"))
        #expect(given.node == 0x11 && given.nodeGiven)
        // Evidence older than the binding (a replayed receipt for an earlier message) moves nothing.
        #expect(try !store.bindNode(senderID: bytes(8, 2), node: 0x44, evidenceSentAt: 10, at: 20))
        #expect(try store.contact(named: "unknown")?.node == 0x22)
        #expect(try store.bindNode(senderID: bytes(8, 2), node: 0x44, evidenceSentAt: 15, at: 21), "a newer message's receipt does")
        #expect(try !store.bindNode(senderID: bytes(8, 1), node: 0xFFFF_FFFF, evidenceSentAt: 99, at: 99), "broadcast is not a node")
    }
}

@Suite struct MessageTableTests {
    @Test func sameSenderAndNonceIsStoredOnce() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        #expect(try store.insert(incoming(from: 1, nonce: 7)))
        #expect(try store.insert(incoming(from: 1, nonce: 7)) == false)   // relayed copy, new row id
        #expect(try store.insert(incoming(from: 1, nonce: 8)))
        #expect(try store.insert(incoming(from: 2, nonce: 7)))
        #expect(try store.messageCount() == 3)
    }

    @Test func deliveryStateOnlyMovesForwardAndOnlyForItsPacket() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        let m = outgoing(to: 1, nonce: 1)
        try store.insert(m)
        try store.markTransmitted(id: m.id, packetID: 100, toNode: 0x42, channel: 0, hopLimit: 3, at: 10)
        try store.updateState(id: m.id, packetID: 100, to: .queued, at: 11)
        try store.updateState(id: m.id, packetID: 100, to: .acked, at: 12)
        try store.updateState(id: m.id, packetID: 100, to: .queued, at: 13)            // late, ignored
        try store.updateState(id: m.id, packetID: 100, to: .failed, failure: "x", at: 14) // after an ACK, ignored
        var got = try #require(try store.message(id: m.id))
        #expect(got.state == .acked && got.attempts == 1 && got.toNode == 0x42)
        #expect(try store.outgoing(packetID: 100)?.id == m.id)

        let n = outgoing(to: 1, nonce: 2)
        try store.insert(n)
        try store.markTransmitted(id: n.id, packetID: 200, toNode: nil, channel: 0, hopLimit: nil, at: 10)
        try store.updateState(id: n.id, packetID: 200, to: .failed, failure: "no ack", at: 11)
        try store.markTransmitted(id: n.id, packetID: 201, toNode: nil, channel: 0, hopLimit: nil, at: 12)
        try store.updateState(id: n.id, packetID: 200, to: .failed, failure: "stale", at: 13) // old packet
        got = try #require(try store.message(id: n.id))
        #expect(got.state == .pending && got.packetID == 201 && got.attempts == 2 && got.failure == nil)

        // `--via both`: a second packet id beside the first; an ACK on either moves the message,
        // the second way's transmission does not reset what the first reached.
        let w = outgoing(to: 1, nonce: 3)
        try store.insert(w)
        try store.markTransmitted(id: w.id, packetID: 300, toNode: 0x42, channel: 0, hopLimit: 3, at: 10)
        try store.updateState(id: w.id, packetID: 300, to: .queued, at: 11)
        try store.markTransmitted(id: w.id, packetID: 301, toNode: 0x42, channel: 0, hopLimit: 3, at: 11, alternate: true)
        got = try #require(try store.message(id: w.id))
        #expect(got.state == .queued && got.packetID == 300 && got.attempts == 2)
        #expect(try store.updateState(id: w.id, packetID: 301, to: .acked, at: 12))
        #expect(try store.updateState(id: w.id, packetID: 999, to: .read, at: 13) == false, "an unknown packet id moves nothing")
        #expect(try store.message(id: w.id)?.state == .acked)
    }

    @Test func outboxHoldsPendingAndFailedOldestFirst() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        let a = outgoing(to: 1, nonce: 1, at: 1), b = outgoing(to: 1, nonce: 2, at: 2), c = outgoing(to: 1, nonce: 3, at: 3)
        for m in [c, a, b] { try store.insert(m) }
        try store.markTransmitted(id: b.id, packetID: 5, toNode: nil, channel: 0, hopLimit: nil, at: 4)
        try store.updateState(id: b.id, packetID: 5, to: .queued, at: 5)
        try store.markTransmitted(id: c.id, packetID: 6, toNode: nil, channel: 0, hopLimit: nil, at: 4)
        try store.updateState(id: c.id, packetID: 6, to: .failed, failure: "nak", at: 5)
        #expect(try store.pending().map(\.id) == [a.id])
        #expect(try store.outbox().map(\.id) == [a.id, c.id])
    }

    @Test func historyReturnsTheNewestInOrder() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        for i in 0..<10 { try store.insert(incoming(from: 1, nonce: UInt8(i), at: Double(i))) }
        try store.insert(incoming(from: 2, nonce: 50, at: 4.5))
        let h = try store.history(peer: bytes(8, 1), limit: 3)
        #expect(h.map(\.createdAt) == [7, 8, 9])
        #expect(try store.history(peer: bytes(8, 1), limit: 0).isEmpty)
    }

    @Test func badlySizedFieldsAreRefusedByTheSchema() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        var m = incoming(from: 1, nonce: 1)
        m.nonce = bytes(23, 1)
        #expect(throws: StoreError.self) { try store.insert(m) }
        m = incoming(from: 1, nonce: 1)
        m.senderID = bytes(9, 1)
        #expect(throws: StoreError.self) { try store.insert(m) }
        var c = contact("short", 3)
        c.publicKey = bytes(31, 3)
        #expect(throws: StoreError.self) { try store.addContact(c) }
        #expect(try store.messageCount() == 0)
    }

    @Test func airtimeIsKeptForADayAndReadBackByWindow() throws {
        let dir = TempDir()
        let store = try MessageStore(path: dir.db)
        try store.recordAirtime(AirtimeRecord(startedAt: 100, milliseconds: 1000))
        try store.recordAirtime(AirtimeRecord(startedAt: 200, milliseconds: 500))
        #expect(try store.airtime(since: 150) == [AirtimeRecord(startedAt: 200, milliseconds: 500)])
        try store.recordAirtime(AirtimeRecord(startedAt: 100_000, milliseconds: 1))
        #expect(try store.airtime(since: 0).count == 1)
    }

    @Test func reopeningKeepsEverything() throws {
        let dir = TempDir()
        do {
            let store = try MessageStore(path: dir.db)
            try store.addContact(contact("eitan", 1))
            try store.insert(incoming(from: 1, nonce: 1))
        }
        let again = try MessageStore(path: dir.db)
        #expect(try again.contacts().count == 1 && again.messageCount() == 1)
    }
}

/// A database of 200 messages, all in the main file (no WAL left), for damaging by hand.
func writeCheckpointedDatabase(_ dir: TempDir) throws {
    do {
        let store = try MessageStore(path: dir.db)
        for i in 0..<200 { try store.insert(incoming(from: 1, nonce: UInt8(i % 256), at: Double(i))) }
        try store.checkpoint()
    }
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.db + suffix) }
}

@Suite struct BadDatabaseFileTests {
    @Test func garbageFileIsNotADatabase() throws {
        let dir = TempDir()
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: dir.db))
        #expect(throws: StoreError.notADatabase(path: dir.db)) { try MessageStore(path: dir.db) }
    }

    @Test func textFileIsNotADatabase() throws {
        let dir = TempDir()
        try Data("these are my notes, not a database\n".utf8).write(to: URL(fileURLWithPath: dir.db))
        #expect(throws: StoreError.notADatabase(path: dir.db)) { try MessageStore(path: dir.db) }
    }

    @Test func truncatedDatabaseIsReportedNotCrashed() throws {
        let dir = TempDir()
        try writeCheckpointedDatabase(dir)
        let full = try Data(contentsOf: URL(fileURLWithPath: dir.db))
        #expect(full.count > 8192)
        for cut in [50, 100, 4096 + 10, full.count / 2] {
            try full.prefix(cut).write(to: URL(fileURLWithPath: dir.db))
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.db + suffix) }
            #expect(throws: StoreError.self, "cut at \(cut)") { try MessageStore(path: dir.db) }
        }
    }

    @Test func damagedPageIsCaughtAtOpen() throws {
        let dir = TempDir()
        try writeCheckpointedDatabase(dir)
        var data = try Data(contentsOf: URL(fileURLWithPath: dir.db))
        // Overwrite the second page's b-tree header.
        for i in 4096..<4096 + 64 { data[i] = 0xFF }
        try data.write(to: URL(fileURLWithPath: dir.db))
        #expect(throws: StoreError.corrupt(path: dir.db)) { try MessageStore(path: dir.db) }
    }

    @Test func directoryIsRefused() throws {
        let dir = TempDir()
        try FileManager.default.createDirectory(atPath: dir.db, withIntermediateDirectories: true)
        #expect(throws: StoreError.cannotOpen(path: dir.db, reason: "it is a directory")) { try MessageStore(path: dir.db) }
    }

    @Test func missingParentDirectoryCannotOpen() {
        let path = NSTemporaryDirectory() + "no-such-dir-\(UUID().uuidString)/messages.sqlite"
        #expect(throws: StoreError.self) { try MessageStore(path: path) }
    }

    @Test func newerSchemaIsRefused() throws {
        let dir = TempDir()
        do {
            let store = try MessageStore(path: dir.db)
            _ = store
        }
        // A future lora-msg recorded a migration this one does not know.
        let raw = try DatabaseQueue(path: dir.db)
        try raw.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')") }
        try raw.close()
        #expect(throws: StoreError.newerSchema(path: dir.db)) { try MessageStore(path: dir.db) }
    }

    @Test func everyErrorIsOneLine() {
        let errors: [StoreError] = [
            .cannotOpen(path: "/x", reason: "r"), .notADatabase(path: "/x"), .corrupt(path: "/x"),
            .permissionDenied(path: "/x"), .newerSchema(path: "/x"), .busy(path: "/x"), .diskFull(path: "/x"),
            .nameTaken("a"), .keyTaken(byName: "b"), .noSuchContact("c"), .noSuchMessage("d"), .io("e"),
        ]
        for e in errors { #expect(!e.description.contains("\n") && !e.description.isEmpty) }
    }
}
