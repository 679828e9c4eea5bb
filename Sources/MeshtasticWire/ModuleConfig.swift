/// `ModuleConfig` (module_config.proto): a oneof of one config per module. Only the MQTT
/// module's is typed (the gateway needs it); every other module's bytes are kept verbatim in
/// `unknownFields`, so a config read from a radio writes back unchanged.
public struct ModuleConfig: ProtoMessage {
    public var mqtt: MQTTConfig?
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(mqtt: MQTTConfig) { self.mqtt = mqtt }

    /// One module's config at its defaults: the oneof case `tag` holding an empty message, as
    /// the firmware sends each module it has (tag = `ModuleConfigType` + 1; 1 is MQTT).
    public init(emptyVariant tag: Int) {
        if tag == 1 { mqtt = MQTTConfig(); return }
        var w = ProtoWriter()
        w.bytes(tag, [], always: true)
        unknownFields = w.bytes
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: mqtt = try r.message(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        if let mqtt { w.message(1, mqtt) }
        w.raw(unknownFields)
    }
}

/// `ModuleConfig.MQTTConfig`. In client-proxy mode the radio has no network of its own: its
/// MQTT module hands every publish to the connected client and takes downlink from it.
public struct MQTTConfig: ProtoMessage {
    public var enabled = false
    public var address = ""
    public var username = ""
    public var password = ""
    /// Uplink the channel-encrypted packet (true), or the decoded one (false).
    public var encryptionEnabled = false
    public var jsonEnabled = false
    public var tlsEnabled = false
    /// Topic root; the firmware makes it "msh/REGION" when a region is set on a default root.
    public var root = ""
    public var proxyToClientEnabled = false
    public var mapReportingEnabled = false
    public var mapReportSettings: OpaqueMessage?
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: enabled = try r.bool(k)
        case 2: address = try r.string(k)
        case 3: username = try r.string(k)
        case 4: password = try r.string(k)
        case 5: encryptionEnabled = try r.bool(k)
        case 6: jsonEnabled = try r.bool(k)
        case 7: tlsEnabled = try r.bool(k)
        case 8: root = try r.string(k)
        case 9: proxyToClientEnabled = try r.bool(k)
        case 10: mapReportingEnabled = try r.bool(k)
        case 11: mapReportSettings = try r.message(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.bool(1, enabled)
        w.string(2, address)
        w.string(3, username)
        w.string(4, password)
        w.bool(5, encryptionEnabled)
        w.bool(6, jsonEnabled)
        w.bool(7, tlsEnabled)
        w.string(8, root)
        w.bool(9, proxyToClientEnabled)
        w.bool(10, mapReportingEnabled)
        w.message(11, mapReportSettings)
        w.raw(unknownFields)
    }
}
