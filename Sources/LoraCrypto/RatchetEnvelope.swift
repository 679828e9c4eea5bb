/// The 0x06 ratcheted envelope (docs/PROTOCOL.md): sealed under the two sides' ratchet keys
/// instead of the static contact key, so it stops being readable once both have erased them.
///
///     0x06 | sender_id(8) | flags(1) | s(1) | r(1) | n(2) | [sender ratchet key(32)] | ciphertext(N) | tag(16)
///
/// The nonce is derived with the key and never sent: the header and the tag are the whole
/// overhead (30 bytes, 62 with the key).
public struct RatchetEnvelope: Equatable, Sendable {
    public static let version: UInt8 = 0x06
    public static let headerByteCount = 14
    public static let keyAttachedFlag: UInt8 = 0x01
    public static let overhead = headerByteCount + LoraEnvelope.tagByteCount           // 30
    public static let overheadWithKey = overhead + PublicKey.byteCount                  // 62
    public static let maxTotalBytes = LoraEnvelope.maxTotalBytes                        // 200
    /// Plaintext (kind ‖ body) room without and with the attached key.
    public static let maxPlaintextBytes = maxTotalBytes - overhead                      // 170
    public static let maxPlaintextBytesWithKey = maxTotalBytes - overheadWithKey        // 138

    public let senderID: SenderID
    /// The sender's ratchet key id.
    public let senderKeyID: UInt8
    /// The recipient's ratchet key id: the newest of the recipient's the sender holds.
    public let recipientKeyID: UInt8
    /// The message number under (s, r).
    public let number: UInt16
    /// The sender's ratchet public key for `senderKeyID`, when the recipient may not hold it.
    public let attachedKey: PublicKey?
    public let ciphertext: [UInt8]
    public let tag: [UInt8]

