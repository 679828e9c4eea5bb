import MeshtasticWire

/// The Traffic Management module's two opt-in filters at a relay (TrafficManagementModule::
/// handleReceived, firmware 2.7.20+/2.8): a per-sender rate limit on transit packets, and a
/// limit on packets the relay cannot decode (a PKI DM to someone else). A packet either drops
/// is consumed: never relayed.
extension VirtualRadio {
    public struct TrafficManagement: Equatable, Sendable {
        /// `rate_limit_window_secs` and `rate_limit_max_packets` (0: off).
        public var rateLimitWindowSeconds = 0
        public var rateLimitMaxPackets = 0
        /// `unknown_packet_threshold` per sender in a 5-minute window (0: off).
        public var unknownPacketThreshold = 0
        public init(rateLimitWindowSeconds: Int = 0, rateLimitMaxPackets: Int = 0, unknownPacketThreshold: Int = 0) {
            self.rateLimitWindowSeconds = rateLimitWindowSeconds
            self.rateLimitMaxPackets = rateLimitMaxPackets
            self.unknownPacketThreshold = unknownPacketThreshold
        }
    }

    /// Per sender: the tick its window began at and its count (the firmware's UnifiedCacheEntry).
    struct TrafficWindow: Equatable, Sendable {
        var rateTick = 0, rateCount = 0
        var unknownTick = 0, unknownCount = 0
    }

    /// kRateTimeTickMs (5 min) and kUnknownTimeTickMs (1 min); windows count in 4-bit ticks.
    static let rateTickSeconds = 300.0
    static let unknownTickSeconds = 60.0
    static let unknownWindowTicks = 5

    /// Whether the module lets a heard packet through (false: consumed, not relayed).
    mutating func trafficAllows(_ p: MeshPacket, now: Double) -> Bool {
        let cfg = settings.trafficManagement
        let me = identity.nodeNum
        // Undecodable to this radio: a PKI DM to another node.
        if p.pkiEncrypted && p.to != me {
            guard cfg.unknownPacketThreshold > 0 else { return true }
            var w = trafficWindows[p.from] ?? TrafficWindow()
            let isNew = trafficWindows[p.from] == nil
            let tick = Int(now / Self.unknownTickSeconds) & 0x0F
            if isNew || w.unknownCount == 0 || ((tick - w.unknownTick) & 0x0F) >= Self.unknownWindowTicks {
                w.unknownTick = tick; w.unknownCount = 0
            }
            w.unknownCount = min(63, w.unknownCount + 1)
            trafficWindows[p.from] = w
            return w.unknownCount <= min(cfg.unknownPacketThreshold, 60)
        }
        guard cfg.rateLimitWindowSeconds > 0, cfg.rateLimitMaxPackets > 0, p.from != me, p.to != me,
              let port = p.decoded?.portnum.rawValue,
              port != PortNum.Name.routingApp.rawValue, port != PortNum.Name.adminApp.rawValue else { return true }
        var w = trafficWindows[p.from] ?? TrafficWindow()
        let isNew = trafficWindows[p.from] == nil
        let tick = Int(now / Self.rateTickSeconds) & 0x0F
        let windowTicks = min(15, max(1, Int(Double(cfg.rateLimitWindowSeconds) / Self.rateTickSeconds)))
        if isNew || w.rateCount == 0 || ((tick - w.rateTick) & 0x0F) >= windowTicks {
            w.rateTick = tick; w.rateCount = 1
            trafficWindows[p.from] = w
            return true
        }
        w.rateCount = min(63, w.rateCount + 1)
        trafficWindows[p.from] = w
        return w.rateCount <= min(cfg.rateLimitMaxPackets, 60)
    }
}
