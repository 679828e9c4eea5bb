import Foundation
import MeshSim
import Testing
import TestSupport

/// Two people at the ends of a chain of radios, with a home each.
final class Chain: @unchecked Sendable {
    let sim: RunningSim
    let root: String
    /// The radios the homes "a" and "b" use.
    let radios: [String: String]
    /// For the commands: their clock and protocol timers run at the simulator's speed.
    let environment: [String: String]
    init(_ scenario: Scenario, speed: Double = 10, ends: (String, String) = ("a", "b"), scaledTime: Bool = true) async throws {
        root = NSTemporaryDirectory() + "lora-msg-chain-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        sim = try RunningSim(scenario, speed: speed, capture: root + "/air.jsonl")
        radios = ["a": ends.0, "b": ends.1]
        environment = scaledTime ? sim.clockEnvironment : [:]
        await sim.waitForLinks()
        try TestHomes.pair("a", "b", at: home)
    }
    func home(_ n: String) -> String { root + "/" + n }
    /// Every event on the air so far, as `sim --capture` writes it.
    func air() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: root + "/air.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
    func run(_ n: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try CLI.run(args + ["--home", home(n), "--port", sim.link(radios[n] ?? n)], environment: environment)
    }
    func tail(_ n: String, _ extra: [String] = []) throws -> Background {
        try Background(["tail", "--home", home(n), "--port", sim.link(radios[n] ?? n)] + extra, environment: environment)
    }
    func close() { sim.stop(); try? FileManager.default.removeItem(atPath: root) }

    /// The built-in line-5 (five radios 2 km apart, each hearing only its neighbours), 10 % loss on
    /// each of its four links: n1 to n5 is three relays away.
    static let lossyLine5 = Scenario(
        name: "lossy-line-5", nodes: Scenario.line5.nodes,
        links: (1..<5).map { Scenario.Link(a: "n\($0)", b: "n\($0 + 1)", loss: 0.1) })
    static let pair = Scenario(name: "pair", nodes: [Scenario.Node(name: "a"), Scenario.Node(name: "b")],
                               links: [Scenario.Link(a: "a", b: "b", distanceMetres: 500)])
}

/// A text of `bytes` bytes of words in no pattern deflate can exploit much.
func prose(bytes: Int, seed: UInt64) -> String {
    let words = ["river", "flood", "bridge", "north", "field", "sheep", "tractor", "road", "closed", "water", "rising", "barn",
                 "ridge", "radio", "tonight", "morning", "fence", "gate", "well", "pump", "feed", "hay", "storm", "east"]
    var x = seed, out = ""
    while out.utf8.count < bytes {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        out += words[Int(x >> 33) % words.count] + (x >> 20 & 7 == 0 ? ". " : " ")
    }
    return String(out.utf8.prefix(bytes))!
}

