import Foundation
import MeshSim
import Testing
import TestSupport

/// Alice on the north farm, bob in the east, the mailbox on the ridge between them.
final class MailboxValley: @unchecked Sendable {
    let sim: RunningSim
    let root: String
    let environment: [String: String]
    let radio = ["alice": "north", "ridge": "ridge", "bob": "east"]

    init(speed: Double = 10) async throws {
        root = NSTemporaryDirectory() + "lora-msg-mailbox-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        sim = try RunningSim(.valley, speed: speed, capture: root + "/air.jsonl")
        environment = sim.clockEnvironment
        await sim.waitForLinks()
        let keys = try TestHomes.create(["alice", "bob", "ridge"], at: home)
        for (me, other) in [("alice", "bob"), ("bob", "alice"), ("bob", "ridge"), ("ridge", "bob")] {
            let r = try CLI.run(["contact", "add", other, keys[other] ?? "", "--node", sim.nodeID(radio[other]!), "--home", home(me)])
            try #require(r.status == 0, "\(r.err)")
        }
    }

    func home(_ n: String) -> String { root + "/" + n }
    func run(_ n: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try CLI.run(args + ["--home", home(n), "--port", sim.link(radio[n]!)], environment: environment)
    }
    func offline(_ n: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try CLI.run(args + ["--home", home(n)], environment: environment)
    }
    func background(_ n: String, _ args: [String]) throws -> Background {
        try Background(args + ["--home", home(n), "--port", sim.link(radio[n]!)], environment: environment)
    }
    func close() { sim.stop(); try? FileManager.default.removeItem(atPath: root) }
}

@Suite(.serialized) struct MailboxCommandTests {
    /// Five messages while bob's radio is off; alice's lora-msg exits; the mailbox is killed
    /// (-9) and restarted; bob comes back: all five, once each; alice's next tail shows them
    /// delivered; the mailbox keeps nothing for bob and never held a word in the clear.
    @Test func fiveMessagesWaitForBobAtTheRidge() async throws {
        let v = try await MailboxValley()
        defer { v.close() }
        var ridge = try v.background("ridge", ["mailbox", "serve"])
        defer { ridge.stop() }
        #expect(await ridge.wait(timeout: 20) { ridge.err.contains("mailbox listening on") }, "\(ridge.err)")
        let aliceTail = try v.background("alice", ["tail", "--verbose"])
        try await listening(aliceTail)

        let use = try v.run("bob", ["mailbox", "use", "ridge"])
        #expect(use.status == 0 && use.out.contains("mailbox: ridge"), "\(use.err)")
        #expect(await ridge.wait(timeout: 60) { ridge.err.contains("'bob' uses this mailbox") }, "\(ridge.err)")
        #expect(await aliceTail.wait(timeout: 60) { aliceTail.err.contains("'bob' uses the mailbox") }, "\(aliceTail.err)")

        await v.sim.power("east", on: false)
        let texts = (1...5).map { "message \($0) while bob was away" }
        for (i, t) in texts.enumerated() {
            // Three left at once, two after their sends went unanswered.
            let r = try v.run("alice", ["send", "bob", t] + (i < 3 ? ["--via-mailbox"] : []))
            #expect(r.status == 0, "\(r.err)")
        }
        #expect(await ridge.wait(timeout: 240) { ridge.err.contains("mailbox: 1 user, 5 frames held") }, "\(ridge.err.suffix(800))\n\(aliceTail.err.suffix(800))")
        #expect(aliceTail.err.components(separatedBy: "no receipt after 2 sends; a copy is left with").count - 1 == 2, "\(aliceTail.err.suffix(800))")
        aliceTail.stop()

        // The mailbox dies hard and comes back: what it held is on disk.
        kill(ridge.process.processIdentifier, SIGKILL)
        ridge.process.waitUntilExit()
        ridge = try v.background("ridge", ["mailbox", "serve"])
        #expect(await ridge.wait(timeout: 20) { ridge.err.contains("mailbox: 1 user, 5 frames held") }, "\(ridge.err)")

        await v.sim.power("east", on: true)
        let bob = try v.background("bob", ["tail", "--json"])
        defer { bob.stop() }
        try await listening(bob)
        #expect(await bob.wait(timeout: 240) { texts.allSatisfy { t in bob.out.contains(t) } }, "\(bob.out)\n\(bob.err.suffix(600))\n\(ridge.err.suffix(600))")
        for t in texts { #expect(bob.lines.filter { $0.contains(t) }.count == 1, "shown once: \(t)") }
        #expect(await ridge.wait(timeout: 120) { ridge.err.contains("mailbox: 1 user, 0 frames held") }, "\(ridge.err.suffix(600))")
        let status = try v.offline("ridge", ["mailbox", "status"])
        #expect(status.out.contains("serving: 1 user, 0 frames held"), "\(status.out)")
        ridge.stop()
        let db = try Data(contentsOf: URL(fileURLWithPath: v.home("ridge") + "/messages.sqlite"))
        for t in texts { #expect(db.range(of: Data(t.utf8)) == nil, "the mailbox's database holds no plaintext") }

        // Alice's radio kept bob's receipts while she was away (or they come while her tail runs).
        let again = try v.background("alice", ["tail"])
        try await listening(again)
        var delivered = 0
        for _ in 0..<300 {
            let h = try v.offline("alice", ["history", "bob", "--json"])
            delivered = h.out.split(separator: "\n").filter { $0.contains("\"state\":\"delivered\"") }.count
            if delivered == 5 { break }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        again.stop()
        let shown = try v.offline("alice", ["history", "bob"]).out
        #expect(delivered == 5, "\(shown)")
    }
}
