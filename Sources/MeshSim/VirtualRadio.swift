import LoRaPHY
import MeshChannel
import MeshtasticWire

/// The device side of the Meshtastic stream API, as the firmware behaves (facts §1, §2, §4,
/// §10), without I/O: bytes from the client and packets from the air go in, bytes for the
/// client and packets for the air come out. A pty or TCP driver and the simulated air sit
/// around it. It shares only MeshtasticWire and LoRaPHY with the client, so a client bug
/// cannot hide in here.
public struct VirtualRadio {
    public struct Identity: Sendable {
        public var nodeNum: UInt32
        public var longName: String
        public var shortName: String
        public var hwModel = HardwareModel(.portduino)
        public var publicKey: [UInt8] = []
        public var firmwareVersion = "2.7.15.567b8ea"
        public init(nodeNum: UInt32, longName: String, shortName: String) {
            self.nodeNum = nodeNum
            self.longName = longName
            self.shortName = shortName
        }
        public var nodeID: String { User.nodeID(nodeNum) }

        /// How other radios' databases describe this one.
        public var nodeInfo: NodeInfo {
            var user = User()
            user.id = nodeID; user.longName = longName; user.shortName = shortName
            user.hwModel = hwModel; user.publicKey = publicKey
            var n = NodeInfo(); n.num = nodeNum; n.user = user
            return n
        }
    }

    public struct Settings: Sendable {
        public var region = LoRaRegion.eu868
        public var preset = LoRaPreset.longFast
        public var hopLimit: UInt32 = 3
        /// Unix time at sim time 0: what the radio's clock reads (telemetry time, last_heard).
        public var epoch: Double = 0
        /// Frames that arrive this soon after boot are ignored, as on a radio still loading config.
        public var bootDelaySeconds = 1.0
        /// Other nodes in the radio's database (to emulate a big mesh).
        public var knownNodes: [NodeInfo] = []
        /// ROUTER or ROUTER_LATE: on EU_866 allowed 10 % of the hour instead of 2.5 %
        /// (`getEffectiveDutyCycle`).
        public var isRouter = false
        /// The Traffic Management module's opt-in filters (off unless set).
        public var trafficManagement = TrafficManagement()
        /// Firmware 2.8 signs its own broadcasts that fit (XEdDSA); a 2.7 radio does not.
        public var signsBroadcasts = true
        /// Firmware 2.8: a signed NodeInfo from a node without a key is taken only when its key's
        /// CRC32 is the sender's number (verifyFirstContactNodeInfo).
        public var checksFirstContact = true
        /// `config.security.packet_signature_policy`, checked before relaying or delivering.
        public var signaturePolicy = SignaturePolicy.compatible
        /// Packets kept for a client that is away (`MAX_RX_TOPHONE`, mesh-pb-constants.h): 8 on a
        /// classic ESP32, 16 on an nRF52840 (and any part it does not classify), 32 on the larger.
        public var toPhoneQueue = 16
        /// Transmissions of our own want_ack DM before MAX_RETRANSMIT: 5 on 2.8 (firmware PR
        /// #11320, ReliableRouter), 3 on 2.7 and for broadcasts on either.
        public var directMessageAttempts = 5
        /// NextHopRouter (learns next hops from ACKs, directed relays retransmit); false: the
        /// FloodingRouter of older firmware, every DM flooded.
        public var nextHopRouting = true
        /// The primary channel (index 0); empty name = the preset's name, PSK [1] = default key.
        /// The air carries only this one (secondary channels are kept for the client, not used).
        public var primaryChannel: ChannelSettings = {
            var c = ChannelSettings(); c.psk = [1]; return c
        }()
        /// `LoRaConfig.ignore_mqtt`: drop every packet that crossed MQTT anywhere on its way.
        /// NodeDB's default is false; AdminModule turns it on whenever a region with a duty
        /// cycle limit is set (EU_868 …), so most EU radios in the field have it on.
        public var ignoreMqtt = false
        /// `LoRaConfig.config_ok_to_mqtt`: sets the OK_TO_MQTT bit on this radio's own packets.
        public var okToMqtt = false
        /// The MQTT module as NodeDB's defaults leave it (off; encrypted uplink; the public
        /// server); `root` is "msh/REGION" as AdminModule makes it when a region is set.
        public var mqtt: MQTTConfig = {
            var m = MQTTConfig()
            m.address = "mqtt.meshtastic.org"; m.username = "meshdev"; m.password = "large4cats"
            m.encryptionEnabled = true; m.root = "msh/EU_868"
            return m
        }()
        public init() {}
    }

