import LoRaPHY
import MeshtasticWire

/// The simulated LoRa air joining the virtual radios: who hears whom (path loss against the
/// spreading factor's floor), one transmission at a time per radio with listen-before-talk,
/// collisions, per-link loss, and the firmware's managed flooding (SNR-weighted contention
/// window, duplicate suppression by (from, id), relay cancelled on hearing someone else's).
///
/// Sans-I/O like the radios: callers feed client bytes and advance the clock; it returns the
/// bytes each radio writes to its client.
public struct MeshAir {
    public struct ClientWrite: Equatable, Sendable {
        public var station: Int
        public var bytes: [UInt8]
        /// Which client API of the radio (`VirtualRadio.serialAPI` or `.tcpAPI`).
        public var api: Int = VirtualRadio.serialAPI
    }

    /// What happened on the air, in order; tests read it to see copies, collisions and relays.
    public enum Record: Equatable, Sendable {
        case transmitted(station: Int, from: UInt32, id: UInt32, hopLimit: UInt32, milliseconds: Double)
        case received(station: Int, from: UInt32, id: UInt32, hopLimit: UInt32, snr: Double)
        case duplicate(station: Int, from: UInt32, id: UInt32)
        case collided(station: Int, from: UInt32, id: UInt32)
        case lost(station: Int, from: UInt32, id: UInt32)
        case relayCancelled(station: Int, from: UInt32, id: UInt32)
        /// A packet a radio's MQTT module took from the broker (client proxy downlink).
        case fromMQTT(station: Int, from: UInt32, id: UInt32)
        /// A radio dropped a packet because it crossed MQTT and its ignore_mqtt is on.
        case ignoredMQTT(station: Int, from: UInt32, id: UInt32)
        /// Dropped by the radio's packet_signature_policy before relaying or delivering.
        case refusedUnsigned(station: Int, from: UInt32, id: UInt32)
        /// Dropped as from pre-hop firmware (classifyHopStart not VALID: MESHTASTIC_PREHOP_DROP).
        case preHopDropped(station: Int, from: UInt32, id: UInt32)
        /// Consumed by the radio's Traffic Management module (rate limit, unknown packets).
        case trafficDropped(station: Int, from: UInt32, id: UInt32)
        /// The radio was switched off (it neither hears nor sends, and loses its queue) or on.
        case power(station: Int, on: Bool)
    }

    struct PacketKey: Hashable { var from: UInt32; var id: UInt32 }

    struct Pending {
        var packet: MeshPacket
        var notBefore: Double
        var isRelay: Bool
    }

    struct Station {
        var name: String
        var radio: VirtualRadio
        var relays: Bool
        var isRouter: Bool
        var queue: [Pending] = []
        var busyUntil = -Double.infinity
        /// After its own transmission the radio waits a random contention window before the
        /// next (RadioLibInterface::setTransmitDelay on ISR_TX): others get a turn.
        var quietUntil = -Double.infinity
        /// Air this radio was busy on (sending, or hearing others) in the last minute, for its
        /// channel utilisation.
        var busy: [(start: Double, end: Double)] = []
        var seen: Set<PacketKey> = []
        var seenOrder: [PacketKey] = []
        var attemptScheduled = false
        /// Every second this radio has spent transmitting, relays included (for `bench energy`).
        var transmittedSeconds = 0.0
        /// Switched on (a scenario's `off` windows, or `setPower`).
        var powered = true
    }

    struct Hearing { var rssi: Double; var snr: Double }

    struct Transmission {
        var sender: Int
        var packet: MeshPacket
        var start: Double
        var end: Double
        var heardBy: [Int: Hearing]
    }

    enum Event { case attempt(Int), finish(Int), reboot(Int), power(Int, Bool) }

    public private(set) var records: [Record] = []
    public var keepsRecords = true
    /// When on, every record is also kept with its time (and a transmission with its packet)
    /// until `takeCaptured()`: what `sim --capture` writes.
    public var capturing = false
    private var captured: [AirEvent] = []
    public private(set) var now: Double
    public var stationCount: Int { stations.count }

    var stations: [Station]
    private let modem: LoRaModem
    private let budget: LinkBudget
    /// Link quality between stations, nil when they cannot hear each other at all.
    private var links: [[Hearing?]]
    private var linkLoss: [[Double]]
    private var transmissions: [Int: Transmission] = [:]
    private var nextTransmission = 0
    private var events: [(time: Double, seq: Int, event: Event)] = []
    private var seq = 0
    private var rng: SimRandom
    /// Unix time of simulated second 0, for rx_time.
    private let epoch: Double
    private let historyLimit = 200

