/// Everything that can go wrong in the crypto layer. Parsing never traps: every bad input
/// ends in one of these.
public enum LoraCryptoError: Error, Equatable, Sendable {
    /// The UTF-8 plaintext is `bytes` long; an envelope carries at most `limit`.
    case messageTooLong(bytes: Int, limit: Int)
    /// The Poly1305 tag did not verify: tampered, corrupted or sealed with another key.
    case authenticationFailed
    case malformedEnvelope(EnvelopeDefect)
    case invalidKey(String)
    /// X25519 produced the all-zero point: the peer key is of low order and yields no secret.
    case weakSharedSecret
    /// The authenticated plaintext is not UTF-8 (the sender's software is broken).
    case plaintextNotUTF8
    case libraryUnavailable
    /// A ratcheted frame needs a ratchet key this side does not hold (retired, or never
    /// announced to it): dropped and counted, like a frame from a stranger.
    case ratchetKeyUnavailable(String)

    public enum EnvelopeDefect: Equatable, Sendable {
        case tooShort(bytes: Int, minimum: Int)
        case tooLong(bytes: Int, maximum: Int)
        case unsupportedVersion(UInt8)
        /// The frame's version byte is known but its fields are not what that kind allows.
        case badField(String)
    }
}

extension LoraCryptoError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .messageTooLong(bytes, limit):
            return "message is \(bytes) bytes, \(bytes - limit) over the \(limit)-byte limit\(limit == LoraEnvelope.maxPlaintextBytes ? " of one LoRa envelope" : ""); shorten it"
        case .authenticationFailed:
            return "message failed authentication (tampered, corrupted, or sealed with a different key)"
        case .malformedEnvelope(.tooShort(let n, let min)):
            return "envelope is \(n) bytes, shorter than the \(min)-byte minimum"
        case .malformedEnvelope(.tooLong(let n, let max)):
            return "envelope is \(n) bytes, longer than the \(max)-byte maximum"
        case .malformedEnvelope(.unsupportedVersion(let v)):
            return "envelope version \(v) is not supported (this build reads versions 1 to 11)"
        case .malformedEnvelope(.badField(let why)):
            return "malformed frame: \(why)"
        case .invalidKey(let why):
            return "invalid key: \(why)"
        case .weakSharedSecret:
            return "the contact's public key is a low-order point and gives no shared secret; ask them for their real key"
        case .plaintextNotUTF8:
            return "message authenticated but is not valid UTF-8 text"
        case .libraryUnavailable:
            return "libsodium failed to initialise"
        case .ratchetKeyUnavailable(let why):
            return "cannot open a ratcheted envelope: \(why)"
        }
    }
}
