/// A packet on the mesh, as the API carries it (`mesh.proto` MeshPacket).
public struct MeshPacket: ProtoMessage {
    public static let broadcast: UInt32 = 0xFFFF_FFFF

    public enum PayloadVariant: Equatable, Sendable {
        case decoded(PacketData)
        /// Channel-encrypted bytes the radio could not (or did not) decrypt.
        case encrypted([UInt8])
    }

    public var from: UInt32 = 0
    public var to: UInt32 = 0
    /// Channel *index* (0–7) at the API; the 8-bit channel hash for undecoded packets.
    public var channel: UInt32 = 0
    public var payloadVariant: PayloadVariant?
    public var id: UInt32 = 0
    public var rxTime: UInt32 = 0
    public var rxSnr: Float = 0
    public var hopLimit: UInt32 = 0
    public var wantAck = false
    public var priority = PacketPriority(.unset)
    public var rxRssi: Int32 = 0
    public var delayed = PacketDelayed(.noDelay)
    public var viaMqtt = false
    public var hopStart: UInt32 = 0
    public var publicKey: [UInt8] = []
    public var pkiEncrypted = false
    public var nextHop: UInt32 = 0
    public var relayNode: UInt32 = 0
    public var txAfter: UInt32 = 0
    public var transportMechanism = TransportMechanism(.internal)
    /// Firmware 2.8: the radio verified the sender's XEdDSA signature (field 22; set only by
    /// the receiving radio, never trusted from the air).
    public var xeddsaSigned = false
    public var unknownFields: [UInt8] = []

    public init() {}

    public var decoded: PacketData? {
        if case .decoded(let d) = payloadVariant { return d }
        return nil
    }

    /// Hops taken = hop_start − hop_limit; unknown when the sender's firmware predates
    /// hop_start or the fields are inconsistent.
    public var hopsTaken: Int? {
        guard hopStart != 0, hopStart >= hopLimit else { return nil }
        return Int(hopStart - hopLimit)
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: from = try r.fixed32(k)
        case 2: to = try r.fixed32(k)
        case 3: channel = try r.uint32(k)
        case 4: payloadVariant = .decoded(try r.message(k))
        case 5: payloadVariant = .encrypted(try r.bytes(k))
        case 6: id = try r.fixed32(k)
        case 7: rxTime = try r.fixed32(k)
        case 8: rxSnr = try r.float(k)
        case 9: hopLimit = try r.uint32(k)
        case 10: wantAck = try r.bool(k)
        case 11: priority = try r.enumValue(k)
        case 12: rxRssi = try r.int32(k)
        case 13: delayed = try r.enumValue(k)
        case 14: viaMqtt = try r.bool(k)
        case 15: hopStart = try r.uint32(k)
        case 16: publicKey = try r.bytes(k)
        case 17: pkiEncrypted = try r.bool(k)
        case 18: nextHop = try r.uint32(k)
        case 19: relayNode = try r.uint32(k)
        case 20: txAfter = try r.uint32(k)
        case 21: transportMechanism = try r.enumValue(k)
        case 22: xeddsaSigned = try r.bool(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.fixed32(1, from)
        w.fixed32(2, to)
        w.uint32(3, channel)
        switch payloadVariant {
        case .decoded(let d)?: w.message(4, d)
        case .encrypted(let e)?: w.bytes(5, e, always: true)
        case nil: break
        }
        w.fixed32(6, id)
        w.fixed32(7, rxTime)
        w.float(8, rxSnr)
        w.uint32(9, hopLimit)
        w.bool(10, wantAck)
        w.enumValue(11, priority)
        w.int32(12, rxRssi)
        w.enumValue(13, delayed)
        w.bool(14, viaMqtt)
        w.uint32(15, hopStart)
        w.bytes(16, publicKey)
        w.bool(17, pkiEncrypted)
        w.uint32(18, nextHop)
        w.uint32(19, relayNode)
        w.uint32(20, txAfter)
        w.enumValue(21, transportMechanism)
        w.bool(22, xeddsaSigned)
        w.raw(unknownFields)
    }
}

/// `mesh.proto` Data: the decoded application payload of a packet.
public struct PacketData: ProtoMessage {
    /// nanopb's limit on the device (`mesh.options`); a longer payload fails to decode there.
    public static let maxPayloadBytes = 233