    public init(scenario: Scenario, seed: UInt64, epoch: Double, bootedAt: Double = 0,
                bootDelaySeconds: Double = 1) {
        self.now = bootedAt
        self.epoch = epoch
        self.rng = SimRandom(seed: seed)
        let region = scenario.resolvedRegion
        let preset = scenario.resolvedPreset
        modem = preset.modem
        budget = scenario.linkBudget

        var keyRNG = SimRandom(seed: seed ^ 0x5EED_0F_4B1D)
        let identities: [VirtualRadio.Identity] = scenario.nodes.map { node in
            let num = scenario.nodeNum(of: node)
            var id = VirtualRadio.Identity(nodeNum: num, longName: node.longName ?? "Virtual \(node.name)",
                                           shortName: String(node.name.prefix(4)))
            id.publicKey = RadioIdentity.publicKey(name: node.name)
            return id
        }
        // What the others' node databases hold of each radio: its NodeInfo, nothing (not heard
        // yet), or, for one upgraded from 2.7, the old number without a key (its ghost).
        func entry(_ j: Int) -> NodeInfo? {
            let node = scenario.nodes[j]
            if node.upgraded == true {
                var ghost = identities[j].nodeInfo
                ghost.num = scenario.legacyNodeNum(of: node)
                ghost.user?.id = User.nodeID(ghost.num)
                ghost.user?.publicKey = []
                return ghost
            }
            return node.unannounced == true ? nil : identities[j].nodeInfo
        }
        let extras = VirtualRadio.syntheticNodes(count: scenario.extraNodes ?? 0, random: &keyRNG)
        stations = scenario.nodes.enumerated().map { i, node in
            var settings = VirtualRadio.Settings()
            settings.region = region
            settings.preset = preset
            settings.hopLimit = scenario.hopLimit ?? 3
            settings.epoch = epoch
            settings.bootDelaySeconds = bootDelaySeconds
            settings.knownNodes = identities.indices.filter { $0 != i }.compactMap(entry) + extras
            settings.checksFirstContact = node.firmware != "2.7"
            settings.ignoreMqtt = node.ignoreMqtt ?? region.hasDutyCycle
            settings.toPhoneQueue = max(1, node.toPhoneQueue ?? 16)
            settings.signaturePolicy = node.signaturePolicy.flatMap { VirtualRadio.SignaturePolicy(rawValue: $0.uppercased()) } ?? .compatible
            settings.signsBroadcasts = node.firmware != "2.7"
            settings.directMessageAttempts = node.firmware == "2.7" ? 3 : 5
            settings.nextHopRouting = scenario.routing != "flooding"
            settings.trafficManagement = .init(rateLimitWindowSeconds: node.rateLimitWindowSeconds ?? 0,
                                               rateLimitMaxPackets: node.rateLimitMaxPackets ?? 0,
                                               unknownPacketThreshold: node.unknownPacketThreshold ?? 0)
            settings.mqtt.root = "msh/\(region.name)"
            let role = (node.role ?? "CLIENT").uppercased()
            settings.isRouter = role == "ROUTER"
            return Station(name: node.name,
                           radio: VirtualRadio(identity: identities[i], settings: settings, bootedAt: bootedAt),
                           relays: role != "CLIENT_MUTE", isRouter: role == "ROUTER")
        }

        let n = scenario.nodes.count
        links = Array(repeating: Array(repeating: nil, count: n), count: n)
        linkLoss = Array(repeating: Array(repeating: 0, count: n), count: n)
        let index = Dictionary(uniqueKeysWithValues: scenario.nodes.enumerated().map { ($0.element.name, $0.offset) })
        func hearing(metres: Double, extra: Double) -> Hearing? {
            let rssi = budget.rssiDBm(metres: metres, extraDB: extra)
            let snr = budget.snrDB(rssiDBm: rssi, modem: preset.modem)
            return budget.canDemodulate(snrDB: snr, modem: preset.modem) ? Hearing(rssi: rssi, snr: snr) : nil
        }
        if let explicit = scenario.links {
            for link in explicit {
                guard let a = index[link.a], let b = index[link.b], a != b else { continue }
                let metres = link.distanceMetres ?? Self.distance(scenario.position(link.a), scenario.position(link.b))
                let h = hearing(metres: metres, extra: link.extraLossDB ?? 0)
                links[a][b] = h; links[b][a] = h
                linkLoss[a][b] = link.loss ?? 0; linkLoss[b][a] = link.loss ?? 0
            }
        } else {
            for a in 0..<n { for b in 0..<n where a != b {
                links[a][b] = hearing(metres: Self.distance(scenario.position(scenario.nodes[a].name),
                                                             scenario.position(scenario.nodes[b].name)), extra: 0)
            } }
        }
        // Radios switched off for a while (a laptop closed, a farm's power cut).
        for (i, node) in scenario.nodes.enumerated() {
            for window in node.off ?? [] where window.count == 2 {
                schedule(.power(i, false), at: bootedAt + window[0])
                schedule(.power(i, true), at: bootedAt + window[1])
            }
        }
    }

