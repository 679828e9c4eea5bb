/// The radio's answer to every packet handed to it (and, since 2.7.4, to a heartbeat).
public struct QueueStatus: ProtoMessage {
    /// 0 = accepted. Otherwise a code from a mixed space: 32 TX queue full, 33 no interfaces,
    /// 34 disabled (region UNSET / tx off) — or a `RoutingError` value (6, 7, 9, 34, 39).
    public var res: Int32 = 0
    public var free: UInt32 = 0
    public var maxlen: UInt32 = 0
    public var meshPacketId: UInt32 = 0
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(res: Int32, free: UInt32, maxlen: UInt32, meshPacketId: UInt32) {
        self.res = res; self.free = free; self.maxlen = maxlen; self.meshPacketId = meshPacketId
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: res = try r.int32(k)
        case 2: free = try r.uint32(k)
        case 3: maxlen = try r.uint32(k)
        case 4: meshPacketId = try r.uint32(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.int32(1, res)
        w.uint32(2, free)
        w.uint32(3, maxlen)
        w.uint32(4, meshPacketId)
        w.raw(unknownFields)
    }
}

public struct LogRecord: ProtoMessage {
    public var message = ""
    public var time: UInt32 = 0
    public var source = ""
    public var level = LogLevel(.unset)
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: message = try r.string(k)
        case 2: time = try r.fixed32(k)
        case 3: source = try r.string(k)
        case 4: level = try r.enumValue(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.string(1, message)
        w.fixed32(2, time)
        w.string(3, source)
        w.enumValue(4, level)
        w.raw(unknownFields)
    }
}

/// Keep-alive. Send nonce 0: since firmware 2.7.5 nonce 1 makes the radio broadcast its NodeInfo.
public struct Heartbeat: ProtoMessage {
    public var nonce: UInt32 = 0
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(nonce: UInt32) { self.nonce = nonce }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        guard k.number == 1 else { return false }
        nonce = try r.uint32(k)
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.uint32(1, nonce)
        w.raw(unknownFields)
    }
}

/// A human-readable message from the firmware, e.g. "Duty cycle limit exceeded. You can send
/// again in N mins", tied to our packet by `replyId`.
public struct ClientNotification: ProtoMessage {
    public enum Variant: Equatable, Sendable {
        case keyVerificationNumberInform(OpaqueMessage)
        case keyVerificationNumberRequest(OpaqueMessage)
        case keyVerificationFinal(OpaqueMessage)
        case duplicatedPublicKey(OpaqueMessage)
        case lowEntropyKey(OpaqueMessage)
    }

    public var replyId: UInt32?
    public var time: UInt32 = 0
    public var level = LogLevel(.unset)
    public var message = ""
    public var payloadVariant: Variant?
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: replyId = try r.uint32(k)
        case 2: time = try r.fixed32(k)
        case 3: level = try r.enumValue(k)
        case 4: message = try r.string(k)
        case 11: payloadVariant = .keyVerificationNumberInform(try r.message(k))
        case 12: payloadVariant = .keyVerificationNumberRequest(try r.message(k))
        case 13: payloadVariant = .keyVerificationFinal(try r.message(k))
        case 14: payloadVariant = .duplicatedPublicKey(try r.message(k))
        case 15: payloadVariant = .lowEntropyKey(try r.message(k))
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        if let replyId { w.uint32(1, replyId, always: true) }
        w.fixed32(2, time)
        w.enumValue(3, level)
        w.string(4, message)
        switch payloadVariant {
        case .keyVerificationNumberInform(let m)?: w.message(11, m)
        case .keyVerificationNumberRequest(let m)?: w.message(12, m)
        case .keyVerificationFinal(let m)?: w.message(13, m)
        case .duplicatedPublicKey(let m)?: w.message(14, m)
        case .lowEntropyKey(let m)?: w.message(15, m)
        case nil: break
        }
        w.raw(unknownFields)
    }
}

public struct FileInfo: ProtoMessage {
    public var fileName = ""
    public var sizeBytes: UInt32 = 0
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: fileName = try r.string(k)
        case 2: sizeBytes = try r.uint32(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.string(1, fileName)
        w.uint32(2, sizeBytes)
        w.raw(unknownFields)
    }
}
