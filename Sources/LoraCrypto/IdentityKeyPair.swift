import CSodium

/// The user's long-term X25519 key pair. The secret half never leaves this process except
/// into `identity.key` (mode 0600).
public struct IdentityKeyPair: Sendable {
    public static let secretByteCount = 32
    public let publicKey: PublicKey
    let secretKey: [UInt8]

    public static func generate() throws(LoraCryptoError) -> IdentityKeyPair {
        try Sodium.ready()
        var pk = [UInt8](repeating: 0, count: PublicKey.byteCount)
        var sk = [UInt8](repeating: 0, count: secretByteCount)
        guard crypto_box_keypair(&pk, &sk) == 0 else { throw .libraryUnavailable }
        return IdentityKeyPair(publicKey: try PublicKey(bytes: pk), secretKey: sk)
    }

    /// Rebuilds the pair from a stored secret; the public half is always recomputed.
    public init(secretKey: [UInt8]) throws(LoraCryptoError) {
        try Sodium.ready()
        guard secretKey.count == Self.secretByteCount else {
            throw .invalidKey("a secret key is \(Self.secretByteCount) bytes, got \(secretKey.count)")
        }
        var pk = [UInt8](repeating: 0, count: PublicKey.byteCount)
        guard crypto_scalarmult_base(&pk, secretKey) == 0 else { throw .invalidKey("secret key rejected by X25519") }
        self.publicKey = try PublicKey(bytes: pk)
        self.secretKey = secretKey
    }

    private init(publicKey: PublicKey, secretKey: [UInt8]) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    public var senderID: SenderID { publicKey.senderID }

    /// Raw X25519(own secret, peer public). Exposed for known-answer tests; use `ContactKey`.
    public func diffieHellman(with peer: PublicKey) throws(LoraCryptoError) -> [UInt8] {
        try Sodium.ready()
        var shared = [UInt8](repeating: 0, count: Int(crypto_scalarmult_BYTES))
        // libsodium returns -1 when the result is the all-zero point; check it ourselves too.
        let rc = crypto_scalarmult(&shared, secretKey, peer.bytes)
        guard rc == 0, !Sodium.isZero(shared) else { throw .weakSharedSecret }
        return shared
    }

    /// The secret bytes, for writing the identity file.
    public var secretKeyBytes: [UInt8] { secretKey }
}