    public enum Output: Equatable, Sendable {
        /// Bytes for one client API (0 = the serial console, 1 = TCP): text log lines before
        /// the first frame, frames after.
        case write([UInt8], api: Int)
        /// A packet to put on the air, already stamped with from/id/hop fields.
        case transmit(MeshPacket)
        /// A packet the MQTT module took from the broker (through the client proxy), decrypted
        /// and marked via_mqtt: the air treats it as heard (dedup, delivery, rebroadcast).
        case injected(MeshPacket)
        /// The radio reboots after this many seconds (a module config change, AdminModule).
        case reboot(afterSeconds: Double)
    }

    public internal(set) var identity: Identity
    public var settings: Settings
    public internal(set) var ledger: AirtimeLedger
    /// One per transport, as the firmware has one PhoneAPI per transport (serial StreamAPI,
    /// the TCP API server). Each has its own framing and handshake state; packets for the
    /// phone come from one shared queue (MeshService::getForPhone), so with two clients
    /// connected each packet goes to whichever pulls it first, never to both.
    /// The client APIs a radio has: the serial console and the TCP API server.
    public static let serialAPI = 0, tcpAPI = 1

    private struct PhoneAPI {
        var decoder = FrameDecoder()
        var connected = false
    }
    private var apis: [Int: PhoneAPI] = [:]
    /// Which connected API pulls the next packet: they take turns, as two busy readers would.
    private var nextPuller = 0
    public var clientConnected: Bool { apis.values.contains { $0.connected } }

    let bootedAt: Double
    private var pendingToClient: [FromRadio] = []
    /// The Traffic Management module's windows, by sender.
    var trafficWindows: [UInt32: TrafficWindow] = [:]
    /// Nodes whose signature this radio has verified (NODEINFO_BITFIELD_HAS_XEDDSA_SIGNED).
    var knownSigners: Set<UInt32> = []
    /// Packets the to-phone queue had no room for while the client was away.
    public private(set) var droppedForClient = 0
    private var recentClientIDs: [UInt32] = []
    private var nextID: UInt32
    private var awaitingAck: [UInt32: (packet: MeshPacket, tries: Int, due: Double)] = [:]
    /// When the packets this radio heard in the last minute were on the air.
    private var channelHeard: [(start: Double, end: Double)] = []
    /// NextHopRouter: learned routes, who relayed what, relayed packets we retransmit.
    var nextHops = NextHopState()
    /// When each queued transmission will have left the radio; one at a time on the air.
    private var txEnds: [Double] = []
    private let maxTxQueue: UInt32 = 16
    /// `free` of the last QueueStatus the client got.
    private var lastReportedFree: UInt32 = 16
    /// Other news for an absent client (QueueStatus, notifications: queues of their own).
    private let maxHeldForClient = 32
    /// AdminModule's session passkey and when it was made.
    var passkey: (bytes: [UInt8], since: Double) = ([], 0)
    /// Channels 1…7 a client set (secondary ones); the air carries only the primary.
    var otherChannels: [Int: Channel] = [:]
    /// When NodeInfoModule last answered a request (it answers at most every 5 minutes).
    var lastNodeInfoSent: Double?
    /// When each node last asked for our NodeInfo (want_response).
    var nodeInfoRequests: [UInt32: Double] = [:]

