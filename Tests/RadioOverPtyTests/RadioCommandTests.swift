import Foundation
import MeshtasticWire
import RadioLink
import Testing
import TestSupport
@testable import MeshSim

/// The built `lora-msg` binary, run as a user would.
struct CLI {
    static var binary: String { BuiltBinary.lora }

    static func run(_ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["LORA_MSG_PORT"] = nil
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

@Suite(.serialized) struct RadioCommandTests {
    @Test func radioInfoDescribesTheVirtualRadio() async throws {
        let sim = try RunningSim(.valley)
        defer { sim.stop() }
        await sim.waitForLinks()
        let r = try CLI.run(["radio", "info", "--port", sim.link("north"), "--json"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(json["node"] as? String == sim.runtime.ports[0].nodeID)
        #expect(json["region"] as? String == "EU_868")
        #expect(json["preset"] as? String == "LongFast")
        #expect(json["hop_limit"] as? Int == 3)
        let nodes = try CLI.run(["radio", "nodes", "--port", sim.link("north")])
        #expect(nodes.status == 0)
        #expect(nodes.out.contains(sim.runtime.ports[1].nodeID) && nodes.out.contains(sim.runtime.ports[2].nodeID))
    }

    /// NodeDB::updateFrom: a node heard gets last_heard, SNR and hops_away; one never heard
    /// says so instead of "SNR 0.0 dB".
    @Test func radioNodesShowWhatTheRadioHeard() async throws {
        let sim = try RunningSim(.valley, speed: 4)
        defer { sim.stop() }
        await sim.waitForLinks()
        let north = try await RadioConnection.connect(to: .serial(sim.link("north")), options: quickOptions())
        let log = EventLog(north)
        var p = MeshPacket(); p.to = MeshPacket.broadcast
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array("hello".utf8)))
        let id = try await north.send(p)
        _ = await log.delivery(id, timeout: 15) { $0 == .relayed }
        await north.close()
        let r = try CLI.run(["radio", "nodes", "--json", "--port", sim.link("east")])
        #expect(r.status == 0, "\(r.err)")
        let rows = r.out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let northID = sim.nodeID("north")
        let row = try #require(rows.first { $0["node"] as? String == northID })
        #expect(row["last_heard"] is String)
        #expect(row["snr"] is Double)
        #expect(row["hops_away"] is Int)
        #expect(rows.allSatisfy { $0.keys.contains("snr") && $0.keys.contains("last_heard") && $0.keys.contains("hops_away") })
    }

    /// LORA_MSG_TIME_SCALE is input too: garbage, out of range, empty-looking values.
    @Test(arguments: ["abc", "0", "0.5", "-3", "1001", "1e9", "nan", "20x"])
    func aBadTimeScaleGivesOneLine(value: String) throws {
        let home = NSTemporaryDirectory() + "lora-msg-scale-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: home) }
        #expect(try CLI.run(["init", "--home", home]).status == 0)
        let r = try CLI.run(["outbox", "--home", home], environment: ["LORA_MSG_TIME_SCALE": value])
        #expect(r.status == 64, "\(value): \(r.err)")
        #expect(r.err.split(separator: "\n").count == 1 && r.err.contains("LORA_MSG_TIME_SCALE must be a number from 1 to 1000"), "\(r.err)")
    }

    /// The shared origin of scaled clocks: a Unix time not in the future, at most 30 days old.
    @Test(arguments: ["soon", "1e400", "-5", "99999999999", "1000", "nan"])
    func aBadTimeOriginGivesOneLine(value: String) throws {
        let home = NSTemporaryDirectory() + "lora-msg-origin-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: home) }
        #expect(try CLI.run(["init", "--home", home]).status == 0)
        let r = try CLI.run(["outbox", "--home", home], environment: ["LORA_MSG_TIME_SCALE": "20", "LORA_MSG_TIME_ORIGIN": value])
        #expect(r.status == 64, "\(value): \(r.err)")
        #expect(r.err.split(separator: "\n").count == 1 && r.err.contains("LORA_MSG_TIME_ORIGIN must be a Unix time"), "\(r.err)")
        let fine = try CLI.run(["outbox", "--home", home], environment: ["LORA_MSG_TIME_SCALE": "20", "LORA_MSG_TIME_ORIGIN": "\(Date().timeIntervalSince1970 - 60)"])
        #expect(fine.status == 0, "\(fine.err)")
    }

    @Test(arguments: [
        (["radio", "info", "--port", "/dev/lora-msg-absent"], Int32(69), "no such port"),
        (["radio", "info", "--port", "/dev/null"], 69, "not a serial port"),
        (["radio", "info", "--host", "a b"], 64, "not a port path"),
        (["radio", "info", "--host", "127.0.0.1:1"], 69, "cannot connect"),
        (["sim", "--scenario", "nowhere"], 64, "unknown scenario"),
        (["sim", "--scenario", "/nonexistent.json"], 65, "cannot read scenario"),
        (["sim", "--speed", "0"], 64, "--speed"),
        (["sim", "--speed", "1e9"], 64, "--speed"),
        (["sim", "--baud", "-5"], 64, "--baud"),
        (["sim", "--tcp-port", "0"], 64, "--tcp-port"),
        (["sim", "--tcp-port", "70000"], 64, "tcp-port"),
        (["sim", "--boot-delay", "999"], 64, "--boot-delay"),
        (["sim", "--seed", "-1"], 64, "seed"),
        (["sim", "--capture", "/nonexistent-dir/air.jsonl"], 73, "cannot write the capture"),
        (["bench", "long-messages", "--hops", "1", "--losses", "0", "--file-size", "0", "--capture-dir", "/nonexistent-dir"], 73, "cannot write the capture"),
        (["bench", "long-messages", "--hops", "5"], 64, "--hops must be 1-4"),
        (["bench", "long-messages", "--hops", "0"], 64, "--hops must be 1-4"),
        (["radio", "info", "--port"], 64, "port"),
        (["radio", "frobnicate"], 64, "frobnicate"),
    ])
    func badInputGivesOneLineAndTheRightExitCode(args: [String], status: Int32, message: String) throws {
        let r = try CLI.run(args)
        #expect(r.status == status)
        #expect(r.err.contains(message))
        // One sentence first (ours, or the argument parser's with its help and usage lines), never a trace.
        let lines = r.err.split(separator: "\n")
        #expect(lines.count <= 4)
        #expect(lines.first.map { $0.hasPrefix("lora-msg: ") || $0.hasPrefix("Error: ") } == true)
    }
}
