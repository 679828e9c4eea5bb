import Foundation
import MeshtasticWire

/// One thing that happened on the simulated air, at a simulated time.
public struct AirEvent: Sendable {
    public var time: Double
    public var record: MeshAir.Record
    /// The packet as it went on the air, for a transmission.
    public var packet: MeshPacket?
}

/// Writes the simulated air as JSON lines, one per event: what a receiver with an antenna
/// would have recorded (every transmission with its bytes), plus what the simulator knows
/// and a real listener cannot (which station heard, lost or collided with each).
///
/// The bytes are the MeshPacket as the virtual radios exchange it. The simulator does not
/// apply the channel's AES layer, so a capture shows every payload as the channel key
/// holder (anyone, for the default key) would see it: the strongest eavesdropper.
public final class AirCapture {
    private let handle: FileHandle
    private let names: [String]
    private let nodeIDs: [String]

    /// Creates (or truncates) `path`, mode 0600.
    public init(path: String, names: [String], nodeIDs: [String]) throws(SimError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .capture("cannot write the capture \(path): \(String(cString: strerror(errno)))") }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        self.names = names
        self.nodeIDs = nodeIDs
    }

    public func write(_ events: [AirEvent]) {
        guard !events.isEmpty else { return }
        var text = ""
        for e in events { text += line(e) + "\n" }
        handle.write(Data(text.utf8))
    }

    func line(_ e: AirEvent) -> String {
        var o: [String: Any] = ["t": (e.time * 1000).rounded() / 1000]
        func station(_ s: Int) {
            o["station"] = names.indices.contains(s) ? names[s] : "\(s)"
            o["node"] = nodeIDs.indices.contains(s) ? nodeIDs[s] : ""
        }
        func packet(_ from: UInt32, _ id: UInt32) {
            o["from"] = String(format: "!%08x", from)
            o["id"] = Int(id)
        }
        switch e.record {
        case let .transmitted(s, from, id, hopLimit, ms):
            o["event"] = "transmitted"; station(s); packet(from, id)
            o["hop_limit"] = Int(hopLimit)
            o["airtime_ms"] = (ms * 10).rounded() / 10
            if let p = e.packet { o["bytes"] = p.encoded().map { String(format: "%02x", $0) }.joined() }
        case let .received(s, from, id, hopLimit, snr):
            o["event"] = "received"; station(s); packet(from, id)
            o["hop_limit"] = Int(hopLimit)
            o["snr"] = (snr * 100).rounded() / 100
        case let .duplicate(s, from, id):
            o["event"] = "duplicate"; station(s); packet(from, id)
        case let .collided(s, from, id):
            o["event"] = "collided"; station(s); packet(from, id)
        case let .lost(s, from, id):
            o["event"] = "lost"; station(s); packet(from, id)
        case let .relayCancelled(s, from, id):
            o["event"] = "relay_cancelled"; station(s); packet(from, id)
        case let .fromMQTT(s, from, id):
            o["event"] = "from_mqtt"; station(s); packet(from, id)
        case let .ignoredMQTT(s, from, id):
            o["event"] = "ignored_mqtt"; station(s); packet(from, id)
        case let .refusedUnsigned(s, from, id):
            o["event"] = "refused_unsigned"; station(s); packet(from, id)
        case let .preHopDropped(s, from, id):
            o["event"] = "prehop_dropped"; station(s); packet(from, id)
        case let .trafficDropped(s, from, id):
            o["event"] = "traffic_dropped"; station(s); packet(from, id)
        case let .power(s, on):
            o["event"] = on ? "power_on" : "power_off"; station(s)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]),
              let s = String(data: data, encoding: .utf8) else { return "{}" }
        return s
    }
}
