import Foundation
import LoRaPHY
import MeshtasticWire

/// A simulated mesh: radios with positions, or explicit links between them. Read from JSON
/// (see docs/SIMULATOR.md) or taken from the built-in set.
public struct Scenario: Codable, Equatable, Sendable {
    public struct Node: Codable, Equatable, Sendable {
        public var name: String
        /// `!xxxxxxxx`; derived from the name when absent so runs are repeatable.
        public var nodeID: String?
        public var x: Double?
        public var y: Double?
        /// CLIENT (default), CLIENT_MUTE (never relays) or ROUTER (relays first, never cancels).
        public var role: String?
        public var longName: String?
        /// The radio's `ignore_mqtt`. Absent: as the firmware leaves it once the region was
        /// set, on where the region limits the duty cycle (EU_868 …), off elsewhere.
        public var ignoreMqtt: Bool?
        /// Its NodeInfo has not reached the others yet (a new radio; NodeInfo goes every 3 h):
        /// their radios have no key for it, so a DM to it is refused (PKI_SEND_FAIL_PUBLIC_KEY).
        public var unannounced: Bool?
        /// Packets its radio keeps while no client is connected (`MAX_RX_TOPHONE`: 8 on a
        /// classic ESP32, 16 on an nRF52840, the default).
        public var toPhoneQueue: Int?
        /// Its radio's packet_signature_policy: COMPATIBLE (default), BALANCED or STRICT.
        public var signaturePolicy: String?
        /// Firmware 2.7 (no XEdDSA): the radio does not sign its broadcasts, and its node
        /// number is not derived from its key.
        public var firmware: String?
        /// Upgraded from 2.7 to 2.8: its number changed to the CRC32 of its key on the first 2.8
        /// boot; the others still hold its old number as a keyless ghost and have not heard the
        /// new one (firmware PR #10820, closed unmerged).
        public var upgraded: Bool?
        /// The Traffic Management module's opt-in filters at this radio.
        public var rateLimitWindowSeconds: Int?
        public var rateLimitMaxPackets: Int?
        public var unknownPacketThreshold: Int?
        /// Windows of simulated seconds (from the start) during which the radio is switched
        /// off: `[[60, 900]]` is off from minute one to minute fifteen.
        public var off: [[Double]]?

        public init(name: String, x: Double? = nil, y: Double? = nil, role: String? = nil, ignoreMqtt: Bool? = nil) {
            self.name = name; self.x = x; self.y = y; self.role = role; self.ignoreMqtt = ignoreMqtt
        }

        enum CodingKeys: String, CodingKey {
            case name, x, y, role
            case nodeID = "node_id"
            case longName = "long_name"
            case ignoreMqtt = "ignore_mqtt"
            case unannounced
            case toPhoneQueue = "to_phone_queue"
            case signaturePolicy = "signature_policy"
            case firmware
            case rateLimitWindowSeconds = "rate_limit_window_secs"
            case rateLimitMaxPackets = "rate_limit_max_packets"
            case unknownPacketThreshold = "unknown_packet_threshold"
            case off
            case upgraded
        }
    }

    public struct Link: Codable, Equatable, Sendable {
        public var a: String
        public var b: String
        /// Distance for the path-loss model; positions are used when absent.
        public var distanceMetres: Double?
        /// Hills, walls, forest: added to the path loss.
        public var extraLossDB: Double?
        /// Chance that any one packet on this link is lost, 0…1.
        public var loss: Double?

        public init(a: String, b: String, distanceMetres: Double? = nil, extraLossDB: Double? = nil, loss: Double? = nil) {
            self.a = a; self.b = b; self.distanceMetres = distanceMetres; self.extraLossDB = extraLossDB; self.loss = loss
        }

        enum CodingKeys: String, CodingKey {
            case a, b, loss
            case distanceMetres = "distance_m"
            case extraLossDB = "extra_loss_db"
        }
    }

    public var name: String
    public var description: String?
    public var region: String?
    public var preset: String?
    public var hopLimit: UInt32?
    public var txPowerDBm: Double?
    public var pathLossExponent: Double?
    /// Synthetic entries in every radio's node database, to emulate a big mesh.
    public var extraNodes: Int?
    /// "nexthop" (the default: NextHopRouter, firmware 2.6 and later) or "flooding" (every radio
    /// a FloodingRouter: no next hops learned, DMs always flood, relays never retransmit), to
    /// compare the two on the same air.
    public var routing: String?
    public var nodes: [Node]
    /// When present, only these pairs hear each other.
    public var links: [Link]?

