/// ADMIN_APP payload: the variants a CLI needs. Others survive as unknown fields.
/// Local admin (from the API) needs no session passkey; get_* requests are answered only
/// when the packet's `Data.wantResponse` is set.
public struct AdminMessage: ProtoMessage {
    public enum Variant: Equatable, Sendable {
        /// Channel index + 1.
        case getChannelRequest(UInt32)
        case getChannelResponse(Channel)
        case getOwnerRequest(Bool)
        case getOwnerResponse(User)
        case getConfigRequest(ConfigType)
        case getConfigResponse(Config)
        case getModuleConfigRequest(ModuleConfigType)
        case getModuleConfigResponse(ModuleConfig)
        case getDeviceMetadataRequest(Bool)
        case getDeviceMetadataResponse(DeviceMetadata)
        /// The canned-message module's messages, "|"-separated (an empty string is a response too).
        case getCannedMessageModuleMessagesRequest(Bool)
        case getCannedMessageModuleMessagesResponse(String)
        /// The external-notification module's RTTTL ringtone.
        case getRingtoneRequest(Bool)
        case getRingtoneResponse(String)
        case setOwner(User)
        case setChannel(Channel)
        case setConfig(Config)
        case setModuleConfig(ModuleConfig)
        case setTimeOnly(UInt32)
        case beginEditSettings(Bool)
        case commitEditSettings(Bool)
        case rebootSeconds(Int32)
        case shutdownSeconds(Int32)
        case factoryResetConfig(Int32)
        case nodedbReset(Bool)
    }

    public var sessionPasskey: [UInt8] = []
    public var payloadVariant: Variant?
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(_ variant: Variant) { payloadVariant = variant }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 101: sessionPasskey = try r.bytes(k)
        case 1: payloadVariant = .getChannelRequest(try r.uint32(k))
        case 2: payloadVariant = .getChannelResponse(try r.message(k))
        case 3: payloadVariant = .getOwnerRequest(try r.bool(k))
        case 4: payloadVariant = .getOwnerResponse(try r.message(k))
        case 5: payloadVariant = .getConfigRequest(try r.enumValue(k))
        case 6: payloadVariant = .getConfigResponse(try r.message(k))
        case 7: payloadVariant = .getModuleConfigRequest(try r.enumValue(k))
        case 8: payloadVariant = .getModuleConfigResponse(try r.message(k))
        case 12: payloadVariant = .getDeviceMetadataRequest(try r.bool(k))
        case 13: payloadVariant = .getDeviceMetadataResponse(try r.message(k))
        case 10: payloadVariant = .getCannedMessageModuleMessagesRequest(try r.bool(k))
        case 11: payloadVariant = .getCannedMessageModuleMessagesResponse(try r.string(k))
        case 14: payloadVariant = .getRingtoneRequest(try r.bool(k))
        case 15: payloadVariant = .getRingtoneResponse(try r.string(k))
        case 32: payloadVariant = .setOwner(try r.message(k))
        case 33: payloadVariant = .setChannel(try r.message(k))
        case 34: payloadVariant = .setConfig(try r.message(k))
        case 35: payloadVariant = .setModuleConfig(try r.message(k))
        case 43: payloadVariant = .setTimeOnly(try r.fixed32(k))
        case 64: payloadVariant = .beginEditSettings(try r.bool(k))
        case 65: payloadVariant = .commitEditSettings(try r.bool(k))
        case 97: payloadVariant = .rebootSeconds(try r.int32(k))
        case 98: payloadVariant = .shutdownSeconds(try r.int32(k))
        case 99: payloadVariant = .factoryResetConfig(try r.int32(k))
        case 100: payloadVariant = .nodedbReset(try r.bool(k))
        default: return false
        }
        return true
    }

    /// Field order follows the official encoders: by field number, so session_passkey (101)
    /// goes after every variant but node_db_reset (100).
    public func encode(to w: inout ProtoWriter) {
        switch payloadVariant {
        case .getChannelRequest(let n)?: w.uint32(1, n, always: true)
        case .getChannelResponse(let m)?: w.message(2, m)
        case .getOwnerRequest(let b)?: w.bool(3, b, always: true)
        case .getOwnerResponse(let m)?: w.message(4, m)
        case .getConfigRequest(let t)?: w.enumValue(5, t, always: true)
        case .getConfigResponse(let m)?: w.message(6, m)
        case .getModuleConfigRequest(let t)?: w.enumValue(7, t, always: true)
        case .getModuleConfigResponse(let m)?: w.message(8, m)
        case .getCannedMessageModuleMessagesRequest(let b)?: w.bool(10, b, always: true)
        case .getCannedMessageModuleMessagesResponse(let s)?: w.string(11, s, always: true)
        case .getDeviceMetadataRequest(let b)?: w.bool(12, b, always: true)
        case .getDeviceMetadataResponse(let m)?: w.message(13, m)
        case .getRingtoneRequest(let b)?: w.bool(14, b, always: true)
        case .getRingtoneResponse(let s)?: w.string(15, s, always: true)
        case .setOwner(let m)?: w.message(32, m)
        case .setChannel(let m)?: w.message(33, m)
        case .setConfig(let m)?: w.message(34, m)
        case .setModuleConfig(let m)?: w.message(35, m)
        case .setTimeOnly(let t)?: w.fixed32(43, t, always: true)
        case .beginEditSettings(let b)?: w.bool(64, b, always: true)
        case .commitEditSettings(let b)?: w.bool(65, b, always: true)
        case .rebootSeconds(let s)?: w.int32(97, s, always: true)
        case .shutdownSeconds(let s)?: w.int32(98, s, always: true)
        case .factoryResetConfig(let s)?: w.int32(99, s, always: true)
        case .nodedbReset(let b)?: w.bool(100, b, always: true)
        case nil: break
        }
        w.bytes(101, sessionPasskey)
        w.raw(unknownFields)
    }
}
