import CSodium

/// Envelope v1, byte for byte as the spec draws it, and the sealed v2 envelope, which is the
/// same shape under version byte 0x02 with a kind byte as the first plaintext byte:
///
///     version(1)=0x01|0x02 | sender_id(8) | nonce(24) | ciphertext(N) | tag(16)   N ≤ 151
///
/// AEAD is XChaCha20-Poly1305 (IETF) with the 9-byte header (version ‖ sender_id) as
/// associated data, so neither the version nor the claimed sender can be altered without
/// the tag failing. The whole envelope is at most 200 bytes, which leaves room in the
/// firmware's 233-byte `Data.payload`.
public struct LoraEnvelope: Equatable, Sendable {
    /// v1: the plaintext is the message's UTF-8 text.
    public static let version: UInt8 = 0x01
    /// v2 sealed: the plaintext is `kind(1) ‖ body`; see `SealedContent`.
    public static let sealedVersion: UInt8 = 0x02
    public static let headerByteCount = 1 + SenderID.byteCount   // authenticated, not encrypted
    public static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    public static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)
    public static let overhead = headerByteCount + nonceByteCount + tagByteCount   // 49
    public static let maxTotalBytes = 200
    public static let maxPlaintextBytes = maxTotalBytes - overhead                 // 151
    /// The largest frame a firmware 2.8 radio still signs when it broadcasts it: 255 − 16
    /// (header) − 8 (portnum, payload tag and length, bitfield) − 66 (the XEdDSA signature).
    /// A STRICT relay drops an unsigned broadcast, so every broadcast lora-msg makes fits.
    public static let maxSignedBroadcastBytes = 165
    /// A v1 text that still fits a signed broadcast.
    public static let maxSignedBroadcastPlaintextBytes = maxSignedBroadcastBytes - overhead    // 116
    /// A local copy (a ratcheted message's content under the storage key) never goes on the
    /// air, and must hold the longest 0x06 text (169 bytes): the same shape, up to 256 bytes.
    public static let maxLocalCopyBytes = 256

    public let version: UInt8
    public let senderID: SenderID
    public let nonce: [UInt8]
    public let ciphertext: [UInt8]
    public let tag: [UInt8]

    /// Parses wire bytes. Checks shape only; authenticity is checked by `open`.
    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        try self.init(bytes: bytes, maximum: Self.maxTotalBytes)
    }

    /// Parses a stored local copy (up to `maxLocalCopyBytes`).
    public init(localCopy bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        try self.init(bytes: bytes, maximum: Self.maxLocalCopyBytes)
    }

    private init(bytes: some Collection<UInt8>, maximum: Int) throws(LoraCryptoError) {
        let b = Array(bytes)
        guard b.count >= Self.overhead else {
            throw .malformedEnvelope(.tooShort(bytes: b.count, minimum: Self.overhead))
        }
        guard b.count <= maximum else {
            throw .malformedEnvelope(.tooLong(bytes: b.count, maximum: maximum))
        }
        guard b[0] == Self.version || b[0] == Self.sealedVersion else { throw .malformedEnvelope(.unsupportedVersion(b[0])) }
        version = b[0]
        let nonceStart = Self.headerByteCount
        let bodyStart = nonceStart + Self.nonceByteCount
        let tagStart = b.count - Self.tagByteCount
        senderID = try SenderID(bytes: Array(b[1..<nonceStart]))
        nonce = Array(b[nonceStart..<bodyStart])
        ciphertext = Array(b[bodyStart..<tagStart])
        tag = Array(b[tagStart...])
    }

    private init(version: UInt8, senderID: SenderID, nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        self.version = version
        self.senderID = senderID
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    public var bytes: [UInt8] { header + nonce + ciphertext + tag }

    var header: [UInt8] { [version] + senderID.bytes }

    /// True for a v2 sealed envelope (a kind inside), false for a v1 text.
    public var isSealedContent: Bool { version == Self.sealedVersion }

    /// Seals `text` for the contact whose key is `key`, with a fresh random nonce.
    public static func seal(_ text: String, from sender: SenderID, with key: ContactKey) throws(LoraCryptoError) -> LoraEnvelope {
        try seal(bytes: Array(text.utf8), from: sender, with: key, nonce: Sodium.randomBytes(nonceByteCount))
    }

    /// Seals a local copy of a text (never sent): as `seal`, up to `maxLocalCopyBytes` in all.
    public static func sealLocalCopy(_ text: String, from sender: SenderID, with key: ContactKey) throws(LoraCryptoError) -> LoraEnvelope {
        let plaintext = Array(text.utf8)
        guard plaintext.count <= maxLocalCopyBytes - overhead else {
            throw .messageTooLong(bytes: plaintext.count, limit: maxLocalCopyBytes - overhead)
        }
        let nonce = Sodium.randomBytes(nonceByteCount)
        let (ciphertext, tag) = try XChaCha20Poly1305.seal(plaintext, ad: [version] + sender.bytes, nonce: nonce, key: key.bytes)
        return LoraEnvelope(version: version, senderID: sender, nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Sealing with a caller-chosen nonce exists for known-answer tests only: a repeated
    /// nonce under one key forfeits confidentiality and authenticity.
    @_spi(KnownAnswer)
    public static func seal(bytes plaintext: [UInt8], version: UInt8 = version, from sender: SenderID, with key: ContactKey, nonce: [UInt8]) throws(LoraCryptoError) -> LoraEnvelope {
        guard version == Self.version || version == sealedVersion else { throw .malformedEnvelope(.unsupportedVersion(version)) }
        guard plaintext.count <= maxPlaintextBytes else {
            throw .messageTooLong(bytes: plaintext.count, limit: maxPlaintextBytes)
        }
        let (ciphertext, tag) = try XChaCha20Poly1305.seal(plaintext, ad: [version] + sender.bytes, nonce: nonce, key: key.bytes)
        return LoraEnvelope(version: version, senderID: sender, nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Seals a v2 kind (`kind ‖ body` as the plaintext) with a fresh random nonce.
    public static func seal(_ content: SealedContent, from sender: SenderID, with key: ContactKey) throws(LoraCryptoError) -> LoraEnvelope {
        try seal(bytes: content.bytes, version: sealedVersion, from: sender, with: key, nonce: Sodium.randomBytes(nonceByteCount))
    }

    /// Opens a v2 envelope and parses its kind. A v1 envelope is refused here.
    public func openContent(with key: ContactKey) throws(LoraCryptoError) -> SealedContent {
        guard isSealedContent else { throw .malformedEnvelope(.unsupportedVersion(version)) }
        return try SealedContent(bytes: try open(with: key))
    }

    /// Verifies the tag and returns the plaintext bytes. Nothing is returned unless the whole
    /// envelope, header included, authenticates.
    public func open(with key: ContactKey) throws(LoraCryptoError) -> [UInt8] {
        try XChaCha20Poly1305.open(ciphertext, tag: tag, ad: header, nonce: nonce, key: key.bytes)
    }

    public func openText(with key: ContactKey) throws(LoraCryptoError) -> String {
        guard !isSealedContent else { throw .malformedEnvelope(.unsupportedVersion(version)) }
        let plaintext = try open(with: key)
        guard let text = String(validating: plaintext, as: UTF8.self) else { throw .plaintextNotUTF8 }
        return text
    }
}
