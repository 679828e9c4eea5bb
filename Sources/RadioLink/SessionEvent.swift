import MeshtasticWire

/// What the attached radio told us about itself during the handshake.
public struct RadioInfo: Equatable, Sendable {
    public init() {}
    public var myInfo = MyNodeInfo()
    public var ownNode: NodeInfo?
    public var metadata: DeviceMetadata?
    public var channels: [Channel] = []
    public var lora: LoRaConfig?
    /// The MQTT module's config (ModuleConfig.mqtt), when the radio sent it.
    public var mqtt: MQTTConfig?
    public var otherNodes: [UInt32: NodeInfo] = [:]

    public var nodeNum: UInt32 { myInfo.myNodeNum }
    public var nodeID: String { User.nodeID(myInfo.myNodeNum) }
    public var primaryChannel: Channel? { channels.first { $0.role == .primary } }
}

/// How far a packet we handed to the radio has got.
public enum DeliveryUpdate: Equatable, Sendable {
    /// The radio accepted it into its TX queue.
    case queued
    /// A neighbour was heard relaying our packet (implicit ACK: from == our own node). For a
    /// DM the destination's own ACK may still follow.
    case relayed
    /// The radio's transmit queue was full; the packet waits for a slot and goes out again
    /// under this new id, which later updates refer to.
    case renumbered(UInt32)
    /// The destination radio acknowledged it.
    case acked(by: UInt32)
    /// Refused by the radio (QueueStatus res ≠ 0) or NAKed by the mesh.
    case failed(DeliveryFailure)
    /// The firmware explained something about this packet (e.g. when the duty cycle frees up).
    case notice(String)
}

public enum DeliveryFailure: Equatable, Sendable, CustomStringConvertible {
    /// QueueStatus.res ≠ 0: a mix of ERRNO codes and Routing.Error values.
    case refused(code: Int32)
    case nak(RoutingError)

    public var description: String {
        switch self {
        case .refused(32): return "the radio's transmit queue is full"
        case .refused(33): return "the radio has no interface to send on"
        case .refused(34): return "the radio refused to transmit (region unset or TX disabled)"
        case .refused(let c): return "the radio refused the packet (\(Self.routingText(RoutingError(rawValue: c))))"
        case .nak(let e): return Self.routingText(e)
        }
    }

    /// The mesh's reason, whichever way the radio said it: a NAK, or a QueueStatus refusal whose
    /// code is a Routing.Error (every code but the ERRNO ones, 32–34, that the firmware's
    /// MeshService::sendToMesh also puts there).
    public var routingError: RoutingError? {
        switch self {
        case .nak(let e): return e
        case .refused(let c) where (32...34).contains(c): return nil
        case .refused(let c): return RoutingError(rawValue: c)
        }
    }

    /// The radio has no key for the destination and sends no DM without one (2.7.26+).
    public var lacksPublicKey: Bool {
        guard let e = routingError else { return false }
        return e == RoutingError(.pkiSendFailPublicKey) || e == RoutingError(.pkiUnknownPubkey)
    }

    static func routingText(_ e: RoutingError) -> String {
        switch e {
        case .maxRetransmit: return "no acknowledgement after the radio's last retransmission"
        case .dutyCycleLimit: return "the regional duty cycle is used up"
        case .tooLarge: return "the packet is too large for one LoRa frame"
        case .noChannel: return "no such channel on the radio"
        case .pkiSendFailPublicKey, .pkiUnknownPubkey: return "the radio has no public key for the destination node"
        case .pkiFailed: return "the radio could not PKI-encrypt the packet"
        case .rateLimitExceeded: return "the radio's rate limit was exceeded"
        case .noInterface: return "the radio has no interface to send on"
        default: return "routing error \(e)"
        }
    }
}

public enum SessionEvent: Equatable, Sendable {
    case connected(RadioInfo)
    case packetReceived(MeshPacket)
    /// A packet the session consumed itself (an ACK) said how many relays it came through
    /// from `node`: the path's length, for a sender pacing a stream.
    case heardFrom(node: UInt32, relays: Int)
    case delivery(packetID: UInt32, DeliveryUpdate)
    case nodeUpdated(NodeInfo)
    case log(String)
    /// A ClientNotification not tied to one of our packets.
    case notification(ClientNotification)
    /// The radio rebooted: the session redoes the handshake by itself.
    case rebooted
    /// No handshake after every retry: not a Meshtastic radio, or not answering.
    case handshakeFailed(attempts: Int)
    /// The radio's MQTT module (client-proxy mode) wants this published on the broker.
    case mqttProxy(MqttClientProxyMessage)
}