    public init(identity: Identity, settings: Settings = Settings(), bootedAt: Double) {
        self.identity = identity
        self.settings = settings
        self.bootedAt = bootedAt
        self.ledger = AirtimeLedger(region: settings.region.forRole(isRouter: settings.isRouter))
        self.nextID = identity.nodeNum &* 2_654_435_761 | 1
    }

    /// What a radio prints on its console while it boots.
    public func bootLog() -> [Output] {
        let lines = [
            "\u{1B}[34mINFO \u{1B}[0m | 00:00:00 0 \u{1B}[34m[Main]\u{1B}[0m Meshtastic firmware \(identity.firmwareVersion) (virtual)",
            "INFO  | 00:00:00 0 [Main] Node \(identity.nodeID), region \(settings.region.name), preset \(settings.preset.displayName)",
            "DEBUG | 00:00:01 1 [Router] Using \(settings.hopLimit) hops",
        ]
        return lines.map { .write(Array(($0 + "\r\n").utf8), api: Self.serialAPI) }
    }

    // MARK: client side

    public mutating func receive(_ bytes: [UInt8], now: Double, api: Int = VirtualRadio.serialAPI) -> [Output] {
        var out: [Output] = []
        var state = apis[api] ?? PhoneAPI()
        let events = state.decoder.feed(bytes)
        apis[api] = state
        for event in events {
            guard case .frame(let payload) = event else { continue }
            guard now - bootedAt >= settings.bootDelaySeconds else { continue }   // config not loaded yet
            guard let message = try? ToRadio(decoding: payload) else { continue }   // "ignore malformed toradio"
            out += handle(message, now: now, api: api)
        }
        return out
    }

    /// The transport went away (TCP connection closed): that API stops pulling packets.
    public mutating func clientGone(api: Int) {
        apis[api] = nil
    }

    private mutating func handle(_ message: ToRadio, now: Double, api: Int) -> [Output] {
        switch message.payloadVariant {
        case .wantConfigId(let nonce)?:
            apis[api, default: PhoneAPI()].connected = false
            return handshake(nonce: nonce, api: api, now: now)
        case .heartbeat?:
            return frames([FromRadio(.queueStatus(queueStatus(id: 0, res: 0, now: now)))], api: api)
        case .disconnect?:
            apis[api, default: PhoneAPI()].connected = false
            return []
        case .packet(let p)?:
            return handleClientPacket(p, now: now, api: api)
        case .mqttClientProxyMessage(let m)?:
            return mqttDownlink(m, now: now)
        default:
            return []
        }
    }

    private mutating func handshake(nonce: UInt32, api: Int, now: Double) -> [Output] {
        var replies: [FromRadio] = []
        let own = ownNodeInfo(now: now)
        if nonce == 69421 {
            replies.append(FromRadio(.nodeInfo(own)))
            replies += settings.knownNodes.map { FromRadio(.nodeInfo($0)) }
        } else {
            var my = MyNodeInfo()
            my.myNodeNum = identity.nodeNum; my.rebootCount = 1; my.minAppVersion = 30200
            my.nodedbCount = UInt32(settings.knownNodes.count + 1)
            replies.append(FromRadio(.myInfo(my)))
            replies.append(FromRadio(.deviceuiConfig(OpaqueMessage())))
            replies.append(FromRadio(.nodeInfo(own)))
            replies.append(FromRadio(.metadata(metadata)))
            replies += (0..<8).map { FromRadio(.channel(channel($0))) }
            // Every config type in order (device … device UI), then one module config per
            // oneof case in tag order (PhoneAPI STATE_SEND_MODULECONFIG): MQTT (1) through
            // paxcounter (13). The same values AdminModule's get_*_config answers with.
            replies += (0...9).map { FromRadio(.config(config(ConfigType(rawValue: $0)))) }
            replies += (0...12).map { FromRadio(.moduleConfig(moduleConfig(ModuleConfigType(rawValue: $0)))) }
            if nonce != 69420 { replies += settings.knownNodes.map { FromRadio(.nodeInfo($0)) } }
        }
        replies.append(FromRadio(.configCompleteId(nonce)))
        apis[api, default: PhoneAPI()].connected = true
        let held = pendingToClient
        pendingToClient.removeAll()
        return frames(replies + held, api: api)
    }

