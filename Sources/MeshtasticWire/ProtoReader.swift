/// A cursor over protobuf bytes. Every read checks bounds before it touches memory, and every
/// length is checked against what remains before anything is allocated.
public struct ProtoReader {
    /// Our schema nests at most five deep (FromRadio › AdminMessage › Config › LoRaConfig …);
    /// anything deeper is not ours.
    public static let maxDepth = 10

    let bytes: [UInt8]
    var position: Int
    let end: Int
    public let depth: Int

    public init(_ bytes: [UInt8]) {
        self.init(bytes, range: 0..<bytes.count, depth: 0)
    }

    init(_ bytes: [UInt8], range: Range<Int>, depth: Int) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.depth = depth
    }

    public var isAtEnd: Bool { position >= end }
    public var remaining: Int { end - position }

    /// The next field's key, or nil at the end of this message.

    public mutating func nextField() throws(WireError) -> FieldKey? {
        guard position < end else { return nil }
        let key = try readVarint()
        let number = key >> 3
        guard number >= 1, number <= 0x1FFF_FFFF else { throw .invalidFieldNumber(number) }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else { throw .invalidWireType(UInt8(key & 7)) }
        return FieldKey(number: Int(number), wireType: wireType)
    }


    public mutating func readVarint() throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var count = 0
        while true {
            guard position < end else { throw .truncated }
            let byte = bytes[position]
            position += 1
            count += 1
            if count == 10 && byte > 1 { throw .varintTooLong }
            result |= UInt64(byte & 0x7F) << shift
            // Non-minimal forms (redundant 0x80 groups, `80 00` for 0) are accepted, as nanopb
            // in the firmware and swift-protobuf accept them; re-encoding is canonical.
            if byte & 0x80 == 0 { return result }
            shift += 7
            if count == 10 { throw .varintTooLong }
        }
    }


    public mutating func readFixed32() throws(WireError) -> UInt32 {
        guard end - position >= 4 else { throw .truncated }
        let v = UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
            | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
        position += 4
        return v
    }


    public mutating func readFixed64() throws(WireError) -> UInt64 {
        let lo = try readFixed32()
        let hi = try readFixed32()
        return UInt64(lo) | UInt64(hi) << 32
    }

    /// The range of a length-delimited value, checked against the remaining input.

    public mutating func readLengthDelimitedRange() throws(WireError) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - position) else { throw .lengthExceedsInput(length: length, remaining: end - position) }
        let start = position
        position += Int(length)
        return start..<position
    }

    public mutating func readBytes() throws(WireError) -> [UInt8] {
        Array(bytes[try readLengthDelimitedRange()])
    }

    /// Strings decode leniently: the firmware cuts names at a byte limit, sometimes inside a
    /// multi-byte character, and a radio's name must never make a whole frame unreadable.
    public mutating func readString() throws(WireError) -> String {
        String(decoding: bytes[try readLengthDelimitedRange()], as: UTF8.self)
    }

    public mutating func readMessage<M: ProtoMessage>(_: M.Type = M.self) throws(WireError) -> M {
        let range = try readLengthDelimitedRange()
        guard depth + 1 <= Self.maxDepth else { throw .nestingTooDeep(limit: Self.maxDepth) }
        var sub = ProtoReader(bytes, range: range, depth: depth + 1)
        return try M(reader: &sub)
    }

    /// Skips one value of any valid wire type.
    public mutating func skip(_ key: FieldKey) throws(WireError) {
        switch key.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: guard end - position >= 8 else { throw .truncated }; position += 8
        case .fixed32: guard end - position >= 4 else { throw .truncated }; position += 4
        case .lengthDelimited: _ = try readLengthDelimitedRange()
        }
    }

    func slice(_ range: Range<Int>) -> ArraySlice<UInt8> { bytes[range] }
}

// Typed field reads: each checks the wire type first and throws `wireTypeMismatch` without
// consuming anything, so the message decoder can skip the field as unknown.
extension ProtoReader {
    func expect(_ key: FieldKey, _ type: WireType) throws(WireError) {
        if key.wireType != type { throw .wireTypeMismatch }
    }

    public mutating func uint32(_ k: FieldKey) throws(WireError) -> UInt32 {
        try expect(k, .varint); return UInt32(truncatingIfNeeded: try readVarint())
    }
    public mutating func uint64(_ k: FieldKey) throws(WireError) -> UInt64 {
        try expect(k, .varint); return try readVarint()
    }
    /// int32 arrives as a 10-byte sign-extended varint when negative; its low 32 bits are the value.
    public mutating func int32(_ k: FieldKey) throws(WireError) -> Int32 {
        try expect(k, .varint); return Int32(truncatingIfNeeded: try readVarint())
    }
    public mutating func int64(_ k: FieldKey) throws(WireError) -> Int64 {
        try expect(k, .varint); return Int64(bitPattern: try readVarint())
    }
    public mutating func sint32(_ k: FieldKey) throws(WireError) -> Int32 {
        try expect(k, .varint)
        let n = UInt32(truncatingIfNeeded: try readVarint())
        return Int32(bitPattern: (n >> 1) ^ (0 &- (n & 1)))
    }
    public mutating func sint64(_ k: FieldKey) throws(WireError) -> Int64 {
        try expect(k, .varint)
        let n = try readVarint()
        return Int64(bitPattern: (n >> 1) ^ (0 &- (n & 1)))
    }
    public mutating func bool(_ k: FieldKey) throws(WireError) -> Bool {
        try expect(k, .varint); return try readVarint() != 0
    }
    public mutating func fixed32(_ k: FieldKey) throws(WireError) -> UInt32 {
        try expect(k, .fixed32); return try readFixed32()
    }
    public mutating func sfixed32(_ k: FieldKey) throws(WireError) -> Int32 {
        try expect(k, .fixed32); return Int32(bitPattern: try readFixed32())
    }
    public mutating func float(_ k: FieldKey) throws(WireError) -> Float {
        try expect(k, .fixed32); return Float(bitPattern: try readFixed32())
    }
    public mutating func fixed64(_ k: FieldKey) throws(WireError) -> UInt64 {
        try expect(k, .fixed64); return try readFixed64()
    }
    public mutating func double(_ k: FieldKey) throws(WireError) -> Double {
        try expect(k, .fixed64); return Double(bitPattern: try readFixed64())
    }
    public mutating func bytes(_ k: FieldKey) throws(WireError) -> [UInt8] {
        try expect(k, .lengthDelimited); return try readBytes()
    }
    public mutating func string(_ k: FieldKey) throws(WireError) -> String {
        try expect(k, .lengthDelimited); return try readString()
    }
    public mutating func message<M: ProtoMessage>(_ k: FieldKey, _: M.Type = M.self) throws(WireError) -> M {
        try expect(k, .lengthDelimited); return try readMessage(M.self)
    }
    public mutating func enumValue<E: ProtoEnum>(_ k: FieldKey, _: E.Type = E.self) throws(WireError) -> E {
        E(rawValue: try int32(k))
    }

    /// Repeated scalars: proto3 writes them packed, but a reader must accept both forms.
    public mutating func appendRepeated<T>(_ k: FieldKey, element: WireType, to array: inout [T],
                                           _ read: (inout ProtoReader) throws(WireError) -> T) throws(WireError) {
        if k.wireType == element {
            array.append(try read(&self))
        } else if k.wireType == .lengthDelimited {
            let range = try readLengthDelimitedRange()
            var sub = ProtoReader(bytes, range: range, depth: depth)
            while !sub.isAtEnd { array.append(try read(&sub)) }
        } else {
            throw .wireTypeMismatch
        }
    }
}
