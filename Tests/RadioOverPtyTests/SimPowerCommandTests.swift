import Foundation
import Testing
import TestSupport

/// `sim`'s control interface: "off NAME" / "on NAME" on its standard input switch a radio,
/// and a capture records it.
@Suite(.serialized) struct SimPowerCommandTests {
    @Test func radiosGoOffAndOnFromStandardInput() async throws {
        signal(SIGPIPE, SIG_IGN)   // a sim that died must fail the test, not kill it
        let dir = TempDirectory("sim-power")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["sim", "--scenario", "two-radios", "--link-dir", dir.file("links"), "--capture", dir.file("air.jsonl"), "--speed", "10"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input; process.standardOutput = output; process.standardError = errors
        let seen = Seen()
        output.fileHandleForReading.readabilityHandler = { h in seen.add(out: h.availableData) }
        errors.fileHandleForReading.readabilityHandler = { h in seen.add(err: h.availableData) }
        try process.run()
        defer { if process.isRunning { process.interrupt(); process.waitUntilExit() } }
        func wait(_ what: String, inErrors: Bool = false) async -> Bool {
            for _ in 0..<400 {
                if (inErrors ? seen.err : seen.out).contains(what) { return true }
                try? await Task.sleep(nanoseconds: 25_000_000)
            }
            return false
        }
        #expect(await wait("ready"), "\(seen.out)\(seen.err)")
        input.fileHandleForWriting.write(Data("off bob\n".utf8))
        #expect(await wait("bob off"))
        input.fileHandleForWriting.write(Data("on bob\n".utf8))
        #expect(await wait("bob on"))
        input.fileHandleForWriting.write(Data("reboot bob\n".utf8))
        #expect(await wait("sim control takes 'off NAME' or 'on NAME' (radios: alice, bob)", inErrors: true), "\(seen.err)")
        process.interrupt()
        process.waitUntilExit()
        let air = (try? String(contentsOfFile: dir.file("air.jsonl"), encoding: .utf8)) ?? ""
        let events = air.split(separator: "\n").filter { $0.contains("\"station\":\"bob\"") }
        #expect(events.contains { $0.contains("\"event\":\"power_off\"") } && events.contains { $0.contains("\"event\":\"power_on\"") }, "\(air.suffix(400))")
    }
}

private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var o = "", e = ""
    var out: String { lock.withLock { o } }
    var err: String { lock.withLock { e } }
    func add(out d: Data) { lock.withLock { o += String(decoding: d, as: UTF8.self) } }
    func add(err d: Data) { lock.withLock { e += String(decoding: d, as: UTF8.self) } }
}