    /// The radio's own entry as PhoneAPI sends it: refreshed (last_heard now) and carrying the
    /// device metrics DeviceTelemetryModule stores there soon after boot, which clients copy
    /// into a telemetry request.
    func ownNodeInfo(now: Double) -> NodeInfo {
        var n = identity.nodeInfo
        n.isFavorite = true
        n.lastHeard = UInt32(max(0, settings.epoch + now))
        n.deviceMetrics = deviceTelemetry(now: now).deviceMetrics
        return n
    }

    /// Entries for a node database as big as a busy mesh leaves behind (names, keys, last heard).
    public static func syntheticNodes(count: Int, random: inout SimRandom) -> [NodeInfo] {
        (0..<count).map { i in
            var id = Identity(nodeNum: 0x5100_0000 + UInt32(i), longName: "Synthetic node \(i + 1)", shortName: "S\(i % 1000)")
            id.publicKey = (0..<32).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            var n = id.nodeInfo
            n.lastHeard = 1_700_000_000 + UInt32(i)
            n.snr = -5
            return n
        }
    }

    private mutating func handleClientPacket(_ packet: MeshPacket, now: Double, api: Int) -> [Output] {
        var p = packet
        // The firmware silently drops an id it saw among this client's last 20.
        if p.id != 0 {
            if recentClientIDs.contains(p.id) { return [] }
            recentClientIDs.append(p.id)
            if recentClientIDs.count > 20 { recentClientIDs.removeFirst() }
        } else {
            p.id = freshID()
        }
        p.from = identity.nodeNum
        // Router::sendLocal fills in the configured hop limit only for a client's packet that
        // asks for an ACK (`src == RX_SRC_USER && p->want_ack && p->hop_limit == 0`): anything
        // else handed over with hop limit 0 goes on the air with 0, and no relay repeats it.
        if p.wantAck && p.hopLimit == 0 { p.hopLimit = settings.hopLimit }
        // The LoRa header holds the hop limit in 3 bits (RadioLibInterface::beginSending masks it).
        p.hopLimit &= 7
        p.hopStart = p.hopLimit
        p.rxTime = 0
        let isBroadcast = p.to == MeshPacket.broadcast

        // Local admin (to our own node, from the API: no session passkey needed). Applied at
        // once: firmware 2.7+ reconfigures the radio live for LoRa changes (AdminModule).
        if p.to == identity.nodeNum, let d = p.decoded, d.portnum == .adminApp {
            return localAdmin(p, d, now: now, api: api)
        }
        perhapsEncodePKI(&p)
        // perhapsEncode: the originator's packets carry the bitfield, OK_TO_MQTT from config.
        if var d = p.decoded {
            d.bitfield = (d.bitfield ?? 0) & ~1 | (settings.okToMqtt ? 1 : 0)
            p.payloadVariant = .decoded(d)
        }
        signIfItFits(&p)

        guard settings.region.transmitAllowed else {
            return frames([FromRadio(.queueStatus(queueStatus(id: p.id, res: 34, now: now)))], api: api)
        }
        let airtime = settings.preset.modem.timeOnAirMilliseconds(bytes: Self.phyBytes(p))
        txEnds.removeAll { $0 <= now }
        if txEnds.count >= Int(maxTxQueue) {
            return frames([FromRadio(.queueStatus(queueStatus(id: p.id, res: 32, now: now)))], api: api)   // ERRNO_UNKNOWN: queue full
        }
        if ledger.firmwareRefuses(nowSeconds: now) {
            let minutes = ledger.firmwareSilentMinutes(nowSeconds: now)
            var n = ClientNotification()
            n.replyId = p.id; n.level = LogLevel(.warning)
            n.message = "Duty cycle limit exceeded. You can send again in \(minutes) mins"
            return frames([
                FromRadio(.queueStatus(queueStatus(id: p.id, res: Int32(RoutingError(.dutyCycleLimit).rawValue), now: now))),
                FromRadio(.packet(errorReply(RoutingError(.dutyCycleLimit), to: p))),
                FromRadio(.clientNotification(n)),
            ], api: api)
        }
        // Router::send, after its duty-cycle check: perhapsEncode refuses; abortSendAndNak answers with a NAK from us to us,
        // and MeshService::sendToMesh tells the client the refusal's code in its QueueStatus.
        if let refusal = encodeRefusal(p) {
            return frames([FromRadio(.queueStatus(queueStatus(id: p.id, res: Int32(refusal.rawValue), now: now))),
                           FromRadio(.packet(errorReply(refusal, to: p)))], api: api)
        }
        ledger.record(startSeconds: now, milliseconds: airtime)
        txEnds.append(max(now, txEnds.last ?? now) + airtime / 1000)
        var out = frames([FromRadio(.queueStatus(queueStatus(id: p.id, res: 0, now: now)))], api: api)
        routeOwn(&p)
        if p.wantAck {
            awaitingAck[p.id] = (p, 1, now + retransmitSeconds(p, now: now))
        }
        var onAir = p
        if isBroadcast { onAir.wantAck = false }   // never sent on air for broadcasts
        out.append(.transmit(onAir))
        out += mqttUplink(onAir, ownPacket: true)
        return out
    }

