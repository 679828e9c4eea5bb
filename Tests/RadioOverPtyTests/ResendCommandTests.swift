import Foundation
import MeshSim
import Testing
import TestSupport

/// End-to-end resending as a user meets it: a message whose receipt does not come back is sent
/// again by the running `tail`, the outbox says which attempt and when the next, and past the
/// last attempt the message fails with the reason.
@Suite(.serialized) struct ResendCommandTests {
    /// Two radios whose link loses everything: nothing a sends reaches b.
    static let deaf = Scenario(name: "deaf", nodes: [Scenario.Node(name: "a"), Scenario.Node(name: "b")],
                               links: [Scenario.Link(a: "a", b: "b", distanceMetres: 500, loss: 1.0)])

    @Test func tailSendsAgainUntilTheAttemptsRunOutThenFailsWithTheReason() async throws {
        let c = try await Chain(Self.deaf, speed: 20)
        defer { c.close() }
        let set = try CLI.run(["config", "resend", "--attempts", "3", "--ttl", "2h", "--home", c.home("a")])
        #expect(set.out.contains("resend: 3 attempts within 2h"), "\(set.out)\(set.err)")
        let bad = try CLI.run(["config", "resend", "--attempts", "0", "--home", c.home("a")])
        #expect(bad.status == 64 && bad.err.contains("1…20"), "\(bad.err)")
        let r = try c.run("a", ["send", "b", "are you there?", "--broadcast", "--wait", "queued"])
        #expect(r.status == 0, "\(r.err)")
        let listed = try CLI.run(["outbox", "--home", c.home("a")], environment: c.environment)
        #expect(listed.out.contains(/attempt 1 of 3, next in \d+ (s|min)/), "\(listed.out)")
        let json = try CLI.run(["outbox", "--json", "--home", c.home("a")], environment: c.environment).out
        #expect(json.contains("\"resend\":\"attempt 1 of 3") && json.contains("\"next_attempt_at\":\""), "\(json)")
        let tail = try c.tail("a", ["--verbose"])
        defer { tail.stop() }
        #expect(await tail.wait(timeout: 120) { tail.err.contains("sent again (attempt 3 of 3)") }, "\(tail.err.suffix(800))")
        #expect(await tail.wait(timeout: 120) {
            ((try? RawDB.rows(c.home("a") + "/messages.sqlite", "SELECT failure FROM message").first?["failure"]) as String?) == "no receipt after 3 sends"
        }, "\(tail.err.suffix(800))")
        let row = try #require(try RawDB.rows(c.home("a") + "/messages.sqlite", "SELECT failure, round_sends FROM message").first)
        #expect(row["failure"] as String? == "no receipt after 3 sends")
        #expect(row["round_sends"] as Int? == 3)
        #expect(try RawDB.rows(c.home("a") + "/messages.sqlite", "SELECT state FROM message").first?["state"] as String? == "failed")
        // The air: three packets (each retransmitted by the radio itself for want of a relay;
        // the channel layer encrypts each under its own packet id).
        let sent = c.air().filter { $0["event"] as? String == "transmitted" && $0["station"] as? String == "a" }
        #expect(Set(sent.compactMap { $0["id"] as? Int }).count == 3, "\(sent.count)")
        // 'outbox retry' still sends it, in a new round.
        tail.stop()
        let again = try c.run("a", ["outbox", "retry", "--timeout", "60"])
        #expect(again.status == 0, "\(again.err)")
        #expect(try CLI.run(["outbox", "--home", c.home("a")], environment: c.environment).out.contains("attempt 1 of 3"))
    }
}
