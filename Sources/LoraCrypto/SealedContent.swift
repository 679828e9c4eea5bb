/// The plaintext of a v2 sealed envelope: one kind byte, then that kind's body. The kind is
/// inside the ciphertext, so a relay learns only the envelope's size, never what it carries.
public enum SealedContent: Equatable, Sendable {
    case location(LocationFix)
    case chunk(TransferChunk)

    public enum Kind: UInt8, Sendable {
        case location = 0x01
        case chunk = 0x02
        // 0x03 key update is reserved for forward secrecy.
    }

    public var kind: Kind {
        switch self {
        case .location: return .location
        case .chunk: return .chunk
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .location(let fix): return [Kind.location.rawValue] + fix.bytes
        case .chunk(let c): return [Kind.chunk.rawValue] + c.bytes
        }
    }

    /// Parses an authenticated plaintext. An unknown kind is an error the caller reports (a
    /// newer lora-msg sent it); it is never guessed at.
    public init(bytes: [UInt8]) throws(LoraCryptoError) {
        guard let first = bytes.first else { throw .malformedEnvelope(.badField("a sealed v2 envelope has no kind byte")) }
        guard let kind = Kind(rawValue: first) else {
            throw .malformedEnvelope(.badField("sealed kind 0x\(String(first, radix: 16)) is not known to this build"))
        }
        switch kind {
        case .location: self = .location(try LocationFix(bytes: bytes.dropFirst()))
        case .chunk: self = .chunk(try TransferChunk(bytes: bytes.dropFirst()))
        }
    }
}