    // MARK: air side

    /// A packet this radio heard (already de-duplicated and stamped with rx fields by the air).
    /// Returns frames for the client and, for a want_ack DM to us, the ACK to transmit.
    public mutating func heard(_ packet: MeshPacket, now: Double) -> [Output] {
        var out: [Output] = []
        noteChannelBusy(packet, now: now)
        guard !ignores(packet) else { return [] }
        noteHeard(packet)
        learnRoute(from: packet)
        learnUser(from: packet)
        // Our own packet relayed by a neighbour: the firmware's implicit ACK (ReliableRouter::
        // shouldFilterReceived), for a DM as for a broadcast. It stops the retransmissions; a
        // DM's destination still sends its own ACK, which reaches the client as well.
        if packet.from == identity.nodeNum {
            if awaitingAck.removeValue(forKey: packet.id) != nil {
                out += toClient(FromRadio(.packet(errorReply(RoutingError(.none), to: packet))))
            }
            return out
        }
        let forUs = packet.to == identity.nodeNum
        // Router::perhapsDecode: a PKI DM opens only with the sender's key from the node
        // database; the client then sees pki_encrypted and that key. Without the key it does
        // not open: ReliableRouter NAKs it PKI_UNKNOWN_PUBKEY (when it wants an ACK).
        var packet = packet
        if forUs && packet.pkiEncrypted {
            guard let key = publicKey(of: packet.from) else {
                return packet.wantAck ? sendOwn(errorReply(RoutingError(.pkiUnknownPubkey), to: packet), now: now) : []
            }
            packet.publicKey = key
        }
        // Router::handleReceived: a packet it could decode goes up to MQTT (not one that came
        // from there).
        out += mqttUplink(packet, ownPacket: false)
        // An ACK/NAK for one of our packets: retransmissions stop; like every packet addressed
        // to us it goes to the client (RoutingModule delivers it), even after an implicit ACK.
        if let d = packet.decoded, d.portnum == .routingApp, forUs, d.requestId != 0 {
            awaitingAck[d.requestId] = nil
            return out + toClient(FromRadio(.packet(packet)))
        }
        let toUs = forUs || packet.to == MeshPacket.broadcast
        guard let d = packet.decoded else { return toUs ? out + toClient(FromRadio(.packet(packet))) : out }
        // Any other packet carrying request_id (a module's reply) is an ACK too.
        if forUs, d.requestId != 0 { awaitingAck[d.requestId] = nil }
        // MeshModule::callModules: the port's module may answer a want_response request.
        let answer: ModuleAnswer = toUs && d.wantResponse ? moduleAnswer(to: packet, now: now) : .none
        // RoutingModule, the last module: delivers to the client, and ReliableRouter::
        // sniffReceived ACKs a want_ack DM that no module answered. A reply that wants an ACK
        // gets one only when it came straight from its sender (hop limit 0): further away, the
        // sender already heard a relay, which is its implicit ACK.
        if toUs { out += toClient(FromRadio(.packet(packet))) }
        if forUs && packet.wantAck && d.portnum != .routingApp && !answer.isReply {
            if d.requestId == 0 && d.replyId == 0 {
                out += ack(packet, now: now)
            } else if packet.hopStart > 0 && packet.hopStart == packet.hopLimit {
                out += ack(packet, now: now, hopLimit: 0)
            }
        }
        // The end of callModules: the answer goes out, or, when no module answered (and none
        // chose silence), a NO_RESPONSE NAK.
        if toUs && d.wantResponse {
            switch answer {
            case .reply(let r): out += sendOwn(r, now: now)
            case .none: out += sendOwn(errorReply(RoutingError(.noResponse), to: packet), now: now)
            case .ignored: break
            }
        }
        return out
    }