    static func distance(_ p: (x: Double, y: Double)?, _ q: (x: Double, y: Double)?) -> Double {
        guard let p, let q else { return .infinity }
        return ((p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)).squareRoot()
    }

    // MARK: Inputs

    public func radio(_ station: Int) -> VirtualRadio { stations[station].radio }
    public func name(_ station: Int) -> String { stations[station].name }
    /// Seconds the station has spent transmitting since the air began, its relays included.
    public func transmittedSeconds(_ station: Int) -> Double { stations[station].transmittedSeconds }
    public func station(named name: String) -> Int? { stations.firstIndex { $0.name == name } }
    public func isPowered(_ station: Int) -> Bool { stations[station].powered }

    /// What a radio prints while it boots, for its client.
    public func bootLog(_ station: Int) -> [ClientWrite] {
        stations[station].radio.bootLog().compactMap {
            if case .write(let b, let api) = $0 { return ClientWrite(station: station, bytes: b, api: api) } else { return nil }
        }
    }

    /// Bytes a client wrote to its radio.
    public mutating func fromClient(station: Int, bytes: [UInt8], now t: Double, api: Int = VirtualRadio.serialAPI) -> [ClientWrite] {
        var out = advance(to: t)
        // A radio that is off answers nobody (a real one is gone from the USB bus).
        guard stations[station].powered else { return out }
        let outputs = stations[station].radio.receive(bytes, now: now, api: api)
        out += apply(outputs, station: station)
        return out
    }

    /// Runs the air up to `t`: transmissions start and end, radios time out and retransmit.
    public mutating func advance(to t: Double) -> [ClientWrite] {
        var out: [ClientWrite] = []
        while let first = events.first, first.time <= t {
            events.removeFirst()
            now = max(now, first.time)
            out += tickRadios()
            switch first.event {
            case .attempt(let s): out += attempt(s)
            case .finish(let k): out += finish(k)
            case .reboot(let s): out += reboot(s, now: now)
            case let .power(s, on): out += setPower(s, on: on, now: now)
            }
        }
        now = max(now, t)
        out += tickRadios()
        return out
    }

    /// A client transport closed (the TCP client went away).
    public mutating func clientGone(station: Int, api: Int) {
        stations[station].radio.clientGone(api: api)
    }

    /// When something is next due on the air (radio timers are polled by `advance`).
    public var nextEventTime: Double? { events.first?.time }

    /// Switches a radio off (it neither hears, sends nor answers its client, and its queue and
    /// state are lost) or on again (it boots as after a power cut).
    public mutating func setPower(_ station: Int, on: Bool, now t: Double) -> [ClientWrite] {
        var out = advance(to: t)
        guard stations[station].powered != on else { return out }
        stations[station].powered = on
        note(.power(station: station, on: on))
        if on {
            out += reboot(station, now: now)
        } else {
            stations[station].queue.removeAll()
        }
        return out
    }

    /// Replaces a radio as if it rebooted: fresh state, client must handshake again.
    public mutating func reboot(_ station: Int, now t: Double) -> [ClientWrite] {
        var out = advance(to: t)
        let old = stations[station].radio
        stations[station].radio = VirtualRadio(identity: old.identity, settings: old.settings, bootedAt: now)
        stations[station].queue.removeAll()
        out += bootLog(station)
        // Firmware up to 2.7.26 announces the reboot with a frame (master suppresses it on serial).
        if let frame = try? FrameEncoder.frame(FromRadio(.rebooted(true))) {
            out.append(ClientWrite(station: station, bytes: frame))
        }
        return out
    }

    // MARK: Internals

    private mutating func tickRadios() -> [ClientWrite] {
        var out: [ClientWrite] = []
        for s in stations.indices where stations[s].powered {
            let outputs = stations[s].radio.tick(now: now)
            if !outputs.isEmpty { out += apply(outputs, station: s) }
        }
        return out
    }

