public struct Channel: ProtoMessage {
    public var index: Int32 = 0
    public var settings: ChannelSettings?
    public var role = ChannelRole(.disabled)
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: index = try r.int32(k)
        case 2: settings = try r.message(k)
        case 3: role = try r.enumValue(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.int32(1, index)
        w.message(2, settings)
        w.enumValue(3, role)
        w.raw(unknownFields)
    }
}

public struct ChannelSettings: ProtoMessage {
    public var channelNum: UInt32 = 0
    /// 0, 1, 16 or 32 bytes; one byte N ≥ 1 is shorthand for the default key variant N.
    public var psk: [UInt8] = []
    /// Empty means the modem preset's display name ("LongFast").
    public var name = ""
    public var id: UInt32 = 0
    public var uplinkEnabled = false
    public var downlinkEnabled = false
    public var moduleSettings: ModuleSettings?
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: channelNum = try r.uint32(k)
        case 2: psk = try r.bytes(k)
        case 3: name = try r.string(k)
        case 4: id = try r.fixed32(k)
        case 5: uplinkEnabled = try r.bool(k)
        case 6: downlinkEnabled = try r.bool(k)
        case 7: moduleSettings = try r.message(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.uint32(1, channelNum)
        w.bytes(2, psk)
        w.string(3, name)
        w.fixed32(4, id)
        w.bool(5, uplinkEnabled)
        w.bool(6, downlinkEnabled)
        w.message(7, moduleSettings)
        w.raw(unknownFields)
    }
}

public struct ModuleSettings: ProtoMessage {
    public var positionPrecision: UInt32 = 0
    public var isMuted = false
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: positionPrecision = try r.uint32(k)
        case 2: isMuted = try r.bool(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.uint32(1, positionPrecision)
        w.bool(2, isMuted)
        w.raw(unknownFields)
    }
}