@Suite(.serialized) struct LongMessageCommandTests {
    /// 4 KiB from one end of the lossy line-5 relay chain to the other: arrives intact and
    /// once; neither database holds a word of it in the clear.
    @Test func fourKiBOverTheLossyLine5ChainArrivesIntactAndOnce() async throws {
        let c = try await Chain(Chain.lossyLine5, speed: 20, ends: ("n1", "n5"), scaledTime: true)
        defer { c.close() }
        let tail = try c.tail("b", ["--json"])
        defer { tail.stop() }
        try await listening(tail)
        let text = prose(bytes: 4096, seed: 7) + "zebracorn"
        let tooLong = try c.run("a", ["send", "b", text])
        #expect(tooLong.status == 65 && tooLong.err.contains("over the 4096-byte limit"), "\(tooLong.err)")
        let body = String(text.utf8.prefix(4096))!
        let marker = "unicornfield"
        let message = marker + String(body.dropFirst(marker.count))
        let r = try c.run("a", ["send", "b", message, "--wait", "delivered", "--timeout", "2400"])
        #expect(r.status == 0, "\(r.err.suffix(600))")
        #expect(r.out.hasPrefix("delivered"), "\(r.out)")
        // Progress, one line per change off a terminal: chunks confirmed of all, and the time left.
        let progress = r.err.split(separator: "\n").filter { $0.contains(" confirmed, ") }
        #expect(progress.first?.contains(/^0\/\d+ confirmed, \d+ sent this pass, about \d+ (s|min) left$/) == true, "\(r.err.prefix(400))")
        #expect(tail.err.contains(/receiving \d+\/\d+ from a …/), "\(tail.err.prefix(400))")
        #expect(await tail.wait(timeout: 30) { tail.lines.contains { $0.contains(marker) } })
        let lines = tail.lines.filter { $0.contains("\"kind\":\"text\"") }
        #expect(lines.count == 1, "once")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(json["text"] as? String == message, "intact")
        tail.stop()
        for h in ["a", "b"] {
            for suffix in ["", "-wal"] {
                let raw = (try? Data(contentsOf: URL(fileURLWithPath: c.home(h) + "/messages.sqlite" + suffix))) ?? Data()
                #expect(raw.range(of: Data(marker.utf8)) == nil, "\(h)\(suffix) holds plaintext")
            }
        }
        let hist = try CLI.run(["history", "a", "--json", "--home", c.home("b")])
        #expect(hist.out.contains(marker), "history reassembles it from the stored chunks")
        // The air, as a listener with the channel key records it: it went n1 → n2 → n3 → n4 → n5
        // (each relay forwarded n1's packets), and no transmission holds a word of it.
        let air = c.air()
        let sent = air.filter { $0["event"] as? String == "transmitted" }
        let n1 = try #require(sent.first { $0["station"] as? String == "n1" }?["from"] as? String)
        for relay in ["n2", "n3", "n4"] {
            #expect(sent.contains { $0["station"] as? String == relay && $0["from"] as? String == n1 }, "\(relay) forwarded")
        }
        let markerHex = Data(marker.utf8).map { String(format: "%02x", $0) }.joined()
        #expect(!sent.isEmpty && sent.allSatisfy { !(($0["bytes"] as? String) ?? markerHex).contains(markerHex) })
    }

    /// A file goes over, stays sealed, and comes out byte-equal only when asked.
    @Test func fileRoundTripIsByteEqual() async throws {
        let c = try await Chain(Chain.pair)
        defer { c.close() }
        let tail = try c.tail("b", ["--json"])
        defer { tail.stop() }
        try await listening(tail)
        var bytes = [UInt8](repeating: 0, count: 5000)
        var x: UInt32 = 99
        for i in bytes.indices { x = x &* 1_103_515_245 &+ 12345; bytes[i] = UInt8(x >> 24) }
        let src = c.root + "/map.png"
        try Data(bytes).write(to: URL(fileURLWithPath: src))
        let r = try c.run("a", ["send", "b", "--file", src, "--wait", "delivered", "--timeout", "3000"])
        #expect(r.status == 0, "\(r.err.suffix(400))")
        #expect(await tail.wait(timeout: 30) { tail.lines.contains { $0.contains("\"kind\":\"file\"") } })
        let line = try #require(tail.lines.first { $0.contains("\"kind\":\"file\"") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["file_name"] as? String == "map.png" && json["media_type"] as? String == "image/png" && json["size"] as? Int == 5000)
        let id = try #require(json["id"] as? String)
        let out = c.root + "/saved.png"
        let saved = try CLI.run(["save", String(id.prefix(8)), out, "--home", c.home("b")])
        #expect(saved.status == 0, "\(saved.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(bytes))
        let again = try CLI.run(["save", String(id.prefix(8)), out, "--home", c.home("b")])
        #expect(again.status == 73 && again.err.contains("exists"), "never overwritten: \(again.err)")
        // Bad ids: unknown (66), and a text is not a file (65).
        #expect(try CLI.run(["save", "ffffffff", out + "2", "--home", c.home("b")]).status == 66)
        #expect(try c.run("a", ["send", "b", "just a short text"]).status == 0)
        let textID = try #require(try RawDB.rows(c.home("a") + "/messages.sqlite", "SELECT id FROM message WHERE transfer_id IS NULL").first?["id"] as String?)
        let notAFile = try CLI.run(["save", String(textID.prefix(8)), out + "3", "--home", c.home("a")])
        #expect(notAFile.status == 65 && notAFile.err.contains("not a file"), "\(notAFile.err)")
        // Limits, each one line with a non-zero exit.
        let big = c.root + "/big.bin"
        try Data(count: 16 * 1024 + 1).write(to: URL(fileURLWithPath: big))
        let refused = try c.run("a", ["send", "b", "--file", big])
        #expect(refused.status == 65 && refused.err.contains("16 KiB"), "\(refused.err)")
        #expect(try c.run("a", ["send", "b", "--file", c.root + "/absent"]).status == 65)
        #expect(try c.run("a", ["send", "b", "hi", "--file", src]).status == 64)
    }