    private mutating func apply(_ outputs: [VirtualRadio.Output], station s: Int) -> [ClientWrite] {
        var out: [ClientWrite] = []
        for o in outputs {
            switch o {
            case .write(let bytes, let api):
                out.append(ClientWrite(station: s, bytes: bytes, api: api))
            case .transmit(let packet):
                remember(PacketKey(from: packet.from, id: packet.id), at: s)
                // A locally originated packet waits random(0, 2^CW) slots, CW 3 on an idle channel.
                let delay = Double(Int.random(in: 0..<8, using: &rng)) * slotSeconds
                enqueue(Pending(packet: packet, notBefore: now + delay, isRelay: false), at: s)
            case .injected(let packet):
                out += fromBroker(packet, at: s)
            case .reboot(let seconds):
                schedule(.reboot(s), at: now + seconds)
            }
        }
        return out
    }

    private var slotSeconds: Double { (2.5 * modem.symbolMilliseconds + 7.6) / 1000 }

    private mutating func noteBusy(_ s: Int, from start: Double, to end: Double) {
        stations[s].busy.removeAll { $0.end < now - 60 }
        stations[s].busy.append((start, end))
    }

    /// RadioInterface::getTxDelayMsec: a random number of slots from a contention window
    /// that grows with the channel's utilisation over the last minute (CWmin 3 to CWmax 8).
    private mutating func transmitDelay(_ s: Int) -> Double {
        let from = now - 60
        let busySeconds = stations[s].busy.reduce(0.0) { $0 + max(0, min($1.end, now) - max($1.start, from)) }
        let utilisation = min(100, busySeconds / 60 * 100)
        let cw = 3 + Int(utilisation * 5 / 100)
        return Double(Int.random(in: 0..<(1 << cw), using: &rng)) * slotSeconds
    }

    /// The firmware's contention window: a weak (distant) receiver relays first.
    private mutating func relayDelay(snr: Double, router: Bool) -> Double {
        let clamped = min(max(snr, -20), 10)
        let cw = Int((3 + (clamped + 20) / 30 * 5).rounded())
        if router { return Double(Int.random(in: 0...(2 * cw), using: &rng)) * slotSeconds }
        return (2 * 8 + Double(Int.random(in: 0..<(1 << cw), using: &rng))) * slotSeconds
    }

    /// MeshPacketQueue's order (CompareMeshPacketFunc): higher priority first; among equals a
    /// packet already on the mesh (a relay) before our own; otherwise first in, first out
    /// (the queue is kept in arrival order and `min` returns the first of equals).
    static func goesBefore(_ a: Pending, _ b: Pending) -> Bool {
        let pa = queuePriority(a.packet), pb = queuePriority(b.packet)
        if pa != pb { return pa > pb }
        return a.isRelay && !b.isRelay
    }

    /// fixPriority: a packet with no priority set (every one heard over the air, most from
    /// clients) gets one from what it carries.
    static func queuePriority(_ p: MeshPacket) -> Int32 {
        if p.priority != .unset { return p.priority.rawValue }
        var priority = PacketPriority(p.wantAck ? .reliable : .default)
        if let d = p.decoded {
            if d.portnum == .routingApp { priority = PacketPriority(.ack) }
            else if d.portnum == .textMessageApp || d.portnum == .adminApp { priority = PacketPriority(.high) }
            else if d.requestId != 0 { priority = PacketPriority(.response) }
            else if d.wantResponse { priority = PacketPriority(.reliable) }
        }
        return priority.rawValue
    }

    private mutating func enqueue(_ pending: Pending, at s: Int) {
        stations[s].queue.append(pending)
        schedule(.attempt(s), at: max(pending.notBefore, stations[s].busyUntil))
    }

    private mutating func schedule(_ event: Event, at time: Double) {
        seq += 1
        let entry = (time: max(time, now), seq: seq, event: event)
        let i = events.firstIndex { $0.time > entry.time } ?? events.endIndex
        events.insert(entry, at: i)
    }

    private mutating func remember(_ key: PacketKey, at s: Int) {
        guard stations[s].seen.insert(key).inserted else { return }
        stations[s].seenOrder.append(key)
        if stations[s].seenOrder.count > historyLimit {
            stations[s].seen.remove(stations[s].seenOrder.removeFirst())
        }
    }

