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
        let sh = try WatchedProcess("/bin/sh", ["-c", "'\(BuiltBinary.lora)' tail --home '\(v.home("east"))' --port '\(v.port("east"))' | head -1 >'\(v.root)/head.out'"])
        #expect(await sh.stderr(contains: "listening"), "\(sh.err)")
        for text in ["first of two", "second of two", "third, if still running"] {
            let r = try v.run("north", ["send", "east", text, "--port", v.port("north")])
            #expect(r.status == 0, "\(r.err)")
            if sh.hasExited { break }
        }
        await sh.exit()
        #expect(!sh.killedByWatchdog, "tail kept running into a closed pipe")
        #expect(((try? String(contentsOfFile: v.root + "/head.out", encoding: .utf8)) ?? "").contains("first of two"))
    }
}

/// A child process whose stderr and exit the test awaits as events (no polling). A watchdog
/// kills it after `limit` seconds, so a test that waits for something that never comes ends,
/// and says so (`killedByWatchdog`).
final class WatchedProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var text = ""
    private var waiters: [(String, CheckedContinuation<Bool, Never>)] = []
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    private var exited = false
    private var watchdogFired = false

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], limit: Double = 120) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, value) in environment { env[k] = value }
        process.environment = env
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            if d.isEmpty { h.readabilityHandler = nil; self?.settle(eof: true); return }
            self?.lock.withLock { self?.text += String(decoding: d, as: UTF8.self) }
            self?.settle(eof: false)
        }
        process.terminationHandler = { [weak self] _ in
            guard let self else { return }
            let waiting = self.lock.withLock { () -> [CheckedContinuation<Void, Never>] in
                self.exited = true
                defer { self.exitWaiters.removeAll() }
                return self.exitWaiters
            }
            for w in waiting { w.resume() }
            self.settle(eof: true)
        }
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + limit) { [weak self] in
            guard let self, self.process.isRunning else { return }
            self.lock.withLock { self.watchdogFired = true }
            self.process.terminate()
        }
    }

    var err: String { lock.withLock { text } }
    var hasExited: Bool { lock.withLock { exited } }
    var killedByWatchdog: Bool { lock.withLock { watchdogFired } }
    func terminate() { process.terminate() }

    /// True once stderr holds `needle`; false if the process ended first.
    func stderr(contains needle: String) async -> Bool {
        await withCheckedContinuation { c in
            let now: Bool? = lock.withLock {
                if text.contains(needle) { return true }
                if exited { return false }
                waiters.append((needle, c))
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }

    /// Returns when the process has ended.
    func exit() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = lock.withLock { () -> Bool in
                if exited { return true }
                exitWaiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }

    private func settle(eof: Bool) {
        let ready = lock.withLock { () -> [(CheckedContinuation<Bool, Never>, Bool)] in
            var out: [(CheckedContinuation<Bool, Never>, Bool)] = []
            waiters.removeAll { needle, c in
                if text.contains(needle) { out.append((c, true)); return true }
                if eof && exited { out.append((c, false)); return true }
                return false
            }
            return out
        }
        for (c, v) in ready { c.resume(returning: v) }
    }
}

@Suite(.serialized) struct BenchInterruptTests {
    /// Minor: `bench` killed by SIGTERM left its temporary homes behind.
    @Test func aTerminatedBenchLeavesNoTemporaryHome() async throws {
        let tmp = NSTemporaryDirectory() + "lora-msg-benchterm-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let bench = try WatchedProcess(BuiltBinary.lora, ["bench", "--sim", "line-5", "--count", "50", "--speed", "2"],
                                       environment: ["TMPDIR": tmp + "/"])
        // "bench: A !node on …" is printed once both throwaway homes exist and their radios answer.
        #expect(await bench.stderr(contains: "bench: A "), "\(bench.err)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).contains { $0.hasPrefix("lora-msg-bench-") })
        bench.terminate()   // SIGTERM
        await bench.exit()
        #expect(!bench.killedByWatchdog)
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("lora-msg-bench-") }
        #expect(left.isEmpty, "\(left)")
    }
}