    public init(name: String, nodes: [Node], links: [Link]? = nil) {
        self.name = name; self.nodes = nodes; self.links = links
    }

    enum CodingKeys: String, CodingKey {
        case name, description, region, preset, nodes, links
        case hopLimit = "hop_limit"
        case txPowerDBm = "tx_power_dbm"
        case pathLossExponent = "path_loss_exponent"
        case extraNodes = "extra_nodes"
        case routing
    }

    // MARK: Resolved values

    public var resolvedRegion: LoRaRegion { region.flatMap(LoRaRegion.named) ?? .eu868 }

    public var resolvedPreset: LoRaPreset {
        guard let preset else { return .longFast }
        let key = preset.lowercased().filter { $0.isLetter }
        return LoRaPreset.allCases.first { $0.displayName.lowercased().filter(\.isLetter) == key } ?? .longFast
    }

    public var linkBudget: LinkBudget {
        let region = resolvedRegion
        return LinkBudget(txPowerDBm: txPowerDBm ?? min(20, Double(region.powerLimitDBm)),
                          pathLossExponent: pathLossExponent ?? 3.5,
                          frequencyMHz: (region.startMHz + region.endMHz) / 2)
    }

    /// The radio's node number: as given, else on firmware 2.8 the CRC32 of its public key
    /// (`RadioIdentity`), on 2.7 a hash of its name.
    public func nodeNum(of node: Node) -> UInt32 {
        if let text = node.nodeID, let n = User.nodeNum(text) { return n }
        if node.firmware == "2.7" { return legacyNodeNum(of: node) }
        return RadioIdentity.usable(RadioIdentity.crc32(RadioIdentity.publicKey(name: node.name)))
    }

    /// The number a 2.7 radio had (and an upgraded one left behind).
    public func legacyNodeNum(of node: Node) -> UInt32 { RadioIdentity.usable(RadioIdentity.nameHash(node.name)) }

    /// Checks what JSON cannot: names unique and known, numbers in range.
    public func validate() throws(ScenarioError) {
        guard !nodes.isEmpty else { throw .invalid("a scenario needs at least one node") }
        guard nodes.count <= 64 else { throw .invalid("at most 64 nodes (found \(nodes.count))") }
        var names = Set<String>(), nums = Set<UInt32>()
        if let r = routing, !["nexthop", "flooding"].contains(r) { throw .invalid("routing must be nexthop or flooding, not \"\(r)\"") }
        for n in nodes {
            guard !n.name.isEmpty, n.name.count <= 32, !n.name.contains("/"), !n.name.hasPrefix(".") else {
                throw .invalid("node name \"\(n.name)\" must be 1–32 characters without \"/\" or a leading dot")
            }
            guard names.insert(n.name).inserted else { throw .invalid("node name \"\(n.name)\" appears twice") }
            if let id = n.nodeID, User.nodeNum(id) == nil { throw .invalid("node \"\(n.name)\": node_id \"\(id)\" is not !xxxxxxxx") }
            guard nums.insert(nodeNum(of: n)).inserted else { throw .invalid("node \"\(n.name)\": node number clashes with another node") }
            if let r = n.role, !["CLIENT", "CLIENT_MUTE", "ROUTER"].contains(r.uppercased()) {
                throw .invalid("node \"\(n.name)\": role must be CLIENT, CLIENT_MUTE or ROUTER")
            }
            if let q = n.toPhoneQueue, !(1...64).contains(q) { throw .invalid("node \"\(n.name)\": to_phone_queue must be 1-64 packets") }
            for w in n.off ?? [] where w.count != 2 || !(w[0] >= 0 && w[0] < w[1] && w[1] <= 1e7) {
                throw .invalid("node \"\(n.name)\": each off window is [from, to] in seconds, 0 ≤ from < to ≤ 10000000")
            }
            if let sp = n.signaturePolicy, VirtualRadio.SignaturePolicy(rawValue: sp.uppercased()) == nil {
                throw .invalid("node \"\(n.name)\": signature_policy must be COMPATIBLE, BALANCED or STRICT")
            }
            if let f = n.firmware, !["2.7", "2.8"].contains(f) { throw .invalid("node \"\(n.name)\": firmware must be 2.7 or 2.8") }
            for (key, v, limit) in [("rate_limit_window_secs", n.rateLimitWindowSeconds, 4800), ("rate_limit_max_packets", n.rateLimitMaxPackets, 255),
                                    ("unknown_packet_threshold", n.unknownPacketThreshold, 255)] {
                if let v, !(0...limit).contains(v) { throw .invalid("node \"\(n.name)\": \(key) must be 0-\(limit)") }
            }
        }
        if let region, LoRaRegion.named(region) == nil { throw .invalid("unknown region \"\(region)\"") }
        if let preset, resolvedPreset.displayName.lowercased().filter(\.isLetter) != preset.lowercased().filter(\.isLetter) {
            throw .invalid("unknown preset \"\(preset)\"")
        }
        if let h = hopLimit, h > 7 { throw .invalid("hop_limit must be 0…7") }
        if let e = extraNodes, e < 0 || e > 250 { throw .invalid("extra_nodes must be 0…250") }
        for link in links ?? [] {
            for end in [link.a, link.b] where !names.contains(end) {
                throw .invalid("link names unknown node \"\(end)\"")
            }
            if let p = link.loss, !(0...1).contains(p) { throw .invalid("link loss must be between 0 and 1") }
            if link.distanceMetres == nil, position(link.a) == nil || position(link.b) == nil {
                throw .invalid("link \(link.a)–\(link.b) needs distance_m or positions for both nodes")
            }
        }
        if links == nil {
            for n in nodes where n.x == nil || n.y == nil {
                throw .invalid("node \"\(n.name)\" needs x and y (metres) when the scenario has no links")
            }
        }
    }