    private mutating func attempt(_ s: Int) -> [ClientWrite] {
        guard stations[s].powered else { stations[s].queue.removeAll(); return [] }
        guard stations[s].busyUntil <= now else { return [] }   // a finish event will retry
        // The head of the firmware's queue goes next; its wait (contention, a relay's window)
        // delays it, never lets a later packet overtake it.
        guard let next = stations[s].queue.indices.min(by: { Self.goesBefore(stations[s].queue[$0], stations[s].queue[$1]) })
        else { return [] }
        let due = max(stations[s].queue[next].notBefore, stations[s].quietUntil)
        if due > now { schedule(.attempt(s), at: due); return [] }
        // Listen before talk: wait out anything this radio can hear, then a random few slots.
        if let busyEnd = transmissions.values.filter({ $0.end > now && $0.start <= now && $0.heardBy[s] != nil }).map(\.end).max() {
            schedule(.attempt(s), at: busyEnd + Double(Int.random(in: 1...8, using: &rng)) * slotSeconds)
            return []
        }
        let pending = stations[s].queue.remove(at: next)
        let packet = pending.packet
        let ms = modem.timeOnAirMilliseconds(bytes: VirtualRadio.phyBytes(packet))
        var heardBy: [Int: Hearing] = [:]
        for r in stations.indices where r != s { if let h = links[s][r] { heardBy[r] = h } }
        nextTransmission += 1
        transmissions[nextTransmission] = Transmission(sender: s, packet: packet, start: now, end: now + ms / 1000, heardBy: heardBy)
        stations[s].busyUntil = now + ms / 1000
        stations[s].transmittedSeconds += ms / 1000
        for r in [s] + heardBy.keys.sorted() { noteBusy(r, from: now, to: now + ms / 1000) }
        stations[s].quietUntil = now + ms / 1000 + transmitDelay(s)
        note(.transmitted(station: s, from: packet.from, id: packet.id, hopLimit: packet.hopLimit, milliseconds: ms), packet: packet)
        schedule(.finish(nextTransmission), at: now + ms / 1000)
        if !stations[s].queue.isEmpty { schedule(.attempt(s), at: stations[s].quietUntil) }
        return []
    }

    private mutating func finish(_ k: Int) -> [ClientWrite] {
        guard let tx = transmissions[k] else { return [] }
        var out: [ClientWrite] = []
        for r in tx.heardBy.keys.sorted() where stations[r].powered {
            let hearing = tx.heardBy[r]!
            let key = (station: r, from: tx.packet.from, id: tx.packet.id)
            // Half duplex: a radio that transmitted meanwhile heard nothing.
            let deaf = transmissions.values.contains { $0.sender == r && $0.start < tx.end && $0.end > tx.start }
            let drowned = transmissions.contains { id, other in
                id != k && other.start < tx.end && other.end > tx.start
                    && (other.heardBy[r].map { $0.rssi > hearing.rssi - LinkBudget.captureThresholdDB } ?? false)
            }
            if deaf || drowned {
                note(.collided(station: key.station, from: key.from, id: key.id))
                continue
            }
            if linkLoss[tx.sender][r] > 0, rng.unit() < linkLoss[tx.sender][r] {
                note(.lost(station: key.station, from: key.from, id: key.id))
                continue
            }
            out += deliver(tx.packet, to: r, from: tx.sender, hearing: hearing)
        }
        // Finished long ago, so nothing still on the air can overlap them.
        transmissions = transmissions.filter { $0.value.end >= now - 10 }
        return out
    }

