/// Why bytes could not be read as protobuf or as a frame. Decoding never traps; every
/// malformed input ends here.
public enum WireError: Error, Equatable, Sendable {
    /// The input ended inside a tag, varint, fixed value or length-delimited field.
    case truncated
    /// A varint ran past 10 bytes, or its 10th byte carried more than the one bit left.
    case varintTooLong
    /// A varint with redundant trailing zero groups (e.g. `80 00` for 0).
    /// Wire types 3 and 4 (groups) and 6, 7 do not exist in proto3.
    case invalidWireType(UInt8)
    /// Field number 0, or above 2^29 − 1.
    case invalidFieldNumber(UInt64)
    /// A length prefix larger than the bytes that remain.
    case lengthExceedsInput(length: UInt64, remaining: Int)
    case nestingTooDeep(limit: Int)
    /// A frame payload larger than the firmware's 512-byte `MAX_TO_FROM_RADIO_SIZE`.
    case frameTooLarge(bytes: Int, limit: Int)
    /// Internal signal: a known field arrived with another wire type; the decoder skips it as
    /// unknown (what upb and nanopb do), so callers never see this.
    case wireTypeMismatch
}

public enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

public struct FieldKey: Equatable, Sendable {
    public let number: Int
    public let wireType: WireType
}
