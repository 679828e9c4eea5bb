import Foundation
import GRDB
import MessageStore
import Testing
@testable import MeshSim

/// A lora-msg process running in the background (tail), its output collected as it comes.
final class Background: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var outBytes = Data(), errBytes = Data()

    init(_ args: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["LORA_MSG_PORT"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out; process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.lock(); self?.outBytes.append(d); self?.lock.unlock()
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.lock(); self?.errBytes.append(d); self?.lock.unlock()
        }
        try process.run()
    }

    var out: String { lock.lock(); defer { lock.unlock() }; return String(decoding: outBytes, as: UTF8.self) }
    var err: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errBytes, as: UTF8.self) }
    var lines: [String] { out.split(separator: "\n").map(String.init) }

    /// Polls until `condition` holds or `timeout` seconds pass.
    func wait(timeout: Double = 15, until condition: () -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return condition()
    }

    func exited(timeout: Double = 15) async -> Int32? {
        await wait(timeout: timeout) { !process.isRunning } ? process.terminationStatus : nil
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    func kill9() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Waits until each `tail` says it holds its radio (its "listening" line), instead of a sleep.
func listening(_ tails: Background..., timeout: Double = 15) async throws {
    for t in tails {
        let ok = await t.wait(timeout: timeout) { t.err.contains("lora-msg: listening on") }
        try #require(ok, "tail did not start listening: \(t.err)")
    }
}

/// Three people in the valley, each with a home and their own radio, who know each other.
final class Valley: @unchecked Sendable {
    let sim: RunningSim
    let root: String
    var names: [String] { ["north", "ridge", "east"] }

    init() async throws {
        sim = try RunningSim(.valley, speed: 4)
        root = NSTemporaryDirectory() + "lora-msg-valley-" + UUID().uuidString.prefix(8)
        await sim.waitForLinks()
        var keys: [String: String] = [:]
        for n in names {
            let r = try CLI.run(["init", "--home", home(n)])
            try #require(r.status == 0, "\(r.err)")
            let id = try CLI.run(["id", "--json", "--home", home(n)])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(id.out.utf8)) as? [String: Any])
            keys[n] = json["public_key"] as? String
        }
        for a in names { for b in names where a != b {
            let r = try CLI.run(["contact", "add", b, keys[b]!, "--home", home(a)])
            try #require(r.status == 0, "\(r.err)")
        } }
    }

    func home(_ n: String) -> String { root + "/" + n }
    func port(_ n: String) -> String { sim.link(n) }
    func node(_ n: String) -> String { sim.nodeID(n) }
    func db(_ n: String) -> String { home(n) + "/messages.sqlite" }

    func run(_ n: String, _ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        try CLI.run(args + ["--home", home(n)], environment: environment)
    }

    func tail(_ n: String, _ extra: [String] = []) throws -> Background {
        try Background(["tail", "--home", home(n), "--port", port(n)] + extra)
    }

    func close() {
        sim.stop()
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Reads and edits a home's database behind lora-msg's back.
enum RawDB {
    static func rows(_ path: String, _ sql: String) throws -> [Row] {
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        return try q.read { db in try Row.fetchAll(db, sql: sql) }
    }

    /// Flips one bit of the n-th stored envelope (by creation time), as bit rot would.
    static func flipEnvelopeByte(_ path: String, messageIndex: Int, at offset: Int) throws {
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, envelope FROM message ORDER BY created_at")
            var env = [UInt8](rows[messageIndex]["envelope"] as Data)
            env[offset] ^= 0x01
            try db.execute(sql: "UPDATE message SET envelope = ? WHERE id = ?", arguments: [Data(env), rows[messageIndex]["id"] as String])
        }
        try q.close()
    }

    static func execute(_ path: String, _ sql: String) throws {
        let q = try DatabaseQueue(path: path)
        try q.write { db in try db.execute(sql: sql) }
        try q.close()
    }
}

