/// The plaintext of a 0x06 ratcheted envelope that this build shows: `kind(1) ‖ body`, kind
/// 0x00 a UTF-8 text (used only inside 0x06) or 0x01 a location (the body of 0x02's). A chunk
/// (0x02) or an unknown kind is refused, like a kind a v2 envelope does not know.
public enum RatchetedContent: Equatable, Sendable {
    case text(String)
    case location(LocationFix)

    public static let textKind: UInt8 = 0x00

    public var bytes: [UInt8] {
        switch self {
        case .text(let t): return [Self.textKind] + Array(t.utf8)
        case .location(let fix): return SealedContent.location(fix).bytes
        }
    }

    /// Parses an authenticated plaintext.
    public init(bytes: [UInt8]) throws(LoraCryptoError) {
        guard let kind = bytes.first else { throw .malformedEnvelope(.badField("a ratcheted envelope has no kind byte")) }
        switch kind {
        case Self.textKind:
            guard let t = String(validating: bytes.dropFirst(), as: UTF8.self) else { throw .plaintextNotUTF8 }
            self = .text(t)
        case SealedContent.Kind.location.rawValue:
            guard case .location(let fix) = try SealedContent(bytes: bytes) else { throw .malformedEnvelope(.badField("not a location")) }
            self = .location(fix)
        default:
            throw .malformedEnvelope(.badField("ratcheted kind 0x\(String(kind, radix: 16)) is not shown by this build"))
        }
    }
}
