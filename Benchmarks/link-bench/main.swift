import Foundation
import Glibc
import MeshtasticWire
import RadioLink

// One-shot send as the CLI will do it: open the port, handshake, hand over one packet, wait
// until the radio says it accepted it (QueueStatus res 0), close. Prints milliseconds since
// this process started (kernel start time, so the dynamic loader and Swift runtime count too).
//
//   link-bench PORT [--full]     (--full: ask for the whole node database, the baseline)

func millisecondsSinceProcessStart() -> Double {
    // /proc/self/stat field 22 is the start time in clock ticks since boot; CLOCK_BOOTTIME is
    // the same clock, at nanosecond resolution.
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return .nan }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 19, let ticks = Double(fields[19]) else { return .nan }
    var ts = timespec()
    clock_gettime(CLOCK_BOOTTIME, &ts)
    let now = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    return (now - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))) * 1000
}

let args = CommandLine.arguments.dropFirst()
guard let port = args.first(where: { !$0.hasPrefix("--") }) else {
    FileHandle.standardError.write(Data("usage: link-bench PORT [--full]\n".utf8))
    exit(64)
}
var options = RadioConnection.Options()
options.session.configOnly = !args.contains("--full")
options.reconnectForSeconds = 0

do {
    let connection = try await RadioConnection.connect(to: .serial(port), options: options)
    let handshake = millisecondsSinceProcessStart()
    var p = MeshPacket()
    p.to = MeshPacket.broadcast
    p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array(repeating: 0x42, count: 120)))
    let id = try await connection.send(p)
    for await e in connection.events {
        if case .session(.delivery(id, .queued)) = e { break }
        if case .session(.delivery(id, .failed(let f))) = e { print("refused: \(f)"); exit(1) }
    }
    let accepted = millisecondsSinceProcessStart()
    print(String(format: "handshake_ms=%.1f accepted_ms=%.1f nodes=%d", handshake, accepted, connection.info.otherNodes.count))
    await connection.close()
} catch {
    print("link-bench: \(error)")
    exit(69)
}
