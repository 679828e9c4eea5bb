/// Builds protobuf bytes in field-number order, the way the official encoders do, so our
/// output is byte-equal to theirs for the same message.
///
/// proto3 leaves out scalars that hold their default; pass `always: true` for oneof members
/// and `optional` fields, which are written whenever they are set, even to zero
/// (`Routing{error_reason: NONE}` is `18 00`).
public struct ProtoWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func appendTag(_ field: Int, _ type: WireType) {
        appendVarint(UInt64(field) << 3 | UInt64(type.rawValue))
    }

    mutating func appendFixed32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    public mutating func uint32(_ field: Int, _ v: UInt32, always: Bool = false) {
        guard v != 0 || always else { return }
        appendTag(field, .varint); appendVarint(UInt64(v))
    }
    public mutating func uint64(_ field: Int, _ v: UInt64, always: Bool = false) {
        guard v != 0 || always else { return }
        appendTag(field, .varint); appendVarint(v)
    }
    /// Negative int32 is sign-extended to 64 bits: ten bytes on the wire (`rx_rssi = -90`).
    public mutating func int32(_ field: Int, _ v: Int32, always: Bool = false) {
        guard v != 0 || always else { return }
        appendTag(field, .varint); appendVarint(UInt64(bitPattern: Int64(v)))
    }
    public mutating func int64(_ field: Int, _ v: Int64, always: Bool = false) {
        guard v != 0 || always else { return }
        appendTag(field, .varint); appendVarint(UInt64(bitPattern: v))
    }
    public mutating func sint32(_ field: Int, _ v: Int32, always: Bool = false) {
        guard v != 0 || always else { return }
        appendTag(field, .varint); appendVarint(UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31))))
    }
    public mutating func sint64(_ field: Int, _ v: Int64, always: Bool = false) {
        guard v != 0 || always else { return }
        appendTag(field, .varint); appendVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }
    public mutating func bool(_ field: Int, _ v: Bool, always: Bool = false) {
        guard v || always else { return }
        appendTag(field, .varint); bytes.append(v ? 1 : 0)
    }
    public mutating func enumValue<E: ProtoEnum>(_ field: Int, _ v: E, always: Bool = false) {
        int32(field, v.rawValue, always: always)
    }
    public mutating func fixed32(_ field: Int, _ v: UInt32, always: Bool = false) {
        guard v != 0 || always else { return }
        appendTag(field, .fixed32); appendFixed32(v)
    }
    public mutating func sfixed32(_ field: Int, _ v: Int32, always: Bool = false) {
        fixed32(field, UInt32(bitPattern: v), always: always)
    }
    /// -0.0 is not the default (its bits are not zero), so it is written, as upb does.
    public mutating func float(_ field: Int, _ v: Float, always: Bool = false) {
        fixed32(field, v.bitPattern, always: always)
    }
    public mutating func fixed64(_ field: Int, _ v: UInt64, always: Bool = false) {
        guard v != 0 || always else { return }
        appendTag(field, .fixed64)
        appendFixed32(UInt32(truncatingIfNeeded: v)); appendFixed32(UInt32(truncatingIfNeeded: v >> 32))
    }
    public mutating func double(_ field: Int, _ v: Double, always: Bool = false) {
        fixed64(field, v.bitPattern, always: always)
    }
    public mutating func bytes(_ field: Int, _ v: [UInt8], always: Bool = false) {
        guard !v.isEmpty || always else { return }
        appendTag(field, .lengthDelimited); appendVarint(UInt64(v.count)); bytes.append(contentsOf: v)
    }
    public mutating func string(_ field: Int, _ v: String, always: Bool = false) {
        guard !v.isEmpty || always else { return }
        appendTag(field, .lengthDelimited); appendVarint(UInt64(v.utf8.count)); bytes.append(contentsOf: v.utf8)
    }
    /// A submessage that is present is always written, even when empty (`heartbeat` is `3A 00`).
    public mutating func message<M: ProtoMessage>(_ field: Int, _ m: M?) {
        guard let m else { return }
        var sub = ProtoWriter()
        m.encode(to: &sub)
        bytes(field, sub.bytes, always: true)
    }

    public mutating func packedUInt32(_ field: Int, _ values: [UInt32]) {
        guard !values.isEmpty else { return }
        var sub = ProtoWriter()
        for v in values { sub.appendVarint(UInt64(v)) }
        bytes(field, sub.bytes, always: true)
    }
    public mutating func packedInt32(_ field: Int, _ values: [Int32]) {
        guard !values.isEmpty else { return }
        var sub = ProtoWriter()
        for v in values { sub.appendVarint(UInt64(bitPattern: Int64(v))) }
        bytes(field, sub.bytes, always: true)
    }
    public mutating func packedFixed32(_ field: Int, _ values: [UInt32]) {
        guard !values.isEmpty else { return }
        var sub = ProtoWriter()
        for v in values { sub.appendFixed32(v) }
        bytes(field, sub.bytes, always: true)
    }
    /// Repeated bytes/strings are never packed.
    public mutating func repeatedBytes(_ field: Int, _ values: [[UInt8]]) {
        for v in values { bytes(field, v, always: true) }
    }

    /// Unknown fields go back out verbatim, after the known ones.
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
}
