import Foundation
import MeshSim
import Testing
import TestSupport

/// Hardening 3 as a user meets it, on the virtual radios that now keep a client's hop limit 0
/// for packets without want_ack (firmware `Router::sendLocal`).
@Suite(.serialized) struct Hardening3CommandTests {
    /// A contact request (a broadcast without want_ack) from one end of line-5 reaches the other
    /// end, three relays away. Before the fix it went out with hop limit 0 and stopped at n2.
    @Test func aContactRequestCrossesLine5() async throws {
        let c = try await Chain(.line5, speed: 20, ends: ("n1", "n5"))
        defer { c.close() }
        let far = c.root + "/far", near = c.root + "/near"
        for h in [far, near] { #expect(try CLI.run(["init", "--home", h]).status == 0) }
        let tail = try Background(["tail", "--home", far, "--port", c.sim.link("n5")], environment: c.environment)
        defer { tail.stop() }
        try await listening(tail)
        let req = try CLI.run(["contact", "request", "--as", "north farm", "--home", near, "--port", c.sim.link("n1")], environment: c.environment)
        #expect(req.status == 0, "\(req.err)")
        #expect(await tail.wait(timeout: 60) { tail.err.contains("contact request from 'north farm'") }, "\(tail.err)")
        // On the air: n1's request left with the radio's hop limit, and n4 relayed it.
        let sent = c.air().filter { $0["event"] as? String == "transmitted" }
        let n1 = try #require(sent.first { $0["station"] as? String == "n1" })
        #expect(n1["hop_limit"] as? Int == 3, "\(n1)")
        #expect(sent.contains { $0["station"] as? String == "n4" && $0["from"] as? String == n1["from"] as? String })
    }

    /// A text of several chunks (sent without want_ack after the first) crosses line-5 whole.
    @Test func aChunkedTextCrossesLine5() async throws {
        let c = try await Chain(.line5, speed: 20, ends: ("n1", "n5"))
        defer { c.close() }
        let tail = try c.tail("b", ["--json"])
        defer { tail.stop() }
        try await listening(tail)
        let text = "hoplimit " + prose(bytes: 700, seed: 3)
        let r = try c.run("a", ["send", "b", text, "--wait", "delivered", "--timeout", "1200"])
        #expect(r.status == 0, "\(r.err.suffix(600))")
        #expect(await tail.wait(timeout: 30) { tail.lines.contains { $0.contains("hoplimit ") } })
        // n1's own transmissions big enough to be chunks (not its radio's ACKs, not relays).
        let chunks = c.air().filter {
            $0["event"] as? String == "transmitted" && $0["station"] as? String == "n1" && ($0["bytes"] as? String ?? "").count > 240
        }
        #expect(chunks.count >= 2 && chunks.allSatisfy { ($0["hop_limit"] as? Int ?? 0) == 3 }, "\(chunks.map { $0["hop_limit"] ?? "?" })")
    }

    /// Minor: `tail | head -1` exits once head has gone, instead of taking in messages nobody
    /// sees. The second message's line meets the closed pipe, and tail stops.
    @Test func tailIntoAClosedPipeExits() async throws {
        let v = try await Valley()
        defer { v.close() }
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.arguments = ["-c", "'\(BuiltBinary.lora)' tail --home '\(v.home("east"))' --port '\(v.port("east"))' 2>'\(v.root)/tail.err' | head -1 >'\(v.root)/head.out'"]
        try sh.run()
        let listening = await waitUntil(timeout: 20) {
            ((try? String(contentsOfFile: v.root + "/tail.err", encoding: .utf8)) ?? "").contains("listening")
        }
        #expect(listening)
        for text in ["first of two", "second of two", "third, if still running"] {
            let r = try v.run("north", ["send", "east", text, "--port", v.port("north")])
            #expect(r.status == 0, "\(r.err)")
            if !sh.isRunning { break }
        }
        #expect(await waitUntil(timeout: 60) { !sh.isRunning }, "tail kept running into a closed pipe")
        if sh.isRunning { sh.terminate() }
        #expect(((try? String(contentsOfFile: v.root + "/head.out", encoding: .utf8)) ?? "").contains("first of two"))
    }
}

/// Polls `condition` (a few times a second) until it holds or `timeout` seconds pass.
func waitUntil(timeout: Double, _ condition: () -> Bool) async -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 100_000_000)
    }
    return condition()
}

@Suite(.serialized) struct BenchInterruptTests {
    /// Minor: `bench` killed by SIGTERM left its temporary homes behind.
    @Test func aTerminatedBenchLeavesNoTemporaryHome() async throws {
        let tmp = NSTemporaryDirectory() + "lora-msg-benchterm-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let bench = try Background(["bench", "--sim", "line-5", "--count", "50", "--speed", "2"], environment: ["TMPDIR": tmp + "/"])
        let started = await waitUntil(timeout: 30) {
            ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).contains { $0.hasPrefix("lora-msg-bench-") }
        }
        #expect(started, "the bench never made its homes")
        bench.process.terminate()   // SIGTERM
        #expect(await waitUntil(timeout: 20) { !bench.process.isRunning })
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("lora-msg-bench-") }
        #expect(left.isEmpty, "\(left)")
    }
}