    func position(_ name: String) -> (x: Double, y: Double)? {
        guard let n = nodes.first(where: { $0.name == name }), let x = n.x, let y = n.y else { return nil }
        return (x, y)
    }

    public static func load(path: String) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable("cannot read scenario file \(path)")
        }
        guard data.count <= 1 << 20 else { throw .invalid("scenario file is larger than 1 MiB") }
        let scenario: Scenario
        do {
            scenario = try JSONDecoder().decode(Scenario.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalid("scenario file lacks \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .invalid("scenario file has a wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw .invalid("scenario file is not valid JSON")
        }
        try scenario.validate()
        return scenario
    }

    // MARK: Built in

    public static let builtIn: [String: Scenario] = [
        "two-radios": twoRadios, "valley": valley, "line-5": line5, "two-valleys": twoValleys,
    ]

    /// Two valleys far apart with no radio path between them. In each, a farmhouse radio and a
    /// gate radio 1.5 km away, where a laptop with internet runs `lora-msg gateway`. Every radio
    /// has ignore_mqtt off: on EU_868 the firmware turns it on when the region is set, and a
    /// radio with it on drops whatever crossed the broker.
    public static let twoValleys: Scenario = {
        var s = Scenario(
            name: "two-valleys",
            nodes: ["a-north", "a-gate", "b-gate", "b-east"].map { Node(name: $0, ignoreMqtt: false) },
            links: [
                Link(a: "a-north", b: "a-gate", distanceMetres: 1500),
                Link(a: "b-gate", b: "b-east", distanceMetres: 1500),
            ])
        s.description = "Valley A (a-north, a-gate) and valley B (b-gate, b-east), joined only through MQTT gateways on the *-gate radios"
        return s
    }()

    /// A bench pair: two radios ten metres apart.
    public static let twoRadios = Scenario(
        name: "two-radios",
        nodes: [Node(name: "alice", x: 0, y: 0), Node(name: "bob", x: 10, y: 0)])

    /// The spec's valley: north reaches east directly only over an obstructed 1.2 km path, and
    /// also through the ridge (2.1 km and 0.8 km). Distances that no flat map can hold, hence links.
    /// The ridge node is a ROUTER, as a hilltop relay should be: it relays first and never cancels,
    /// so east always hears two copies.
    public static let valley: Scenario = {
        var s = Scenario(
            name: "valley",
            nodes: [Node(name: "north"), Node(name: "ridge", role: "ROUTER"), Node(name: "east")],
            links: [
                Link(a: "north", b: "east", distanceMetres: 1200, extraLossDB: 10),
                Link(a: "north", b: "ridge", distanceMetres: 2100),
                Link(a: "ridge", b: "east", distanceMetres: 800),
            ])
        s.description = "Farmhouses north and east, a relay on the ridge between them"
        return s
    }()

    /// Five radios 2 km apart in a row; each hears only its neighbours, so end to end is 4 hops.
    public static let line5 = Scenario(
        name: "line-5",
        nodes: (0..<5).map { Node(name: "n\($0 + 1)", x: Double($0) * 2000, y: 0) })
}

public enum ScenarioError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unreadable(let s), .invalid(let s): s
        }
    }
}