    mutating func apply(_ lora: LoRaConfig) {
        settings.ignoreMqtt = lora.ignoreMqtt
        settings.okToMqtt = lora.configOkToMqtt
        if let r = LoRaRegion.code(lora.region.rawValue), r != settings.region {
            settings.region = r
            ledger = AirtimeLedger(region: r.forRole(isRouter: settings.isRouter))
            // AdminModule on a region change: ignore MQTT where the region limits the duty
            // cycle, and move a default root under the region's name.
            if r.hasDutyCycle { settings.ignoreMqtt = true }
            if settings.mqtt.root.hasPrefix("msh") { settings.mqtt.root = "msh/\(r.name)" }
        }
        if lora.usePreset { settings.preset = LoRaPreset(protobufValue: lora.modemPreset.rawValue) }
        if (1...7).contains(lora.hopLimit) { settings.hopLimit = lora.hopLimit }
    }

    /// NodeDB::updateFrom: every packet heard from a node refreshes its last_heard (the
    /// packet's rx_time), its SNR (when the radio measured one) and, when the header says how
    /// far it came, hops_away = hop_start − hop_limit.
    private mutating func noteHeard(_ p: MeshPacket) {
        guard p.from != identity.nodeNum, let i = settings.knownNodes.firstIndex(where: { $0.num == p.from }) else { return }
        if p.rxTime != 0 { settings.knownNodes[i].lastHeard = p.rxTime }
        if p.rxSnr != 0 { settings.knownNodes[i].snr = p.rxSnr }
        if p.hopStart != 0, p.hopLimit <= p.hopStart { settings.knownNodes[i].hopsAway = p.hopStart - p.hopLimit }
    }

    private mutating func ack(_ packet: MeshPacket, now: Double, hopLimit: UInt32? = nil) -> [Output] {
        var ack = errorReply(RoutingError(.none), to: packet)
        if let hopLimit { ack.hopLimit = hopLimit; ack.hopStart = hopLimit }
        return sendOwn(ack, now: now)
    }

    /// A packet this radio makes itself (an ACK, a NAK, a module's reply): on the air unless the
    /// duty cycle forbids it, retransmitted until ACKed when it wants an ACK, and uplinked like
    /// any other own packet (Router::send).
    mutating func sendOwn(_ packet: MeshPacket, now: Double) -> [Output] {
        guard !ledger.firmwareRefuses(nowSeconds: now) else { return [] }
        var packet = packet
        // Router::send: every packet of ours carries the 2.5+ bitfield (OK_TO_MQTT from config).
        if var d = packet.decoded {
            d.bitfield = (d.bitfield ?? 0) & ~1 | (settings.okToMqtt ? 1 : 0)
            packet.payloadVariant = .decoded(d)
        }
        perhapsEncodePKI(&packet)
        signIfItFits(&packet)
        ledger.record(startSeconds: now, milliseconds: settings.preset.modem.timeOnAirMilliseconds(bytes: Self.phyBytes(packet)))
        routeOwn(&packet)
        if packet.wantAck && packet.to != MeshPacket.broadcast {
            awaitingAck[packet.id] = (packet, 1, now + retransmitSeconds(packet, now: now))
        }
        return [.transmit(packet)] + mqttUplink(packet, ownPacket: true)
    }