    /// kill -9 of the receiver, then of the sender, mid-transfer: each comes back from its
    /// store (the receiver keeps the chunks it held, the sender sends what was not yet taken)
    /// and the file arrives once, byte-equal; the receiver never wrote it out in the clear.
    @Test func killedMidTransferOnEitherSideResumesFromTheStore() async throws {
        let c = try await Chain(Chain.pair, speed: 10)
        defer { c.close() }
        let dbA = c.home("a") + "/messages.sqlite", dbB = c.home("b") + "/messages.sqlite"
        func count(_ db: String, _ sql: String) -> Int { ((try? RawDB.rows(db, sql))?.first?["n"] as Int?) ?? 0 }
        let held = { count(dbB, "SELECT count(*) AS n FROM chunk WHERE direction = 'in'") }
        let sent = { count(dbA, "SELECT count(*) AS n FROM chunk WHERE direction = 'out' AND sends > 0") }
        var bytes = [UInt8](repeating: 0, count: 8000)
        var x: UInt32 = 7
        for i in bytes.indices { x = x &* 1_103_515_245 &+ 12345; bytes[i] = UInt8(x >> 24) }
        let src = c.root + "/survey.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: src))

        var tailB = try c.tail("b", ["--json"])
        try await listening(tailB)
        let t0 = Date()
        let sender = try Background(["send", "b", "--file", src, "--wait", "delivered", "--timeout", "600",
                                     "--home", c.home("a"), "--port", c.sim.link("a")], environment: c.environment)
        #expect(await sender.wait(timeout: 60) { held() >= 5 }, "\(sender.err.suffix(300))")
        tailB.kill9()
        let heldAtDeath = held()
        sender.kill9()
        let total = count(dbA, "SELECT count(*) AS n FROM chunk WHERE direction = 'out'")
        let sentAtDeath = sent()
        #expect(sentAtDeath < total, "the sender died mid-pass (\(sentAtDeath) of \(total))")
        #expect(held() < total)
        for db in [dbB, dbB + "-wal"] {
            let raw = (try? Data(contentsOf: URL(fileURLWithPath: db))) ?? Data()
            #expect(raw.range(of: Data(bytes[1000..<1016])) == nil, "\(db) holds plaintext")
        }

        // Both come back; the receiver's tail picks up, the sender's tail resumes the outbox.
        tailB = try c.tail("b", ["--json"])
        defer { tailB.stop() }
        try await listening(tailB)
        #expect(held() >= heldAtDeath, "the chunks held before the kill were kept")
        let tailA = try c.tail("a", ["--verbose"])
        defer { tailA.stop() }
        print("[kill -9 mid-transfer] both back after \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
        #expect(await tailB.wait(timeout: 180) { tailB.lines.contains { $0.contains("\"kind\":\"file\"") } }, "\(tailA.err.suffix(6000))\n\(tailB.err.suffix(800))")
        #expect(await tailA.wait(timeout: 60) {
            count(dbA, "SELECT count(*) AS n FROM message WHERE direction = 'out' AND state IN ('delivered', 'read')") == 1
        })
        let untouched = count(dbA, "SELECT count(*) AS n FROM chunk WHERE direction = 'out' AND sends > 0")
        #expect(untouched == total)
        #expect(count(dbA, "SELECT count(DISTINCT transfer_id) AS n FROM chunk WHERE direction = 'out'") == 1, "the same transfer resumed")
        let sends = count(dbA, "SELECT sum(sends) AS n FROM chunk WHERE direction = 'out'")
        print("[kill -9 mid-transfer] \(total) chunks; receiver died holding \(heldAtDeath), sender after handing \(sentAtDeath) to its radio; " +
              "\(sends) chunk sends in all, \(String(format: "%.0f", Date().timeIntervalSince(t0))) s")
        tailB.stop()
        let id = try #require(try RawDB.rows(dbB, "SELECT id FROM message WHERE direction = 'in'").first?["id"] as String?)
        #expect(try RawDB.rows(dbB, "SELECT id FROM message WHERE direction = 'in'").count == 1, "once")
        let out = c.root + "/saved.bin"
        #expect(try CLI.run(["save", String(id.prefix(8)), out, "--home", c.home("b")]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(bytes))
    }
}
