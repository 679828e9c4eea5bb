/// The 32-byte symmetric key one user shares with one contact:
/// HKDF-SHA-256(salt: none, IKM: X25519(own secret, peer public),
/// info: "ProximityApp_ContactsKey_v1", L: 32). Both sides derive the same key, which seals
/// messages in both directions (every envelope has a fresh random 192-bit nonce).
/// Derived when needed; never written anywhere.
public struct ContactKey: Sendable {
    public static let byteCount = 32
    public static let info = Array("ProximityApp_ContactsKey_v1".utf8)
    let bytes: [UInt8]

    public init(own: IdentityKeyPair, peer: PublicKey) throws(LoraCryptoError) {
        var shared = try own.diffieHellman(with: peer)
        defer { Sodium.wipe(&shared) }
        bytes = try HKDF.deriveKey(ikm: shared, salt: nil, info: Self.info, length: Self.byteCount)
    }

    /// A key from raw bytes: known-answer tests and importing a pre-shared secret.
    public init(bytes: [UInt8]) throws(LoraCryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidKey("a contact key is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// A key for one purpose, derived from this one: HKDF-SHA-256(salt: none, IKM: K, info, 32).
    /// The AEAD key itself is never used for a MAC.
    func subkey(info: [UInt8]) throws(LoraCryptoError) -> [UInt8] {
        try HKDF.deriveKey(ikm: bytes, salt: nil, info: info, length: Self.byteCount)
    }

    /// Only for tests that compare the two sides' derivations.
    public func matches(_ other: ContactKey) -> Bool { Sodium.equal(bytes, other.bytes) }
}

/// In-memory map from a received envelope's `sender_id` to the key that opens it: the
/// spec's `resolveSharedSecret`. Built from the contact book each run.
public struct ContactKeyring: Sendable {
    public let identity: IdentityKeyPair
    private var keys: [SenderID: ContactKey] = [:]

    public init(identity: IdentityKeyPair) { self.identity = identity }

    /// Derives and remembers the key for `peer`. Returns the peer's sender id.
    @discardableResult
    public mutating func add(_ peer: PublicKey) throws(LoraCryptoError) -> SenderID {
        let id = peer.senderID
        if id == identity.senderID { throw .invalidKey("that is your own public key") }
        keys[id] = try ContactKey(own: identity, peer: peer)
        return id
    }

    public func key(for sender: SenderID) -> ContactKey? { keys[sender] }

    /// Contacts whose sender id starts with `hint` (a receipt names its maker by 4 bytes).
    public func candidates(hint: [UInt8]) -> [(SenderID, ContactKey)] {
        keys.filter { $0.key.bytes.starts(with: hint) }.map { ($0.key, $0.value) }
    }

    /// Opens an envelope from any known contact. Unknown sender → nil (the caller counts
    /// it; it is never shown); known sender with a bad tag → `authenticationFailed`.
    public func open(_ envelope: LoraEnvelope) throws(LoraCryptoError) -> String? {
        guard let key = keys[envelope.senderID] else { return nil }
        return try envelope.openText(with: key)
    }
}
