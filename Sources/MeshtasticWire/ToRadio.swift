/// Host → radio. Exactly one variant per frame.
public struct ToRadio: ProtoMessage {
    /// Config without other nodes' NodeInfos (firmware ≥ 2.3.11): connecting costs the same
    /// with 10 or 250 nodes in the radio's database.
    public static let configOnlyNonce: UInt32 = 69420
    /// Own NodeInfo plus all other NodeInfos, nothing else (firmware ≥ 2.6.8).
    public static let nodesOnlyNonce: UInt32 = 69421

    public enum Variant: Equatable, Sendable {
        case packet(MeshPacket)
        case wantConfigId(UInt32)
        case disconnect(Bool)
        case xmodemPacket(OpaqueMessage)
        case mqttClientProxyMessage(MqttClientProxyMessage)
        case heartbeat(Heartbeat)
    }

    public var payloadVariant: Variant?
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(_ variant: Variant) { payloadVariant = variant }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: payloadVariant = .packet(try r.message(k))
        case 3: payloadVariant = .wantConfigId(try r.uint32(k))
        case 4: payloadVariant = .disconnect(try r.bool(k))
        case 5: payloadVariant = .xmodemPacket(try r.message(k))
        case 6: payloadVariant = .mqttClientProxyMessage(try r.message(k))
        case 7: payloadVariant = .heartbeat(try r.message(k))
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        switch payloadVariant {
        case .packet(let m)?: w.message(1, m)
        case .wantConfigId(let n)?: w.uint32(3, n, always: true)
        case .disconnect(let b)?: w.bool(4, b, always: true)
        case .xmodemPacket(let m)?: w.message(5, m)
        case .mqttClientProxyMessage(let m)?: w.message(6, m)
        case .heartbeat(let m)?: w.message(7, m)
        case nil: break
        }
        w.raw(unknownFields)
    }
}
