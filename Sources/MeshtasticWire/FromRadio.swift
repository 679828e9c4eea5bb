/// Radio → host. Exactly one variant per frame; a variant from newer firmware that this
/// build does not know leaves `payloadVariant` nil (and its bytes in `unknownFields`).
public struct FromRadio: ProtoMessage {
    public enum Variant: Equatable, Sendable {
        case packet(MeshPacket)
        case myInfo(MyNodeInfo)
        case nodeInfo(NodeInfo)
        case config(Config)
        case logRecord(LogRecord)
        case configCompleteId(UInt32)
        case rebooted(Bool)
        case moduleConfig(ModuleConfig)
        case channel(Channel)
        case queueStatus(QueueStatus)
        case xmodemPacket(OpaqueMessage)
        case metadata(DeviceMetadata)
        case mqttClientProxyMessage(MqttClientProxyMessage)
        case fileInfo(FileInfo)
        case clientNotification(ClientNotification)
        case deviceuiConfig(OpaqueMessage)
        case lockdownStatus(OpaqueMessage)
        /// Firmware master (2.8) only.
        case regionPresets(OpaqueMessage)
    }

    /// Never set by current firmware.
    public var id: UInt32 = 0
    public var payloadVariant: Variant?
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(_ variant: Variant) { payloadVariant = variant }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: id = try r.uint32(k)
        case 2: payloadVariant = .packet(try r.message(k))
        case 3: payloadVariant = .myInfo(try r.message(k))
        case 4: payloadVariant = .nodeInfo(try r.message(k))
        case 5: payloadVariant = .config(try r.message(k))
        case 6: payloadVariant = .logRecord(try r.message(k))
        case 7: payloadVariant = .configCompleteId(try r.uint32(k))
        case 8: payloadVariant = .rebooted(try r.bool(k))
        case 9: payloadVariant = .moduleConfig(try r.message(k))
        case 10: payloadVariant = .channel(try r.message(k))
        case 11: payloadVariant = .queueStatus(try r.message(k))
        case 12: payloadVariant = .xmodemPacket(try r.message(k))
        case 13: payloadVariant = .metadata(try r.message(k))
        case 14: payloadVariant = .mqttClientProxyMessage(try r.message(k))
        case 15: payloadVariant = .fileInfo(try r.message(k))
        case 16: payloadVariant = .clientNotification(try r.message(k))
        case 17: payloadVariant = .deviceuiConfig(try r.message(k))
        case 18: payloadVariant = .lockdownStatus(try r.message(k))
        case 19: payloadVariant = .regionPresets(try r.message(k))
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.uint32(1, id)
        switch payloadVariant {
        case .packet(let m)?: w.message(2, m)
        case .myInfo(let m)?: w.message(3, m)
        case .nodeInfo(let m)?: w.message(4, m)
        case .config(let m)?: w.message(5, m)
        case .logRecord(let m)?: w.message(6, m)
        case .configCompleteId(let n)?: w.uint32(7, n, always: true)
        case .rebooted(let b)?: w.bool(8, b, always: true)
        case .moduleConfig(let m)?: w.message(9, m)
        case .channel(let m)?: w.message(10, m)
        case .queueStatus(let m)?: w.message(11, m)
        case .xmodemPacket(let m)?: w.message(12, m)
        case .metadata(let m)?: w.message(13, m)
        case .mqttClientProxyMessage(let m)?: w.message(14, m)
        case .fileInfo(let m)?: w.message(15, m)
        case .clientNotification(let m)?: w.message(16, m)
        case .deviceuiConfig(let m)?: w.message(17, m)
        case .lockdownStatus(let m)?: w.message(18, m)
        case .regionPresets(let m)?: w.message(19, m)
        case nil: break
        }
        w.raw(unknownFields)
    }
}