@Suite(.serialized) struct MessengerCommandTests {
    @Test func sendToTailRoundTripInTextAndJSON() async throws {
        let v = try await Valley()
        defer { v.close() }
        let text = try v.tail("east", ["--count", "1"])
        let json = try Background(["tail", "--home", v.home("ridge"), "--port", v.port("ridge"), "--json", "--count", "1"])
        defer { text.stop(); json.stop() }
        try await listening(text, json)
        var r = try v.run("north", ["send", "east", "meet at the ford", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("queued") && r.out.contains("to east") && r.out.contains("broadcast"))
        r = try v.run("north", ["send", "ridge", "bring rope", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        #expect(await text.exited() == 0)
        #expect(await json.exited() == 0)
        let line = try #require(text.lines.first)
        // time  name  (hops, RSSI, SNR)  text
        #expect(line.range(of: #"^\d\d:\d\d:\d\d  north  \(\d+ hops?, -?\d+ dBm, -?\d+\.\d dB\)  meet at the ford$"#, options: .regularExpression) != nil, "\(line)")
        let first = try #require(json.lines.first)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(obj["text"] as? String == "bring rope" && obj["contact"] as? String == "north")
        #expect(obj["node"] as? String == v.node("north"))
        #expect((obj["sender_id"] as? String)?.count == 16 && (obj["id"] as? String)?.count == 36)
        #expect(obj["hops"] is Int && obj["rssi"] is Int && obj["snr"] is Double)
        let received = try #require(obj["received_at"] as? String)
        #expect(received.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"#, options: .regularExpression) != nil)
        // Each tail showed only its own message: east cannot open ridge's and says nothing.
        #expect(text.lines.count == 1 && json.lines.count == 1)
    }

    @Test func directMessageIsAckedAndBroadcastIsRelayed() async throws {
        let v = try await Valley()
        defer { v.close() }
        // Pin east's radio on north's side: a DM that east's radio acknowledges.
        let east = try v.run("north", ["contact", "show", "east", "--json"])
        let key = try #require((try JSONSerialization.jsonObject(with: Data(east.out.utf8)) as? [String: Any])?["public_key"] as? String)
        #expect(try v.run("north", ["contact", "remove", "east"]).status == 0)
        #expect(try v.run("north", ["contact", "add", "east", key, "--node", v.node("east")]).status == 0)
        let tail = try v.tail("east", ["--count", "2"])
        defer { tail.stop() }
        try await listening(tail)
        var r = try v.run("north", ["send", "east", "acked please", "--wait", "ack", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("acked") && r.out.contains("DM to \(v.node("east"))"))
        r = try v.run("north", ["send", "east", "to all who hear", "--broadcast", "--wait", "relayed", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("relayed") && r.out.contains("broadcast"))
        #expect(await tail.exited() == 0)
        #expect(tail.out.contains("acked please") && tail.out.contains("to all who hear"))
        let states = try RawDB.rows(v.db("north"), "SELECT state FROM message ORDER BY created_at").map { $0["state"] as String }
        // The first may have its receipt by now: the broadcast waited for it (a new message is
        // held while an earlier one's receipt is on its way back, ResendEngine.holdNewMessage).
        #expect(states == ["acked", "relayed"] || states == ["delivered", "relayed"], "\(states)")
    }

    @Test func unknownContactAndOverlongMessageSendNothing() async throws {
        let v = try await Valley()
        defer { v.close() }
        // An absent port: had either command tried the radio, it would exit 69, not 66 or 65.
        var r = try v.run("north", ["send", "nobody", "hi", "--port", "/dev/lora-msg-absent"])
        #expect(r.status == 66 && r.err.contains("no contact named 'nobody'"))
        // Over 151 bytes a text goes in chunks; over 4096 bytes it is refused before storing.
        r = try v.run("north", ["send", "east", String(repeating: "é", count: 2049), "--port", "/dev/lora-msg-absent"])
        #expect(r.status == 65 && r.err.contains("4098 bytes") && r.err.contains("2 over"), "\(r.err)")
        #expect(r.err.split(separator: "\n").count == 1)
        #expect(try RawDB.rows(v.db("north"), "SELECT id FROM message").isEmpty)
        r = try v.run("north", ["outbox"])
        #expect(r.status == 0 && r.out.contains("outbox is empty"))
    }

    @Test func aResentEnvelopeIsShownOnce() async throws {
        let v = try await Valley()
        defer { v.close() }
        let tail = try v.tail("east", ["--json", "--verbose"])
        defer { tail.stop() }
        try await listening(tail)
        var r = try v.run("north", ["send", "east", "only once", "--wait", "relayed", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        #expect(await tail.wait { tail.lines.count == 1 })
        // Pretend it failed, so `outbox retry` sends the same envelope in a new packet.
        try RawDB.execute(v.db("north"), "UPDATE message SET state = 'failed', failure = 'test'")
        r = try v.run("north", ["outbox", "retry", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        let attempts = try RawDB.rows(v.db("north"), "SELECT attempts FROM message").map { $0["attempts"] as Int }
        #expect(attempts == [2])
        #expect(await tail.wait { tail.err.contains("a copy of a message already shown") })
        #expect(tail.lines.count == 1)
        #expect(try RawDB.rows(v.db("east"), "SELECT id FROM message").count == 1)
    }

    @Test func historyMarksAFlippedStoredByteAndGoesOn() async throws {
        let v = try await Valley()
        defer { v.close() }
        for text in ["one", "two", "three"] {
            let r = try v.run("north", ["send", "east", text, "--port", v.port("north")])
            #expect(r.status == 0, "\(r.err)")
        }
        try RawDB.flipEnvelopeByte(v.db("north"), messageIndex: 1, at: 40)
        let r = try v.run("north", ["history", "east"])
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix("one") && lines[2].hasSuffix("three"))
        #expect(lines[1].contains("⚠") && lines[1].contains("failed authentication") && !lines[1].contains("two"))
        let json = try v.run("north", ["history", "east", "--json", "--limit", "2"])
        #expect(json.status == 0 && json.out.split(separator: "\n").count == 2)
        #expect(json.out.contains("\"unreadable\"") && json.out.contains("\"text\":\"three\""))
    }

    @Test func killedBetweenStoreAndTransmitIsDeliveredExactlyOnceLater() async throws {
        let v = try await Valley()
        defer { v.close() }
        // A port that never answers: send stores, then hangs in the handshake.
        let silent = try ScriptedDevice()
        let send = try Background(["send", "east", "survive the crash", "--home", v.home("north"), "--port", silent.path])
        let stored = await send.wait {
            ((try? RawDB.rows(v.db("north"), "SELECT state FROM message"))?.map { $0["state"] as String }) == ["pending"]
        }
        #expect(stored)
        send.kill9()
        var r = try v.run("north", ["outbox", "--json"])
        #expect(r.status == 0 && r.out.contains("\"state\":\"pending\""))
        let east = try v.tail("east", ["--verbose"])
        defer { east.stop() }
        try await listening(east)
        // The next tail on north sends what the dead process left.
        let north = try v.tail("north")
        #expect(await east.wait { east.out.contains("survive the crash") })
        let settled = await Background.settle(db: v.db("north"))
        // Sent: the first state seen past pending (a loaded machine may see it only once acked).
        #expect(["queued", "relayed", "acked", "delivered"].contains(settled ?? "none"), "\(settled ?? "none")")
        north.stop()
        r = try v.run("north", ["outbox", "retry", "--port", v.port("north")])
        #expect(r.status == 0 && r.out.contains("outbox is empty"))
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(east.lines.filter { $0.contains("survive the crash") }.count == 1)
        #expect(try RawDB.rows(v.db("east"), "SELECT id FROM message").count == 1)
    }

    @Test func sendWhileTailHoldsThePortIsHandedToIt() async throws {
        let v = try await Valley()
        defer { v.close() }
        let north = try v.tail("north")
        let east = try v.tail("east", ["--count", "1"])
        defer { north.stop(); east.stop() }
        try await listening(north, east)
        let r = try v.run("north", ["send", "east", "through the running tail", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("handed to the running 'lora-msg tail'"))
        #expect(await east.exited() == 0)
        #expect(east.out.contains("through the running tail"))
    }

    @Test func dutyCycleUsedUpWaitsOrExits75() async throws {
        let v = try await Valley()
        defer { v.close() }
        let now = Date().timeIntervalSince1970
        // 359.9 s of north's own airtime in the last hour, the oldest 1.5 s from leaving it.
        try RawDB.execute(v.db("north"), """
            INSERT INTO airtime (started_at, milliseconds) VALUES (\(now - 3600 + 1.5), 2000), (\(now - 60), 357900)
            """)
        var r = try v.run("north", ["send", "east", "not now", "--no-wait", "--port", v.port("north")])
        #expect(r.status == 75, "\(r.err)")
        #expect(r.err.contains("radio duty cycle: next slot in") && r.err.contains("stays in the outbox"))
        #expect(try RawDB.rows(v.db("north"), "SELECT state FROM message").map { $0["state"] as String } == ["pending"])
        // Without --no-wait it says so, waits for the old entry to leave the hour, and sends.
        r = try v.run("north", ["send", "east", "now fits", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("waiting — radio duty cycle, next slot in"))
        #expect(r.out.hasPrefix("queued"))
        let used = try RawDB.rows(v.db("north"), "SELECT count(*) AS n FROM airtime WHERE started_at > \(now)").first?["n"] as Int?
        #expect(used == 1)
    }

    @Test func idDrawsTheKeyAsAQRCode() async throws {
        let v = try await Valley()
        defer { v.close() }
        let r = try v.run("north", ["id", "--qr"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // 44 base64 characters at level M take version 4 (33 modules), or version 3 (29) when the
        // random key's runs of capitals and digits let qrencode mix in alphanumeric segments
        // (a fresh-clone CI run drew one). With the 4-module quiet zone each side: 41 or 37
        // columns, two module rows per line, then key and sender id.
        let qr = lines.prefix { !$0.hasPrefix("public key") }
        let width = qr.first?.count ?? 0
        #expect([37, 41].contains(width), "\(width)")
        #expect(qr.count == (width + 1) / 2)
        #expect(qr.allSatisfy { $0.count == width })
        // Quiet zone all light (drawn): two whole lines, and 4 columns each side.
        #expect(qr[0] == String(repeating: "█", count: width) && qr[1] == qr[0])
        #expect(qr.dropLast().allSatisfy { $0.hasPrefix("████") && $0.hasSuffix("████") })
        // The top-left finder's dark top row starts right after the quiet zone.
        #expect(qr[2].dropFirst(4).prefix(7).allSatisfy { $0 == " " || $0 == "▄" })
        #expect(lines.contains { $0.hasPrefix("public key") })
    }

    @Test func verifyRecordsTheComparisonAndRemoveForgets() async throws {
        let v = try await Valley()
        defer { v.close() }
        #expect(try v.run("north", ["contact", "show", "east"]).out.contains("verified      no"))
        #expect(try v.run("north", ["contact", "verify", "east"]).status == 0)
        let list = try v.run("north", ["contact", "list"])
        #expect(list.out.split(separator: "\n").first { $0.hasPrefix("east") }?.contains(" verified ") == true)
        #expect(try v.run("north", ["contact", "verify", "nobody"]).status == 66)
        #expect(try v.run("north", ["contact", "remove", "east"]).status == 0)
        #expect(try v.run("north", ["send", "east", "hi", "--port", "/dev/lora-msg-absent"]).status == 66)
    }

    @Test func worldReadableKeyFileIsRefusedWith77() async throws {
        let v = try await Valley()
        defer { v.close() }
        chmod(v.home("north") + "/identity.key", 0o644)
        let r = try v.run("north", ["send", "east", "hi", "--port", v.port("north")])
        #expect(r.status == 77 && r.err.contains("chmod 600"), "\(r.err)")
        #expect(try v.run("north", ["tail", "--port", v.port("north")]).status == 77)
    }

    @Test(arguments: [
        (["send", "east", "x", "--channel", "9"], Int32(64), "--channel"),
        (["send", "east", "x", "--hop-limit", "8"], 64, "--hop-limit"),
        (["send", "east", "x", "--wait", "soon"], 64, "soon"),
        (["send", "east", "x", "--broadcast", "--wait", "ack"], 64, "never acknowledged"),
        (["send", "east", "x", "--timeout", "0"], 64, "--timeout"),
        (["send", "east", ""], 65, "empty"),
        (["send", "east"], 64, "text"),
        (["tail", "--count", "0"], 64, "--count"),
        (["history", "east", "--limit", "0"], 64, "--limit"),
        (["history", "nobody"], 66, "no contact named"),
        (["contact", "add", "carol", "AAAA"], 65, "invalid key"),
        (["contact", "add", "carol", String(repeating: "ab", count: 32), "--node", "!zz"], 65, "not a node id"),
        (["contact", "add", "east", String(repeating: "ab", count: 32)], 65, "already exists"),
        (["contact", "show", "nobody"], 66, "no contact named"),
        (["contact", "remove", "nobody"], 66, "no contact named"),
        (["outbox", "retry", "--timeout", "-1"], 64, "--timeout"),
    ])
    func badInputGivesOneLineAndTheRightExitCode(args: [String], status: Int32, message: String) async throws {
        let v = try await Valley()
        defer { v.close() }
        // send and tail get a port that is not there: they must fail on the input before the radio.
        let port = ["send", "tail"].contains(args[0]) ? ["--port", "/dev/lora-msg-absent"] : []
        let r = try v.run("north", args + port)
        #expect(r.status == status, "\(r.err)")
        #expect(r.err.contains(message), "\(r.err)")
        let lines = r.err.split(separator: "\n")
        #expect(lines.count <= 4)
        #expect(lines.first.map { $0.hasPrefix("lora-msg: ") || $0.hasPrefix("Error: ") } == true)
    }

    @Test func tailReconnectsAfterTheCableIsPulled() async throws {
        let v = try await Valley()
        defer { v.close() }
        let east = try v.tail("east", ["--count", "1"])
        defer { east.stop() }
        try await listening(east)
        let station = try #require(v.sim.runtime.ports.firstIndex { $0.name == "east" })
        v.sim.runtime.inject(.unplug(station: station, seconds: 2))   // 0.5 s of wall time at 4×
        #expect(await east.wait { east.err.contains("reconnecting") })
        #expect(await east.wait { east.err.contains("radio back") })
        let r = try v.run("north", ["send", "east", "after the unplug", "--port", v.port("north")])
        #expect(r.status == 0, "\(r.err)")
        #expect(await east.exited() == 0)
        #expect(east.out.contains("after the unplug"))
    }

    @Test func oversizedStdinIsRefusedWithoutStoring() async throws {
        let v = try await Valley()
        defer { v.close() }
        for size in [4097, 70_000] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["send", "east", "-", "--home", v.home("north"), "--port", "/dev/lora-msg-absent"]
            let input = Pipe(), err = Pipe()
            p.standardInput = input; p.standardError = err; p.standardOutput = Pipe()
            try p.run()
            try? input.fileHandleForWriting.write(contentsOf: Data(repeating: 0x61, count: size))
            try? input.fileHandleForWriting.close()
            let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 65, "\(msg)")
            #expect(msg.split(separator: "\n").count == 1)
            #expect(msg.contains(size == 4097 ? "1 over the 4096-byte limit" : "more than 65536 bytes"), "\(msg)")
        }
        #expect(try RawDB.rows(v.db("north"), "SELECT id FROM message").isEmpty)
    }

    @Test func brokenHomesGiveOneLine() async throws {
        let dir = NSTemporaryDirectory() + "lora-msg-broken-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var r = try CLI.run(["send", "east", "hi", "--home", dir])
        #expect(r.status == 66 && r.err.contains("lora-msg init"))
        #expect(try CLI.run(["init", "--home", dir]).status == 0)
        try Data("not a database at all, just some notes\n".utf8).write(to: URL(fileURLWithPath: dir + "/messages.sqlite"))
        r = try CLI.run(["contact", "list", "--home", dir])
        #expect(r.status == 65 && r.err.contains("not a lora-msg database"), "\(r.err)")
        try FileManager.default.removeItem(atPath: dir + "/messages.sqlite")
        // stdin that is not UTF-8.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["send", "anyone", "-", "--home", dir]
        let input = Pipe(), err = Pipe()
        p.standardInput = input; p.standardError = err; p.standardOutput = Pipe()
        try p.run()
        input.fileHandleForWriting.write(Data([0xC3, 0x28, 0xFF]))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // The contact is checked first (66) or the text (65); either way one line, no trace.
        #expect([65, 66].contains(p.terminationStatus) && msg.split(separator: "\n").count == 1, "\(msg)")
    }
}

extension Background {
    /// The state of the only message once it has left `pending`.
    static func settle(db: String, timeout: Double = 10) async -> String? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let s = (try? RawDB.rows(db, "SELECT state FROM message"))?.first?["state"] as String?, s != "pending" { return s }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return nil
    }
}