    /// A second copy of a packet already heard (NextHopRouter::shouldFilterReceived). Only a
    /// copy straight from its sender (hop_start = hop_limit: the sender retransmitting, so our
    /// ACK was lost) of a want_ack DM to us is ACKed again, with hop limit 0; a copy a relay
    /// repeated is dropped like any other duplicate.
    public mutating func heardAgain(_ packet: MeshPacket, now: Double) -> [Output] {
        noteChannelBusy(packet, now: now)
        guard packet.to == identity.nodeNum, packet.wantAck, let d = packet.decoded, d.portnum != .routingApp,
              packet.hopStart > 0, packet.hopStart == packet.hopLimit else { return [] }
        return ack(packet, now: now, hopLimit: 0)
    }

    /// ReliableRouter's budget for one of our packets: a DM gets `directMessageAttempts`, a
    /// broadcast 3 (NUM_RELIABLE_RETX).
    func attempts(for p: MeshPacket) -> Int {
        p.to == MeshPacket.broadcast ? 3 : settings.directMessageAttempts
    }

    /// RadioInterface::getRetransmissionMsec for `p` (its Data and the 16-byte header), with the
    /// contention window of the channel's utilisation over the last minute.
    func retransmitSeconds(_ p: MeshPacket, now: Double) -> Double {
        // The firmware sizes the packet as it holds it, decoded: no PKI overhead.
        let bytes = Self.phyBytes(p, pki: false)
        return settings.preset.modem.retransmissionMilliseconds(bytes: bytes, channelUtilizationPercent: channelUtilizationPercent(now: now)) / 1000
    }

    /// AirTime::channelUtilizationPercent: the share of the last minute the channel was busy with
    /// what this radio sent or heard.
    func channelUtilizationPercent(now: Double) -> Double {
        let from = now - 60
        let sent = ledger.entries.reduce(0.0) { sum, e in
            sum + max(0, min(e.startSeconds + e.milliseconds / 1000, now) - max(e.startSeconds, from))
        }
        let heard = channelHeard.reduce(0.0) { $0 + max(0, min($1.end, now) - max($1.start, from)) }
        return min(100, (sent + heard) / 60 * 100)
    }

    /// Keeps the last minute of receptions for `channelUtilizationPercent`.
    mutating func noteChannelBusy(_ p: MeshPacket, now: Double) {
        channelHeard.removeAll { $0.end < now - 60 }
        let seconds = settings.preset.modem.timeOnAirMilliseconds(bytes: Self.phyBytes(p)) / 1000
        channelHeard.append((now - seconds, now))
    }

    /// Retransmissions (`attempts(for:)` transmissions in all) and the final NAK MAX_RETRANSMIT.
    public mutating func tick(now: Double) -> [Output] {
        var out: [Output] = []
        // MeshService::loop: once the client was told the queue is full, it is told again
        // (id 0, res 0) as soon as a slot frees up.
        if lastReportedFree == 0 {
            let q = queueStatus(id: 0, res: 0, now: now)
            if q.free > 0, let api = puller() { out += frames([FromRadio(.queueStatus(q))], api: api) }
        }
        for (id, entry) in awaitingAck.sorted(by: { $0.key < $1.key }) where entry.due <= now {
            if entry.tries >= attempts(for: entry.packet) {
                awaitingAck[id] = nil
                out += toClient(FromRadio(.packet(errorReply(RoutingError(.maxRetransmit), to: entry.packet))))
            } else if !ledger.firmwareRefuses(nowSeconds: now) {
                var packet = entry.packet
                // NextHopRouter::doRetransmissions: the last try of an un-ACKed directed DM
                // forgets the route and floods.
                if entry.tries == attempts(for: packet) - 1, packet.to != MeshPacket.broadcast, packet.nextHop != Self.noNextHopPreference {
                    packet.nextHop = Self.noNextHopPreference
                    nextHops.routes[packet.to] = nil
                }
                awaitingAck[id] = (packet, entry.tries + 1, now + retransmitSeconds(packet, now: now))
                ledger.record(startSeconds: now, milliseconds: settings.preset.modem.timeOnAirMilliseconds(bytes: Self.phyBytes(packet)))
                var again = packet
                if again.to == MeshPacket.broadcast { again.wantAck = false }
                out.append(.transmit(again))
            }
        }
        out += retransmitRelayed(now: now)
        return out
    }

