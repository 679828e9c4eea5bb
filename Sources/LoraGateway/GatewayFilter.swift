import LoraMessenger
import LoRaPHY
import MeshChannel
import MeshtasticWire

/// Why the gateway did not pass a broker message down to the radio.
public enum GatewayDrop: String, CaseIterable, Sendable, Comparable {
    case foreignTopic = "not our channel"
    case oversize = "oversize"
    case garbage = "garbage"
    case loop = "loop"
    case duplicate = "duplicate"
    /// Kept by the broker and replayed to every new subscriber: old news, not a duplicate.
    case retained = "retained"
    case overBudget = "over LoRa budget"
    case radioDown = "radio away"
    case brokerDown = "broker down"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The gateway's own checks on downlink, before the firmware's (MQTT.cpp, which also drops
/// invalid envelopes, its own uplinks, packets from itself, hop limits over 7, broadcasts as
/// sender, decoded packets while encryption is on, and anything when ignore_mqtt is set). These
/// come first so that a hostile publisher cannot fill the serial link or the air:
/// size, shape, loops, replays, and an airtime budget below the region's duty cycle. Sans-I/O:
/// the caller gives the time.
public struct GatewayFilter: Sendable {
    /// `MqttClientProxyMessage.data` holds at most 435 bytes on the radio (mesh.options).
    public static let maxPayload = 435
    /// How long a (from, id) pair is remembered: longer than any retry the mesh makes.
    public static let replayWindowSeconds = 600.0

    public let root: String
    public let channelID: String
    public let ownNodeID: String
    public let ownNodeNum: UInt32
    public let modem: LoRaModem
    /// Airtime the downlink may take per hour: a share of the region's budget, so the valley's
    /// own traffic keeps the rest. US-style regions with no limit still get a cap (the share of
    /// an hour), since the air is shared all the same.
    public let hourlyBudgetMilliseconds: Double
    /// Most the radio should have queued from us at once, in seconds of airtime.
    public let maxBacklogSeconds = 20.0

    private var seen: [UInt64: Double] = [:]
    private var spent: [(at: Double, ms: Double)] = []
    private var busyUntil = 0.0
    private var prunedAt = 0.0

    public init(root: String, channelID: String, ownNodeNum: UInt32, settings: RadioSettings, share: Double = 0.5) {
        self.root = root; self.channelID = channelID
        self.ownNodeNum = ownNodeNum; self.ownNodeID = User.nodeID(ownNodeNum)
        self.modem = settings.modem
        self.hourlyBudgetMilliseconds = settings.region.hourlyBudgetMilliseconds * share
    }

    public enum Verdict: Equatable, Sendable {
        case pass
        /// Our own publish, echoed by the broker: expected, not counted.
        case echo
        case drop(GatewayDrop)
    }

    /// Judges one broker message; a pass books its airtime and remembers it.
    public mutating func judge(topic: String, payload: [UInt8], now: Double) -> Verdict {
        guard let t = MQTTTopic(parsing: topic), t.root == root, t.channelID == channelID || t.channelID == "PKI" else {
            return .drop(.foreignTopic)
        }
        guard payload.count <= Self.maxPayload else { return .drop(.oversize) }
        guard let envelope = try? ServiceEnvelope(decoding: payload), let packet = envelope.packet,
              !envelope.channelID.isEmpty, !envelope.gatewayID.isEmpty, packet.from != 0, packet.id != 0 else {
            return .drop(.garbage)
        }
        if envelope.gatewayID == ownNodeID { return t.gatewayID == ownNodeID ? .echo : .drop(.loop) }
        if packet.from == ownNodeNum || packet.viaMqtt { return .drop(.loop) }
        let key = UInt64(packet.from) << 32 | UInt64(packet.id)
        if now - prunedAt >= 10 {
            seen = seen.filter { now - $0.value < Self.replayWindowSeconds }
            prunedAt = now
        }
        if let at = seen[key], now - at < Self.replayWindowSeconds { return .drop(.duplicate) }
        // What the valley will spend: the gate radio rebroadcasts it once (more relays follow,
        // but those are the mesh's ordinary cost of any packet).
        let bytes: Int
        switch packet.payloadVariant {
        case .encrypted(let e)?: bytes = e.count
        case .decoded(let d)?: bytes = d.encoded().count
        case nil: return .drop(.garbage)
        }
        let ms = modem.timeOnAirMilliseconds(bytes: MeshtasticFrame.phyBytes(encodedData: bytes, pki: false))
        spent.removeAll { now - $0.at >= 3600 }
        let used = spent.reduce(0) { $0 + $1.ms }
        guard used + ms <= hourlyBudgetMilliseconds, max(busyUntil, now) - now + ms / 1000 <= maxBacklogSeconds else {
            return .drop(.overBudget)
        }
        spent.append((now, ms))
        busyUntil = max(busyUntil, now) + ms / 1000
        seen[key] = now
        if seen.count > 20_000, let oldest = seen.min(by: { $0.value < $1.value }) { seen[oldest.key] = nil }
        return .pass
    }
}
