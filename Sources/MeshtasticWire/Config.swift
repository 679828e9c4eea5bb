/// `config.proto` Config. The variants lora-msg reads are modelled; the rest are carried as
/// opaque bytes so a read-modify-write round trip loses nothing.
public struct Config: ProtoMessage {
    public enum Variant: Equatable, Sendable {
        case device(DeviceConfig)
        case position(OpaqueMessage)
        case power(OpaqueMessage)
        case network(OpaqueMessage)
        case display(OpaqueMessage)
        case lora(LoRaConfig)
        case bluetooth(OpaqueMessage)
        case security(SecurityConfig)
        case sessionkey(OpaqueMessage)
        case deviceUi(OpaqueMessage)
    }

    public var payloadVariant: Variant?
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(_ variant: Variant) { payloadVariant = variant }

    public var lora: LoRaConfig? {
        if case .lora(let l) = payloadVariant { return l }
        return nil
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: payloadVariant = .device(try r.message(k))
        case 2: payloadVariant = .position(try r.message(k))
        case 3: payloadVariant = .power(try r.message(k))
        case 4: payloadVariant = .network(try r.message(k))
        case 5: payloadVariant = .display(try r.message(k))
        case 6: payloadVariant = .lora(try r.message(k))
        case 7: payloadVariant = .bluetooth(try r.message(k))
        case 8: payloadVariant = .security(try r.message(k))
        case 9: payloadVariant = .sessionkey(try r.message(k))
        case 10: payloadVariant = .deviceUi(try r.message(k))
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        switch payloadVariant {
        case .device(let m)?: w.message(1, m)
        case .position(let m)?: w.message(2, m)
        case .power(let m)?: w.message(3, m)
        case .network(let m)?: w.message(4, m)
        case .display(let m)?: w.message(5, m)
        case .lora(let m)?: w.message(6, m)
        case .bluetooth(let m)?: w.message(7, m)
        case .security(let m)?: w.message(8, m)
        case .sessionkey(let m)?: w.message(9, m)
        case .deviceUi(let m)?: w.message(10, m)
        case nil: break
        }
        w.raw(unknownFields)
    }
}

public struct DeviceConfig: ProtoMessage {
    public var role = DeviceRole(.client)
    public var serialEnabled = false
    public var buttonGpio: UInt32 = 0
    public var buzzerGpio: UInt32 = 0
    public var rebroadcastMode = RebroadcastMode(.all)
    public var nodeInfoBroadcastSecs: UInt32 = 0
    public var doubleTapAsButtonPress = false
    public var isManaged = false
    public var disableTripleClick = false
    public var tzdef = ""
    public var ledHeartbeatDisabled = false
    public var buzzerMode = BuzzerMode(.allEnabled)
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: role = try r.enumValue(k)
        case 2: serialEnabled = try r.bool(k)
        case 4: buttonGpio = try r.uint32(k)
        case 5: buzzerGpio = try r.uint32(k)
        case 6: rebroadcastMode = try r.enumValue(k)
        case 7: nodeInfoBroadcastSecs = try r.uint32(k)
        case 8: doubleTapAsButtonPress = try r.bool(k)
        case 9: isManaged = try r.bool(k)
        case 10: disableTripleClick = try r.bool(k)
        case 11: tzdef = try r.string(k)
        case 12: ledHeartbeatDisabled = try r.bool(k)
        case 13: buzzerMode = try r.enumValue(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.enumValue(1, role)
        w.bool(2, serialEnabled)
        w.uint32(4, buttonGpio)
        w.uint32(5, buzzerGpio)
        w.enumValue(6, rebroadcastMode)
        w.uint32(7, nodeInfoBroadcastSecs)
        w.bool(8, doubleTapAsButtonPress)
        w.bool(9, isManaged)
        w.bool(10, disableTripleClick)
        w.string(11, tzdef)
        w.bool(12, ledHeartbeatDisabled)
        w.enumValue(13, buzzerMode)
        w.raw(unknownFields)
    }
}