    public var portnum = PortNum(.unknownApp)
    public var payload: [UInt8] = []
    public var wantResponse = false
    public var dest: UInt32 = 0
    public var source: UInt32 = 0
    public var requestId: UInt32 = 0
    public var replyId: UInt32 = 0
    public var emoji: UInt32 = 0
    /// `optional`: bit 0 OK_TO_MQTT, bit 1 WANT_RESPONSE; firmware ≥ 2.5 always sets it.
    public var bitfield: UInt32?
    /// Firmware 2.8: the originating radio's XEdDSA signature over its own broadcast (field 10,
    /// 64 bytes when present; the radio discards one a client supplies).
    public var xeddsaSignature: [UInt8] = []
    public var unknownFields: [UInt8] = []

    public init() {}

    public init(portnum: PortNum, payload: [UInt8]) {
        self.portnum = portnum
        self.payload = payload
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: portnum = try r.enumValue(k)
        case 2: payload = try r.bytes(k)
        case 3: wantResponse = try r.bool(k)
        case 4: dest = try r.fixed32(k)
        case 5: source = try r.fixed32(k)
        case 6: requestId = try r.fixed32(k)
        case 7: replyId = try r.fixed32(k)
        case 8: emoji = try r.fixed32(k)
        case 9: bitfield = try r.uint32(k)
        case 10: xeddsaSignature = try r.bytes(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.enumValue(1, portnum)
        w.bytes(2, payload)
        w.bool(3, wantResponse)
        w.fixed32(4, dest)
        w.fixed32(5, source)
        w.fixed32(6, requestId)
        w.fixed32(7, replyId)
        w.fixed32(8, emoji)
        if let bitfield { w.uint32(9, bitfield, always: true) }
        w.bytes(10, xeddsaSignature)
        w.raw(unknownFields)
    }
}

/// Payload of ROUTING_APP packets: an ACK/NAK (`errorReason`) or route discovery.
public struct Routing: ProtoMessage {
    public enum Variant: Equatable, Sendable {
        case routeRequest(RouteDiscovery)
        case routeReply(RouteDiscovery)
        case errorReason(RoutingError)
    }

    public var variant: Variant?
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(errorReason: RoutingError) { variant = .errorReason(errorReason) }

    public var errorReason: RoutingError? {
        if case .errorReason(let e) = variant { return e }
        return nil
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: variant = .routeRequest(try r.message(k))
        case 2: variant = .routeReply(try r.message(k))
        case 3: variant = .errorReason(try r.enumValue(k))
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        switch variant {
        case .routeRequest(let m)?: w.message(1, m)
        case .routeReply(let m)?: w.message(2, m)
        case .errorReason(let e)?: w.enumValue(3, e, always: true)
        case nil: break
        }
        w.raw(unknownFields)
    }
}

public struct RouteDiscovery: ProtoMessage {
    public var route: [UInt32] = []
    /// dB × 4.
    public var snrTowards: [Int32] = []
    public var routeBack: [UInt32] = []
    public var snrBack: [Int32] = []
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: try r.appendRepeated(k, element: .fixed32, to: &route) { (s: inout ProtoReader) throws(WireError) in try s.readFixed32() }
        case 2: try r.appendRepeated(k, element: .varint, to: &snrTowards) { (s: inout ProtoReader) throws(WireError) in Int32(truncatingIfNeeded: try s.readVarint()) }
        case 3: try r.appendRepeated(k, element: .fixed32, to: &routeBack) { (s: inout ProtoReader) throws(WireError) in try s.readFixed32() }
        case 4: try r.appendRepeated(k, element: .varint, to: &snrBack) { (s: inout ProtoReader) throws(WireError) in Int32(truncatingIfNeeded: try s.readVarint()) }
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.packedFixed32(1, route)
        w.packedInt32(2, snrTowards)
        w.packedFixed32(3, routeBack)
        w.packedInt32(4, snrBack)
        w.raw(unknownFields)
    }
}
