/// Frame 0x04: "here is my public key; add me". Public by nature and not authenticated (there
/// is no shared key yet): anyone can send anyone's key under any name, which is why the
/// receiver never adds it without the user, and the safety number is still the check.
///
///     0x04 | public_key(32) | display_name(1…32 bytes of UTF-8)
public struct ContactRequest: Equatable, Sendable {
    public static let frameByte: UInt8 = 0x04
    public static let maxNameBytes = 32
    public static let minimumBytes = 1 + PublicKey.byteCount + 1
    public static let maximumBytes = 1 + PublicKey.byteCount + maxNameBytes

    public let publicKey: PublicKey
    public let displayName: String

    public init(publicKey: PublicKey, displayName: String) throws(LoraCryptoError) {
        try Self.checkName(displayName, allowEmpty: false)
        self.publicKey = publicKey
        self.displayName = displayName
    }

    public var bytes: [UInt8] { [Self.frameByte] + publicKey.bytes + Array(displayName.utf8) }

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = try checkedFrame(bytes, first: Self.frameByte, minimum: Self.minimumBytes, maximum: Self.maximumBytes)
        publicKey = try PublicKey(bytes: Array(b[1...32]))
        displayName = try Self.name(from: b[33...])
    }

    static func checkName(_ name: String, allowEmpty: Bool) throws(LoraCryptoError) {
        let n = name.utf8.count
        guard (allowEmpty ? 0 : 1)...maxNameBytes ~= n else {
            throw .malformedEnvelope(.badField("a display name is \(allowEmpty ? 0 : 1)…\(maxNameBytes) bytes of UTF-8, got \(n)"))
        }
    }

    static func name(from bytes: ArraySlice<UInt8>) throws(LoraCryptoError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .malformedEnvelope(.badField("the display name is not UTF-8")) }
        return s
    }
}

/// Frame 0x05: the answer to a request, "here is mine". Unlike the request it is
/// authenticated: the tag needs K = the contact key of the accepter's secret and the
/// requester's public key, so it proves the accepter holds the secret of the key it sends
/// and that it answers this requester. It also carries the accepter's node, authenticated.
///
///     0x05 | public_key(32) | node(4, u32 BE; 0 = none) | display_name(0…32 bytes UTF-8) | tag(16)
///
/// tag = first 16 bytes of HMAC-SHA-256(Ka, bytes[0 ..< 37+L] ‖ requester's public key),
/// Ka = HKDF-SHA-256(salt: none, IKM: K, info: "lora-msg v2 accept", L: 32).
public struct ContactAccept: Equatable, Sendable {
    public static let frameByte: UInt8 = 0x05
    public static let tagByteCount = 16
    public static let minimumBytes = 1 + PublicKey.byteCount + 4 + tagByteCount
    public static let maximumBytes = minimumBytes + ContactRequest.maxNameBytes
    public static let keyInfo = Array("lora-msg v2 accept".utf8)

    public let publicKey: PublicKey
    public let node: UInt32
    public let displayName: String
    public let tag: [UInt8]

    var signedPart: [UInt8] {
        [Self.frameByte] + publicKey.bytes
            + [UInt8(node >> 24), UInt8(node >> 16 & 0xFF), UInt8(node >> 8 & 0xFF), UInt8(node & 0xFF)]
            + Array(displayName.utf8)
    }

    public var bytes: [UInt8] { signedPart + tag }

    /// The accepter (`own`) answers `requester`.
    public static func make(own: IdentityKeyPair, node: UInt32, displayName: String, requester: PublicKey) throws(LoraCryptoError) -> ContactAccept {
        try ContactRequest.checkName(displayName, allowEmpty: true)
        let unsigned = ContactAccept(publicKey: own.publicKey, node: node, displayName: displayName, tag: [])
        let key = try ContactKey(own: own, peer: requester)
        let tag = try unsigned.expectedTag(key: key, requester: requester)
        return ContactAccept(publicKey: own.publicKey, node: node, displayName: displayName, tag: tag)
    }

    private init(publicKey: PublicKey, node: UInt32, displayName: String, tag: [UInt8]) {
        self.publicKey = publicKey; self.node = node; self.displayName = displayName; self.tag = tag
    }

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = try checkedFrame(bytes, first: Self.frameByte, minimum: Self.minimumBytes, maximum: Self.maximumBytes)
        publicKey = try PublicKey(bytes: Array(b[1...32]))
        node = UInt32(b[33]) << 24 | UInt32(b[34]) << 16 | UInt32(b[35]) << 8 | UInt32(b[36])
        let tagStart = b.count - Self.tagByteCount
        displayName = try ContactRequest.name(from: b[37..<tagStart])
        tag = Array(b[tagStart...])
    }

    /// True when this answer was made by the holder of `publicKey`'s secret for `own`.
    public func verify(own: IdentityKeyPair) -> Bool {
        guard let key = try? ContactKey(own: own, peer: publicKey),
              let expected = try? expectedTag(key: key, requester: own.publicKey) else { return false }
        return Sodium.equal(expected, tag)
    }

    private func expectedTag(key: ContactKey, requester: PublicKey) throws(LoraCryptoError) -> [UInt8] {
        var ka = try key.subkey(info: Self.keyInfo)
        defer { Sodium.wipe(&ka) }
        return Array(HKDF.hmac(key: ka, [signedPart, requester.bytes]).prefix(Self.tagByteCount))
    }
}

/// The checks every v2 frame parser starts with: its length within bounds (before anything is
/// read) and its first byte.
func checkedFrame(_ bytes: some Collection<UInt8>, first: UInt8, minimum: Int, maximum: Int) throws(LoraCryptoError) -> [UInt8] {
    guard bytes.count >= minimum else { throw .malformedEnvelope(.tooShort(bytes: bytes.count, minimum: minimum)) }
    guard bytes.count <= maximum else { throw .malformedEnvelope(.tooLong(bytes: bytes.count, maximum: maximum)) }
    let b = Array(bytes)
    guard b[0] == first else { throw .malformedEnvelope(.unsupportedVersion(b[0])) }
    return b
}
