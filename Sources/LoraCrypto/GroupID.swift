/// A group's 8-byte id, random, chosen by its creator. With the creator's identity it names
/// the group; a roster for a known id from anyone but its creator is refused.
public struct GroupID: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 8
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(LoraCryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidKey("a group id is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    public static func random() -> GroupID { GroupID(unchecked: Sodium.randomBytes(byteCount)) }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    public var hex: String { TextCodec.hexString(bytes) }
    public var description: String { hex }
}
