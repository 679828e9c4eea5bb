import Foundation
import GRDB
import MeshtasticWire
import MessageStore
import Testing
@testable import LoraMessenger

/// Regression tests for the hardening review: each failed before its fix.
@Suite struct HardeningTests {
    /// `--home e` trapped inside Foundation (deletingLastPathComponent of a one-letter name).
    @Test func homeParentsOfShortAndOddPaths() {
        #expect(Home.parentDirectory("e") == "")
        #expect(Home.parentDirectory("e/") == "")
        #expect(Home.parentDirectory("a/b") == "a")
        #expect(Home.parentDirectory("/e") == "/")
        #expect(Home.parentDirectory("/") == "/")
        #expect(Home.parentDirectory("x//y///") == "x/")
        #expect(Home.parentDirectory("") == "")
    }

    /// The ridge radio re-transmits an envelope of east's that north had not seen yet, and
    /// then a receipt of east's. North shows the envelope (it authenticates) but only east's
    /// own receipt, whose node is inside the authenticated part, says where east's radio is:
    /// the mesh `from` never does, so the ridge cannot pull east's DMs to itself.
    @Test func aReplayFromAnotherRadioDoesNotRepointTheContact() throws {
        let (north, east) = try pair()
        let eastNode: UInt32 = 0xEA57, ridgeNode: UInt32 = 0x41D6E
        let first = try east.messenger.compose(to: "alice", text: "first")
        guard case .message = north.messenger.receive(heard(first, from: eastNode, id: 1)) else { Issue.record("first not shown"); return }
        #expect(try north.messenger.contact(named: "bob").node == nil, "a mesh from binds nothing")
        // North writes; east's lora-msg answers with a receipt naming its radio.
        let hello = try north.messenger.compose(to: "bob", text: "hello east")
        guard case .message = east.messenger.receive(heard(hello, from: 0x4047, id: 2)) else { Issue.record("hello not shown"); return }
        let stored = try #require(try east.messenger.store.receiptsDue(readReceipts: false, since: 0).first)
        var receipt = try east.messenger.receiptPacket(for: [stored], read: false, node: eastNode)
        receipt.from = eastNode; receipt.id = 3
        guard case .receipt(_, let ids, false, let rebound) = north.messenger.receive(receipt) else { Issue.record("receipt refused"); return }
        #expect(ids == [hello.id] && rebound == "!0000ea57")
        #expect(try north.messenger.contact(named: "bob").node == eastNode)
        #expect(try north.messenger.store.message(id: hello.id)?.state == .delivered)
        // The ridge re-sends an unseen envelope, and the same receipt again.
        let second = try east.messenger.compose(to: "alice", text: "second, re-sent by the ridge")
        guard case .message = north.messenger.receive(heard(second, from: ridgeNode, id: 4)) else { Issue.record("second not shown"); return }
        receipt.from = ridgeNode; receipt.id = 5
        guard case .receipt(_, [], false, nil) = north.messenger.receive(receipt) else { Issue.record("replayed receipt changed something"); return }
        let c = try north.messenger.contact(named: "bob")
        #expect(c.node == eastNode, "an unauthenticated mesh from never re-points a contact")
        #expect(Set(try north.messenger.otherNodes(of: c).map(\.node)) == [ridgeNode])
        // The user can still re-point it on purpose.
        #expect(try north.messenger.setNode(named: "bob", node: "!00041d6e").node == ridgeNode)
        #expect(try north.messenger.contact(named: "bob").nodeGiven)
    }

    @Test func namesAreNormalisedAndDisguisesRefused() throws {
        let (a, b) = try pair()
        let composed = "Jos\u{E9}", decomposed = "Jose\u{301}"
        try a.messenger.addContact(name: composed, key: try TestHome().key, node: nil)
        #expect(throws: MessengerError.self) { try a.messenger.addContact(name: " " + decomposed + " ", key: try TestHome().key, node: nil) }
        #expect(try a.messenger.contact(named: decomposed).name == composed)
        for bad in ["ev\u{200B}e", "\u{202E}evil", "line\u{2028}break", "-dash", "  ", "tab\tname"] {
            #expect(throws: MessengerError.self, "\(bad.debugDescription) must be refused") { try a.messenger.addContact(name: bad, key: b.key, node: nil) }
        }
    }