    private mutating func deliver(_ packet: MeshPacket, to r: Int, from sender: Int, hearing: Hearing) -> [ClientWrite] {
        var p = packet
        // The radio reports quarter-dB steps and its SNR estimate tops out in the low teens.
        p.rxSnr = Float((min(hearing.snr, 14) * 4).rounded() / 4)
        p.rxRssi = Int32(hearing.rssi.rounded())
        p.rxTime = UInt32(max(0, epoch + now))
        p.relayNode = stations[sender].radio.identity.nodeNum & 0xFF
        let me = stations[r].radio.identity.nodeNum
        let key = PacketKey(from: p.from, id: p.id)

        if stations[r].radio.ignores(p) {
            note(.ignoredMQTT(station: r, from: p.from, id: p.id))
            return []
        }
        if !stations[r].radio.passesSignaturePolicy(&p) {
            note(.refusedUnsigned(station: r, from: p.from, id: p.id))
            return []
        }
        // MESHTASTIC_PREHOP_DROP (Router::handleReceived, post-decode): a packet whose hop_start
        // is invalid, or 0 without the 2.5+ bitfield (pre-hop firmware), reaches no module, no
        // client, no broker and no relay.
        if p.from != me, VirtualRadio.classifyHopStart(p) != .valid {
            note(.preHopDropped(station: r, from: p.from, id: p.id))
            return []
        }
        if p.from == me {
            // Our own packet relayed back: an implicit ACK for the radio, never relayed again.
            // Its relayer joins the packet's history (NextHopRouter learns routes from it).
            stations[r].radio.noteCopy(p)
            return apply(stations[r].radio.heard(p, now: now), station: r)
        }
        if stations[r].seen.contains(key) {
            note(.duplicate(station: r, from: p.from, id: p.id))
            var out: [ClientWrite] = []
            stations[r].radio.noteCopy(p)
            let holding = stations[r].queue.contains { PacketKey(from: $0.packet.from, id: $0.packet.id) == key && $0.isRelay }
            if holding && !stations[r].isRouter {
                stations[r].queue.removeAll { PacketKey(from: $0.packet.from, id: $0.packet.id) == key && $0.isRelay }
                note(.relayCancelled(station: r, from: p.from, id: p.id))
            } else if !holding && p.to != me && p.hopLimit > 0 && stations[r].relays
                        && p.hopStart == p.hopLimit && stations[r].radio.isNextHop(for: p) {
                // The originator retrying (firmware ≥ 2.6; NextHopRouter::shouldFilterReceived,
                // isRepeated): relay again, if it names no next hop or us (its last try floods).
                relay(p, at: r, snr: hearing.snr)
            }
            if p.to == me { out += apply(stations[r].radio.heardAgain(p, now: now), station: r) }
            return out
        }
        remember(key, at: r)
        note(.received(station: r, from: p.from, id: p.id, hopLimit: p.hopLimit, snr: hearing.snr))
        // Modules may rewrite what they hear (a traceroute collects hops); a relay sends that.
        p = stations[r].radio.alteredOnReceipt(p)
        let out = apply(stations[r].radio.heard(p, now: now), station: r)
        guard stations[r].radio.trafficAllows(p, now: now) else {
            note(.trafficDropped(station: r, from: p.from, id: p.id))
            return out
        }
        // NextHopRouter::perhapsRebroadcast: a directed packet is repeated by its next hop only.
        if p.to != me && p.hopLimit > 0 && stations[r].relays && stations[r].radio.isNextHop(for: p) {
            relay(p, at: r, snr: hearing.snr)
        }
        return out
    }

    /// A packet the radio's MQTT module injected (Router::enqueueReceivedMessage): handled as
    /// if heard (dedup by (from, id), delivery, ACK) and rebroadcast on LoRa when not for us.
    /// It has no SNR; it is relayed after the contention window of a middling link.
    private mutating func fromBroker(_ packet: MeshPacket, at r: Int) -> [ClientWrite] {
        let key = PacketKey(from: packet.from, id: packet.id)
        guard !stations[r].seen.contains(key) else {
            note(.duplicate(station: r, from: packet.from, id: packet.id))
            return []
        }
        remember(key, at: r)
        note(.fromMQTT(station: r, from: packet.from, id: packet.id), packet: packet)
        let packet = stations[r].radio.alteredOnReceipt(packet)
        let out = apply(stations[r].radio.heard(packet, now: now), station: r)
        if packet.to != stations[r].radio.identity.nodeNum && packet.hopLimit > 0 && stations[r].relays {
            relay(packet, at: r, snr: 0)
        }
        return out
    }

    private mutating func relay(_ packet: MeshPacket, at r: Int, snr: Double) {
        var copy = packet
        copy.hopLimit -= 1
        stations[r].radio.routeRelay(&copy, now: now)
        copy.rxSnr = 0; copy.rxRssi = 0; copy.rxTime = 0
        enqueue(Pending(packet: copy, notBefore: now + relayDelay(snr: snr, router: stations[r].isRouter), isRelay: true), at: r)
    }

    private mutating func note(_ r: Record, packet: MeshPacket? = nil) {
        if keepsRecords { records.append(r) }
        if capturing { captured.append(AirEvent(time: now, record: r, packet: packet)) }
    }

    public mutating func clearRecords() { records.removeAll() }

    /// The events captured since the last call, oldest first.
    public mutating func takeCaptured() -> [AirEvent] {
        defer { captured.removeAll() }
        return captured
    }
}
