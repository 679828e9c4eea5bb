/// A number two people read to each other (in person or by voice) to confirm that each holds
/// the other's real public key. Both sides compute the same digits: the keys are sorted
/// before hashing, so it does not matter who is "own" and who is "peer".
///
/// SHA-512 over a label and the two sorted 32-byte keys; the first 60 bytes give twelve
/// groups, each a 5-byte big-endian number mod 100000, printed as five digits.
public struct SafetyNumber: Equatable, Sendable, CustomStringConvertible {
    public static let label = Array("lora-msg safety number v1".utf8)
    public let groups: [String]

    public init(_ a: PublicKey, _ b: PublicKey) {
        let (lo, hi) = a.bytes.lexicographicallyPrecedes(b.bytes) ? (a, b) : (b, a)
        let digest = Sodium.sha512(Self.label + lo.bytes + hi.bytes)
        groups = (0..<12).map { g in
            let chunk = digest[(g * 5)..<(g * 5 + 5)]
            let value = chunk.reduce(UInt64(0)) { ($0 << 8) | UInt64($1) } % 100_000
            let digits = String(value)
            return String(repeating: "0", count: 5 - digits.count) + digits
        }
    }

    /// Three lines of four groups, as it is read aloud.
    public var description: String {
        stride(from: 0, to: 12, by: 4).map { groups[$0..<($0 + 4)].joined(separator: " ") }.joined(separator: "\n")
    }

    public var digits: String { groups.joined() }
}