public struct LoRaConfig: ProtoMessage {
    public var usePreset = false
    public var modemPreset = ModemPreset(.longFast)
    /// kHz (the proto comment says MHz; the firmware uses kHz). 31 → 31.25, 62 → 62.5.
    public var bandwidth: UInt32 = 0
    public var spreadFactor: UInt32 = 0
    /// Denominator: 5…8 for 4/5…4/8.
    public var codingRate: UInt32 = 0
    public var frequencyOffset: Float = 0
    public var region = RegionCode(.unset)
    public var hopLimit: UInt32 = 0
    public var txEnabled = false
    public var txPower: Int32 = 0
    public var channelNum: UInt32 = 0
    public var overrideDutyCycle = false
    public var sx126xRxBoostedGain = false
    public var overrideFrequency: Float = 0
    public var paFanDisabled = false
    public var ignoreIncoming: [UInt32] = []
    public var ignoreMqtt = false
    public var configOkToMqtt = false
    public var femLnaMode = FemLnaMode(.disabled)
    public var serialHalOnly = false
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: usePreset = try r.bool(k)
        case 2: modemPreset = try r.enumValue(k)
        case 3: bandwidth = try r.uint32(k)
        case 4: spreadFactor = try r.uint32(k)
        case 5: codingRate = try r.uint32(k)
        case 6: frequencyOffset = try r.float(k)
        case 7: region = try r.enumValue(k)
        case 8: hopLimit = try r.uint32(k)
        case 9: txEnabled = try r.bool(k)
        case 10: txPower = try r.int32(k)
        case 11: channelNum = try r.uint32(k)
        case 12: overrideDutyCycle = try r.bool(k)
        case 13: sx126xRxBoostedGain = try r.bool(k)
        case 14: overrideFrequency = try r.float(k)
        case 15: paFanDisabled = try r.bool(k)
        case 103:
            try r.appendRepeated(k, element: .varint, to: &ignoreIncoming) { (s: inout ProtoReader) throws(WireError) in
                UInt32(truncatingIfNeeded: try s.readVarint())
            }
        case 104: ignoreMqtt = try r.bool(k)
        case 105: configOkToMqtt = try r.bool(k)
        case 106: femLnaMode = try r.enumValue(k)
        case 107: serialHalOnly = try r.bool(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.bool(1, usePreset)
        w.enumValue(2, modemPreset)
        w.uint32(3, bandwidth)
        w.uint32(4, spreadFactor)
        w.uint32(5, codingRate)
        w.float(6, frequencyOffset)
        w.enumValue(7, region)
        w.uint32(8, hopLimit)
        w.bool(9, txEnabled)
        w.int32(10, txPower)
        w.uint32(11, channelNum)
        w.bool(12, overrideDutyCycle)
        w.bool(13, sx126xRxBoostedGain)
        w.float(14, overrideFrequency)
        w.bool(15, paFanDisabled)
        w.packedUInt32(103, ignoreIncoming)
        w.bool(104, ignoreMqtt)
        w.bool(105, configOkToMqtt)
        w.enumValue(106, femLnaMode)
        w.bool(107, serialHalOnly)
        w.raw(unknownFields)
    }
}

public struct SecurityConfig: ProtoMessage {
    public var publicKey: [UInt8] = []
    public var privateKey: [UInt8] = []
    public var adminKey: [[UInt8]] = []
    public var isManaged = false
    public var serialEnabled = false
    public var debugLogApiEnabled = false
    public var adminChannelEnabled = false
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: publicKey = try r.bytes(k)
        case 2: privateKey = try r.bytes(k)
        case 3: adminKey.append(try r.bytes(k))
        case 4: isManaged = try r.bool(k)
        case 5: serialEnabled = try r.bool(k)
        case 6: debugLogApiEnabled = try r.bool(k)
        case 8: adminChannelEnabled = try r.bool(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.bytes(1, publicKey)
        w.bytes(2, privateKey)
        w.repeatedBytes(3, adminKey)
        w.bool(4, isManaged)
        w.bool(5, serialEnabled)
        w.bool(6, debugLogApiEnabled)
        w.bool(8, adminChannelEnabled)
        w.raw(unknownFields)
    }
}