    /// Parses wire bytes. Checks shape only; `RatchetState.open` checks authenticity.
    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = Array(bytes)
        guard b.count >= Self.overhead + 1 else {
            throw .malformedEnvelope(.tooShort(bytes: b.count, minimum: Self.overhead + 1))
        }
        guard b.count <= Self.maxTotalBytes else {
            throw .malformedEnvelope(.tooLong(bytes: b.count, maximum: Self.maxTotalBytes))
        }
        guard b[0] == Self.version else { throw .malformedEnvelope(.unsupportedVersion(b[0])) }
        let flags = b[9]
        guard flags & ~Self.keyAttachedFlag == 0 else { throw .malformedEnvelope(.badField("unknown ratchet flags \(flags)")) }
        guard b[10] != 0, b[11] != 0 else { throw .malformedEnvelope(.badField("ratchet key id 0")) }
        senderID = try SenderID(bytes: Array(b[1..<9]))
        senderKeyID = b[10]
        recipientKeyID = b[11]
        number = UInt16(b[12]) << 8 | UInt16(b[13])
        var bodyStart = Self.headerByteCount
        if flags & Self.keyAttachedFlag != 0 {
            guard b.count >= Self.overheadWithKey + 1 else {
                throw .malformedEnvelope(.tooShort(bytes: b.count, minimum: Self.overheadWithKey + 1))
            }
            attachedKey = try PublicKey(bytes: Array(b[bodyStart..<bodyStart + PublicKey.byteCount]))
            bodyStart += PublicKey.byteCount
        } else {
            attachedKey = nil
        }
        let tagStart = b.count - LoraEnvelope.tagByteCount
        ciphertext = Array(b[bodyStart..<tagStart])
        tag = Array(b[tagStart...])
    }

    init(senderID: SenderID, senderKeyID: UInt8, recipientKeyID: UInt8, number: UInt16, attachedKey: PublicKey?,
         ciphertext: [UInt8], tag: [UInt8]) {
        self.senderID = senderID
        self.senderKeyID = senderKeyID
        self.recipientKeyID = recipientKeyID
        self.number = number
        self.attachedKey = attachedKey
        self.ciphertext = ciphertext
        self.tag = tag
    }

    /// The authenticated header: everything before the ciphertext.
    var header: [UInt8] {
        Self.header(senderID: senderID, senderKeyID: senderKeyID, recipientKeyID: recipientKeyID, number: number, attachedKey: attachedKey)
    }

    static func header(senderID: SenderID, senderKeyID: UInt8, recipientKeyID: UInt8, number: UInt16, attachedKey: PublicKey?) -> [UInt8] {
        [version] + senderID.bytes + [attachedKey == nil ? 0 : keyAttachedFlag, senderKeyID, recipientKeyID,
                                      UInt8(number >> 8), UInt8(number & 0xFF)] + (attachedKey?.bytes ?? [])
    }

    public var bytes: [UInt8] { header + ciphertext + tag }

    // MARK: Keys

    static let epochInfo = Array("lora-msg v3 epoch".utf8)
    static let messageInfo = Array("lora-msg v3 message".utf8)

    /// E = HKDF(salt: K, IKM: X25519(own ratchet secret, peer ratchet public), "lora-msg v3 epoch").
    static func epochSecret(contactKey: ContactKey, own: IdentityKeyPair, peer: PublicKey) throws(LoraCryptoError) -> [UInt8] {
        var shared = try own.diffieHellman(with: peer)
        defer { Sodium.wipe(&shared) }
        return try HKDF.deriveKey(ikm: shared, salt: contactKey.bytes, info: epochInfo, length: 32)
    }

    /// The message's AEAD key and nonce: HKDF(salt: none, IKM: E, info: "lora-msg v3 message"
    /// ‖ sender_id ‖ s ‖ r ‖ n, 56 bytes).
    static func messageKey(epoch: [UInt8], senderID: SenderID, senderKeyID: UInt8, recipientKeyID: UInt8, number: UInt16)
        throws(LoraCryptoError) -> (key: [UInt8], nonce: [UInt8]) {
        let info = messageInfo + senderID.bytes + [senderKeyID, recipientKeyID, UInt8(number >> 8), UInt8(number & 0xFF)]
        let okm = try HKDF.deriveKey(ikm: epoch, salt: nil, info: info, length: 32 + LoraEnvelope.nonceByteCount)
        return (Array(okm[0..<32]), Array(okm[32...]))
    }

    /// Seals `plaintext` (kind ‖ body). Returns the envelope and the derived nonce, which
    /// stands for the message in dedup and receipts.
    static func seal(_ plaintext: [UInt8], epoch: [UInt8], senderID: SenderID, senderKeyID: UInt8, recipientKeyID: UInt8,
                     number: UInt16, attachedKey: PublicKey?) throws(LoraCryptoError) -> (envelope: RatchetEnvelope, nonce: [UInt8]) {
        let room = attachedKey == nil ? maxPlaintextBytes : maxPlaintextBytesWithKey
        guard !plaintext.isEmpty else { throw .malformedEnvelope(.badField("empty ratcheted plaintext")) }
        guard plaintext.count <= room else { throw .messageTooLong(bytes: plaintext.count, limit: room) }
        var (key, nonce) = try messageKey(epoch: epoch, senderID: senderID, senderKeyID: senderKeyID, recipientKeyID: recipientKeyID, number: number)
        defer { Sodium.wipe(&key) }
        let ad = header(senderID: senderID, senderKeyID: senderKeyID, recipientKeyID: recipientKeyID, number: number, attachedKey: attachedKey)
        let (ciphertext, tag) = try XChaCha20Poly1305.seal(plaintext, ad: ad, nonce: nonce, key: key)
        return (RatchetEnvelope(senderID: senderID, senderKeyID: senderKeyID, recipientKeyID: recipientKeyID, number: number,
                                attachedKey: attachedKey, ciphertext: ciphertext, tag: tag), nonce)
    }

    /// Opens under the epoch secret; returns (kind ‖ body) and the derived nonce.
    func open(epoch: [UInt8]) throws(LoraCryptoError) -> (plaintext: [UInt8], nonce: [UInt8]) {
        var (key, nonce) = try Self.messageKey(epoch: epoch, senderID: senderID, senderKeyID: senderKeyID, recipientKeyID: recipientKeyID, number: number)
        defer { Sodium.wipe(&key) }
        return (try XChaCha20Poly1305.open(ciphertext, tag: tag, ad: header, nonce: nonce, key: key), nonce)
    }
}
