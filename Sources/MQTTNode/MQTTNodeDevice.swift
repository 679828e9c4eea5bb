import LoRaPHY
import MeshChannel
import MeshtasticWire

/// A Meshtastic node that lives on an MQTT broker instead of the air, behind the same stream
/// API a radio speaks (sans-I/O: bytes and broker messages in, bytes and publishes out). It
/// is what lets `lora-msg send/tail --mqtt` reach a valley with no radio at all: the valley's
/// gateway downlinks what it publishes, and uplinks what the valley says.
///
/// It does what the firmware's MQTT module does for a node's own packets (encrypt with the
/// channel key, publish a ServiceEnvelope on ROOT/2/e/CHANNEL/!node, ACK a want_ack packet
/// addressed to it) and what its PhoneAPI does for a client (handshake, QueueStatus). It never
/// relays anything: a broker node is a leaf.
public struct MQTTNodeDevice: Sendable {
    public struct Settings: Sendable {
        public var nodeNum: UInt32
        public var longName = "lora-msg over MQTT"
        public var root = "msh/EU_868"
        /// Primary channel name (empty = "LongFast") and PSK ([1] = the public default key).
        public var channelName = ""
        public var psk: [UInt8] = [1]
        /// How long a want_ack DM waits for the far radio's ACK before it is NAKed
        /// (the firmware's three tries at ~7.5 s, plus two broker crossings and a valley's relays).
        public var ackTimeoutSeconds = 60.0
        public init(nodeNum: UInt32) { self.nodeNum = nodeNum }
    }

    public enum Output: Equatable, Sendable {
        case write([UInt8])
        case publish(topic: String, payload: [UInt8])
    }

    public let settings: Settings
    public var nodeID: String { User.nodeID(settings.nodeNum) }
    public var channelID: String { settings.channelName.isEmpty ? "LongFast" : settings.channelName }
    public var topic: String { MQTTTopic(root: settings.root, channelID: channelID, gatewayID: nodeID).description }
    public var subscription: String { MQTTTopic.subscription(root: settings.root, channelID: channelID) }
    /// The region in the root ("msh/EU_868"), whose duty cycle the valley's gateway radio obeys
    /// when it rebroadcasts what we send; EU_868, the strictest common one, when it names none.
    public var region: LoRaRegion { settings.root.split(separator: "/").last.flatMap { LoRaRegion.named(String($0)) } ?? .eu868 }

    private let key: ChannelKey
    private let hash: UInt8
    private var decoder = FrameDecoder()
    private var connected = false
    private var seen: [UInt64: Double] = [:]
    private var awaitingAck: [UInt32: Double] = [:]
    private var nextID: UInt32
    private var held: [FromRadio] = []

    public init(settings: Settings) {
        self.settings = settings
        key = ChannelKey(psk: settings.psk)
        hash = key.hash(channelName: settings.channelName.isEmpty ? "LongFast" : settings.channelName)
        nextID = settings.nodeNum &* 2_654_435_761 | 1
    }

    // MARK: client side

    public mutating func receive(_ bytes: [UInt8], now: Double) -> [Output] {
        var out: [Output] = []
        for event in decoder.feed(bytes) {
            guard case .frame(let payload) = event, let message = try? ToRadio(decoding: payload) else { continue }
            switch message.payloadVariant {
            case .wantConfigId(let nonce)?:
                out += handshake(nonce)
            case .heartbeat?:
                out += frames([FromRadio(.queueStatus(QueueStatus(res: 0, free: 16, maxlen: 16, meshPacketId: 0)))])
            case .disconnect?:
                connected = false
            case .packet(let p)?:
                out += fromClient(p, now: now)
            default:
                break
            }
        }
        return out
    }

    /// The client went away (its TCP connection closed).
    public mutating func clientGone() {
        connected = false
        decoder = FrameDecoder()
    }

    private mutating func handshake(_ nonce: UInt32) -> [Output] {
        var replies: [FromRadio] = []
        var my = MyNodeInfo(); my.myNodeNum = settings.nodeNum; my.rebootCount = 0; my.minAppVersion = 30200
        replies.append(FromRadio(.myInfo(my)))
        var user = User(); user.id = nodeID; user.longName = settings.longName; user.shortName = "MQTT"
        var own = NodeInfo(); own.num = settings.nodeNum; own.user = user
        replies.append(FromRadio(.nodeInfo(own)))
        var channel = Channel(); channel.role = ChannelRole(.primary)
        var cs = ChannelSettings(); cs.name = settings.channelName; cs.psk = settings.psk; cs.uplinkEnabled = true; cs.downlinkEnabled = true
        channel.settings = cs
        replies.append(FromRadio(.channel(channel)))
        var lora = LoRaConfig(); lora.usePreset = true; lora.modemPreset = ModemPreset(.longFast)
        lora.region = RegionCode(rawValue: region.code); lora.hopLimit = 3; lora.txEnabled = true; lora.configOkToMqtt = true
        replies.append(FromRadio(.config(Config(.lora(lora)))))
        var mqtt = MQTTConfig(); mqtt.enabled = true; mqtt.encryptionEnabled = true; mqtt.root = settings.root
        replies.append(FromRadio(.moduleConfig(ModuleConfig(mqtt: mqtt))))
        replies.append(FromRadio(.configCompleteId(nonce)))
        connected = true
        let backlog = held
        held.removeAll()
        return frames(replies + backlog)
    }

