/// `MqttClientProxyMessage` (mesh.proto): one MQTT publish passed between a radio whose MQTT
/// module runs in client-proxy mode and the client that has the internet connection
/// (`FromRadio` 14 uplink, `ToRadio` 6 downlink).
public struct MqttClientProxyMessage: ProtoMessage {
    public enum Payload: Equatable, Sendable {
        case data([UInt8])
        case text(String)
    }

    public var topic = ""
    /// `oneof payload_variant`: data = 2, text = 3.
    public var payload: Payload?
    public var retained = false
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(topic: String, payload: Payload?, retained: Bool = false) {
        self.topic = topic; self.payload = payload; self.retained = retained
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: topic = try r.string(k)
        case 2: payload = .data(try r.bytes(k))
        case 3: payload = .text(try r.string(k))
        case 4: retained = try r.bool(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.string(1, topic)
        switch payload {
        // A oneof member is written even when empty: presence is the information.
        case .data(let d)?: w.bytes(2, d, always: true)
        case .text(let t)?: w.string(3, t, always: true)
        case nil: break
        }
        w.bool(4, retained)
        w.raw(unknownFields)
    }
}

/// `ServiceEnvelope` (mqtt.proto): what a gateway publishes on `ROOT/2/e/CHANNEL/!gateway`: the
/// packet (still encrypted with the channel key, unless the channel is unencrypted) and where
/// it came from.
public struct ServiceEnvelope: ProtoMessage {
    public var packet: MeshPacket?
    public var channelID = ""
    public var gatewayID = ""
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(packet: MeshPacket, channelID: String, gatewayID: String) {
        self.packet = packet; self.channelID = channelID; self.gatewayID = gatewayID
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: packet = try r.message(k)
        case 2: channelID = try r.string(k)
        case 3: gatewayID = try r.string(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        if let packet { w.message(1, packet) }
        w.string(2, channelID)
        w.string(3, gatewayID)
        w.raw(unknownFields)
    }
}