    @Test func removingAContactFailsItsUnsentMessages() throws {
        let (a, _) = try pair()
        let m = try a.messenger.compose(to: "bob", text: "never sent")
        try a.messenger.removeContact(named: "bob")
        let stored = try #require(try a.messenger.store.message(id: m.id))
        #expect(stored.state == .failed && stored.failure == "contact removed")
        // `outbox retry` does not bring it back: there is nobody left to send it to.
        #expect(try a.messenger.requeueOutbox().isEmpty)
        #expect(try a.messenger.store.message(id: m.id)?.state == .failed)
    }

    @Test func outboxCancelDeletesOneOrAllUnsentMessages() throws {
        let (a, _) = try pair()
        let one = try a.messenger.compose(to: "bob", text: "one")
        _ = try a.messenger.compose(to: "bob", text: "two")
        #expect(try a.messenger.cancelOutbox(id: String(one.id.prefix(8))) == [one.id])
        #expect(try a.messenger.outbox().count == 1)
        #expect(throws: MessengerError.store(.noSuchMessage("ffffffff"))) { try a.messenger.cancelOutbox(id: "ffffffff") }
        #expect(try a.messenger.cancelOutbox(id: nil).count == 1)
        #expect(try a.messenger.outbox().isEmpty)
    }

    @Test func waitAckToAContactWithNoKnownNodeIsRefusedBeforeAnythingIsStored() async throws {
        let (a, _) = try pair()
        var plan = SendPlan()
        plan.goal = .ack
        await #expect(throws: MessengerError.ackNeedsNode(contact: "bob")) {
            _ = try await a.messenger.send("hi", to: "bob", plan: plan, radio: RadioChoice(port: "/dev/lora-msg-absent")) { _ in }
        }
        #expect(try a.messenger.store.messageCount() == 0)
        #expect(MessengerError.ackNeedsNode(contact: "bob").exitStatus == .usage)
    }

    @Test func portAndHostTogetherAreAmbiguous() {
        #expect(throws: MessengerError.self) { try RadioChoice(port: "/dev/ttyACM0", host: "radio.local").locate() }
        #expect(throws: MessengerError.self) { try RadioChoice(host: "radio.local", environment: ["LORA_MSG_PORT": "/dev/ttyUSB0"]).locate() }
        #expect(throws: MessengerError.usage(reason: "--home is empty; give a directory, or leave the option out for the default home")) {
            try Home.resolve(option: "", environment: [:])
        }
    }

    @Test func aHomeUnderARegularFileIsOnePlainLine() throws {
        let file = NSTemporaryDirectory() + "lora-msg-file-" + UUID().uuidString.prefix(8)
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try Home.create(file + "/home")
            Issue.record("a home under a regular file was created")
        } catch {
            #expect(error.exitStatus == .cantCreate)
            #expect(!error.message.contains("NSCocoaErrorDomain") && !error.message.contains("\n"))
        }
    }

    /// Hardening 3, item 5: a receipt recorded from the air and replayed later names the
    /// contact's old radio. It must not move the node back, nor undo `contact set-node`.
    @Test func aReplayedReceiptMovesNoNodeBack() throws {
        let (north, east) = try pair()
        let oldRadio: UInt32 = 0xEA57, newRadio: UInt32 = 0xEA58
        func receiptFor(_ m: StoredMessage, node: UInt32) throws -> MeshPacket {
            guard case .message = east.messenger.receive(heard(m, from: 0x4047, id: UInt32.random(in: 10...9999))) else {
                Issue.record("not received"); return MeshPacket()
            }
            let stored = try #require(try east.messenger.store.receiptsDue(readReceipts: false, since: 0).last)
            try east.messenger.store.markReceiptSent(ids: [stored.id], level: 1)
            var r = try east.messenger.receiptPacket(for: [stored], read: false, node: node)
            r.from = node; r.id = UInt32.random(in: 10_000...99_999)
            return r
        }
        // East's first receipt names the old radio; it is recorded.
        let first = try north.messenger.compose(to: "bob", text: "one")
        let recorded = try receiptFor(first, node: oldRadio)
        // Before north hears it, the user points bob at the new radio by hand.
        _ = try north.messenger.setNode(named: "bob", node: "!0000ea58")
        _ = north.messenger.receive(recorded)
        #expect(try north.messenger.contact(named: "bob").node == newRadio, "a node set by hand is never moved")
        #expect(try north.messenger.store.message(id: first.id)?.state == .delivered, "the receipt still counts")
        // Later, with the node learned (not given): east moves radio, says so in a receipt
        // for a newer message; the old receipt replayed again moves nothing back.
        _ = try north.messenger.setNode(named: "bob", node: nil)
        let second = try north.messenger.compose(to: "bob", text: "two")
        _ = north.messenger.receive(try receiptFor(second, node: newRadio))
        #expect(try north.messenger.contact(named: "bob").node == newRadio)
        var replay = recorded; replay.id = 424_242
        _ = north.messenger.receive(replay)
        #expect(try north.messenger.contact(named: "bob").node == newRadio, "a replayed old receipt moves nothing")
    }

    /// Hardening 3, item 8: the claim on a home is exclusive (flock), so of two tails started
    /// at once exactly one runs; a home that cannot take the pid file says why.
    @Test func oneTailPerHome() throws {
        let home = try TestHome()
        #expect(TailPresence.claim(home: home.path) == .claimed)
        #expect(TailPresence.recordedPid(home: home.path) == getpid())
        guard case .heldBy = TailPresence.claim(home: home.path) else { Issue.record("a second claim won"); return }
        TailPresence.release(home: home.path)
        #expect(TailPresence.recordedPid(home: home.path) == nil)
        #expect(TailPresence.claim(home: home.path) == .claimed, "released, it can be claimed again")
        TailPresence.release(home: home.path)
        // Where tail.pid cannot be written (here a directory sits in its place), the reason is
        // given, not "already running (pid 0)".
        try FileManager.default.createDirectory(atPath: TailPresence.path(home: home.path) + "/x", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: TailPresence.path(home: home.path)) }
        guard case .failed(let why) = TailPresence.claim(home: home.path) else { Issue.record("claimed over a directory"); return }
        #expect(why.hasPrefix("cannot write tail.pid: ") && !why.contains("pid 0"), "\(why)")
        #expect(MessengerError.tailRunning(pid: 0).description.contains("starting"))
    }

    /// Hardening 3, item 7: when the database will not take an authentic message (here a
    /// trigger stands in for a full disk), the outcome says so with the reason, not as a
    /// "malformed envelope" only --verbose shows, and no receipt is owed.
    @Test func aMessageTheDatabaseRefusesIsReportedWithTheReason() throws {
        let (north, east) = try pair()
        let queue = try DatabaseQueue(path: north.path + "/messages.sqlite")
        try queue.write { db in
            try db.execute(sql: "CREATE TRIGGER full BEFORE INSERT ON message BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END")
        }
        try queue.close()
        let m = try east.messenger.compose(to: "alice", text: "the ford is closed")
        let outcome = north.messenger.receive(heard(m, from: 0xEA57, id: 31))
        guard case .notStored(let contact, let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(contact == "bob" && reason.contains("disk is full"), "\(reason)")
        #expect(try north.messenger.store.receiptsDue(readReceipts: false, since: 0).isEmpty)
    }
}