    private mutating func fromClient(_ packet: MeshPacket, now: Double) -> [Output] {
        var p = packet
        if p.id == 0 { p.id = freshID() }
        p.from = settings.nodeNum
        if p.hopLimit == 0 || p.hopLimit > 7 { p.hopLimit = 3 }
        p.hopStart = p.hopLimit
        func status(_ res: Int32) -> [Output] { frames([FromRadio(.queueStatus(QueueStatus(res: res, free: 16, maxlen: 16, meshPacketId: p.id)))]) }
        // Admin to ourselves: nothing to configure on a broker node.
        if p.to == settings.nodeNum { return status(0) }
        guard var d = p.decoded else { return status(0) }
        d.bitfield = (d.bitfield ?? 0) | 1   // OK_TO_MQTT: it is already on MQTT
        p.payloadVariant = .decoded(d)
        if p.to == MeshPacket.broadcast { p.wantAck = false }
        // Refused as a radio refuses a packet it has no interface for (QueueStatus res 33),
        // rather than published in the clear.
        guard let published = try? publish(p) else { return status(33) }
        if p.wantAck { awaitingAck[p.id] = now + settings.ackTimeoutSeconds }
        return status(0) + [published]
    }

    private func publish(_ p: MeshPacket) throws(ChannelCipherError) -> Output {
        let sealed = try ChannelCipher.seal(p, key: key, channelHash: hash)
        return .publish(topic: topic, payload: ServiceEnvelope(packet: sealed, channelID: channelID, gatewayID: nodeID).encoded())
    }

    // MARK: broker side

    /// One message from the broker on our subscription.
    public mutating func fromBroker(topic: String, payload: [UInt8], now: Double) -> [Output] {
        guard payload.count <= 435, let t = MQTTTopic(parsing: topic), t.root == settings.root, t.channelID == channelID,
              let e = try? ServiceEnvelope(decoding: payload), let packet = e.packet, e.channelID == channelID else { return [] }
        if e.gatewayID == nodeID {
            // Our own publish came back: the broker has it. As the firmware does for a gateway's
            // own packet seen on MQTT, an implicit ACK (it does not stop a DM's wait for its ACK).
            guard packet.from == settings.nodeNum else { return [] }
            return toClient(routing(.none, requestID: packet.id, from: settings.nodeNum))
        }
        guard packet.from != settings.nodeNum, packet.from != MeshPacket.broadcast, packet.hopLimit <= 7, packet.hopStart <= 7,
              var p = ChannelCipher.open(packet, key: key, channelHash: hash) else { return [] }
        let k = UInt64(p.from) << 32 | UInt64(p.id)
        if seen.count > 4096 { seen = seen.filter { now - $0.value < 600 } }
        if let at = seen[k], now - at < 600 { return [] }
        seen[k] = now
        guard p.to == settings.nodeNum || p.to == MeshPacket.broadcast else { return [] }
        p.viaMqtt = true
        var out: [Output] = []
        if let d = p.decoded, d.portnum == .routingApp, d.requestId != 0 {
            awaitingAck[d.requestId] = nil
        } else if p.to == settings.nodeNum && p.wantAck {
            var ack = routing(.none, requestID: p.id, from: settings.nodeNum)
            ack.to = p.from; ack.id = freshID(); ack.hopLimit = 3; ack.hopStart = 3
            ack.priority = PacketPriority(.ack)
            if var d = ack.decoded { d.bitfield = 1; ack.payloadVariant = .decoded(d) }
            // An ACK that cannot be sealed is not sent: the sender retries, then gets its NAK.
            if let published = try? publish(ack) { out.append(published) }
        }
        return out + toClient(p)
    }

    /// NAKs for DMs whose ACK never came, as the firmware's MAX_RETRANSMIT.
    public mutating func tick(now: Double) -> [Output] {
        var out: [Output] = []
        for (id, due) in awaitingAck.sorted(by: { $0.key < $1.key }) where due <= now {
            awaitingAck[id] = nil
            out += toClient(routing(.maxRetransmit, requestID: id, from: settings.nodeNum))
        }
        return out
    }

    public var nextDeadline: Double? { awaitingAck.values.min() }

    // MARK: helpers

    private func routing(_ reason: RoutingError.Name, requestID: UInt32, from: UInt32) -> MeshPacket {
        var p = MeshPacket()
        p.from = from
        p.to = settings.nodeNum
        var d = PacketData(portnum: PortNum(.routingApp), payload: Routing(errorReason: RoutingError(reason)).encoded())
        d.requestId = requestID
        p.payloadVariant = .decoded(d)
        return p
    }

    private mutating func toClient(_ p: MeshPacket) -> [Output] {
        let m = FromRadio(.packet(p))
        guard connected else {
            held.append(m)
            if held.count > 64 { held.removeFirst() }
            return []
        }
        return frames([m])
    }

    private func frames(_ messages: [FromRadio]) -> [Output] {
        messages.compactMap { m in (try? FrameEncoder.frame(m)).map { .write($0) } }
    }

    private mutating func freshID() -> UInt32 {
        nextID = nextID &* 1_103_515_245 &+ 12345
        return nextID == 0 ? 1 : nextID
    }
}
