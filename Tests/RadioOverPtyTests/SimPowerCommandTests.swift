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
            await seen.wait(timeout: 30) { out, err in (inErrors ? err : out).contains(what) }
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

/// What the sim printed, and the waiters for a line in it: each is woken by the output that
/// satisfies it (or by its deadline), never by a clock tick.
private final class Seen: @unchecked Sendable {
    private struct Waiter {
        let ok: (String, String) -> Bool
        let done: CheckedContinuation<Bool, Never>
    }
    private let lock = NSLock()
    private var o = "", e = ""
    private var waiters: [UInt64: Waiter] = [:]
    private var nextWaiter: UInt64 = 0
    var out: String { lock.withLock { o } }
    var err: String { lock.withLock { e } }
    func add(out d: Data) { changed { o += String(decoding: d, as: UTF8.self) } }
    func add(err d: Data) { changed { e += String(decoding: d, as: UTF8.self) } }

    private func changed(_ body: () -> Void) {
        let ready = lock.withLock { () -> [CheckedContinuation<Bool, Never>] in
            body()
            let met = waiters.filter { $0.value.ok(o, e) }
            for key in met.keys { waiters[key] = nil }
            return met.values.map(\.done)
        }
        for r in ready { r.resume(returning: true) }
    }

    /// True once `ok` holds for what was printed; false if `timeout` seconds pass first.
    func wait(timeout: Double, _ ok: @escaping (String, String) -> Bool) async -> Bool {
        await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let id = lock.withLock { () -> UInt64? in
                if ok(o, e) { return nil }
                nextWaiter += 1
                waiters[nextWaiter] = Waiter(ok: ok, done: c)
                return nextWaiter
            }
            guard let id else { c.resume(returning: true); return }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                let expired = lock.withLock { waiters.removeValue(forKey: id) }
                expired?.done.resume(returning: false)
            }
        }
    }
}