    // MARK: helpers

    /// The connected API that takes the next item of the shared to-phone queue.
    private mutating func puller() -> Int? {
        let ready = apis.filter { $0.value.connected }.keys.sorted()
        guard !ready.isEmpty else { return nil }
        nextPuller += 1
        return ready[nextPuller % ready.count]
    }

    mutating func toClient(_ message: FromRadio) -> [Output] {
        guard let api = puller() else {
            hold(message)
            return []
        }
        return frames([message], api: api)
    }

    /// MeshService::handleFromRadio with nobody to take it: a full to-phone queue discards its
    /// oldest packet for a text (or range test) and drops the new one for anything else, so a
    /// lora-msg frame heard while the client is away is lost past `toPhoneQueue` packets.
    private mutating func hold(_ message: FromRadio) {
        func isPacket(_ m: FromRadio) -> Bool { if case .packet = m.payloadVariant { true } else { false } }
        guard case .packet(let p) = message.payloadVariant else {
            pendingToClient.append(message)
            if pendingToClient.count(where: { !isPacket($0) }) > maxHeldForClient,
               let oldest = pendingToClient.firstIndex(where: { !isPacket($0) }) {
                pendingToClient.remove(at: oldest)
            }
            return
        }
        let held = pendingToClient.indices.filter { isPacket(pendingToClient[$0]) }
        if held.count >= settings.toPhoneQueue {
            let port = p.decoded?.portnum.rawValue
            guard port == PortNum.Name.textMessageApp.rawValue || port == PortNum.Name.rangeTestApp.rawValue, let oldest = held.first else {
                droppedForClient += 1
                return
            }
            pendingToClient.remove(at: oldest)
            droppedForClient += 1
        }
        pendingToClient.append(message)
    }

    func frames(_ messages: [FromRadio], api: Int) -> [Output] {
        messages.compactMap { m in (try? FrameEncoder.frame(m)).map { .write($0, api: api) } }
    }

    mutating func queueStatus(id: UInt32, res: Int32, now: Double) -> QueueStatus {
        let busy = UInt32(min(txEnds.filter { $0 > now }.count, Int(maxTxQueue)))
        lastReportedFree = maxTxQueue - busy
        return QueueStatus(res: res, free: maxTxQueue - busy, maxlen: maxTxQueue, meshPacketId: id)
    }

    mutating func freshID() -> UInt32 {
        nextID = nextID &* 1_103_515_245 &+ 12345
        return nextID == 0 ? 1 : nextID
    }

    /// Bytes on the air: the 16-byte header plus the encoded Data (with the bitfield the
    /// firmware always adds), plus 12 for a PKI DM (`pkiEncrypted`, set by `sendsPKI`).
    static func phyBytes(_ p: MeshPacket, pki: Bool? = nil) -> Int {
        var d = p.decoded ?? PacketData()
        d.bitfield = d.bitfield ?? 0
        let dataBytes = p.decoded != nil ? d.encoded().count : (p.payloadVariant.map { if case .encrypted(let e) = $0 { return e.count } else { return 0 } } ?? 0)
        return MeshtasticFrame.phyBytes(encodedData: dataBytes, pki: pki ?? p.pkiEncrypted)
    }
}
