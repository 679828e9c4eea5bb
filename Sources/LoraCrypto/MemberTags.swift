/// Sender authentication inside a group (frames 0x07 and 0x08): every group key opens every
/// member's posts, so the group key cannot say who wrote one. Each frame therefore ends with
/// one 8-byte tag per other member, made with the key the maker shares with that member alone:
///
///     tag = HMAC-SHA-256(Kt, every byte of the frame before the first tag)[0 ..< 8]
///     Kt  = HKDF-SHA-256(salt: none, IKM: K, info: "lora-msg v4 group tag", L: 32)
///
/// K is the pair's contact key (X25519 of the two identities, as for DMs), derived from the
/// public keys the roster carries, so two members need not be contacts. The tags are in the
/// order of the members' sender ids (ascending), the maker left out; a receiver accepts the
/// frame when any slot holds its own tag (so a roster change in flight does not misalign it).
/// A member who holds the group key can make the tag only for itself: it cannot post as
/// another member to a third.
public enum MemberTags {
    public static let tagByteCount = 8
    public static let info = Array("lora-msg v4 group tag".utf8)

    /// The tag key between us and one other member.
    public static func key(own: IdentityKeyPair, member: PublicKey) throws(LoraCryptoError) -> MemberTagKey {
        MemberTagKey(member: member.senderID, bytes: try ContactKey(own: own, peer: member).subkey(info: info))
    }

    static func tags(over signed: [UInt8], keys: [MemberTagKey]) -> [UInt8] {
        keys.sorted { $0.member.bytes.lexicographicallyPrecedes($1.member.bytes) }
            .flatMap { HKDF.hmac(key: $0.bytes, [signed]).prefix(tagByteCount) }
    }

    static func holdsTag(_ tags: [UInt8], over signed: [UInt8], key: MemberTagKey) -> Bool {
        let mine = Array(HKDF.hmac(key: key.bytes, [signed]).prefix(tagByteCount))
        var found = false
        var i = 0
        while i + tagByteCount <= tags.count {
            // Every slot is compared, so the time taken does not say which slot matched.
            if Sodium.equal(Array(tags[i..<i + tagByteCount]), mine) { found = true }
            i += tagByteCount
        }
        return found
    }
}

/// The MAC key one member shares with another for member tags.
public struct MemberTagKey: Sendable {
    public let member: SenderID
    let bytes: [UInt8]

    @_spi(KnownAnswer)
    public init(member: SenderID, raw: [UInt8]) { self.member = member; self.bytes = raw }

    init(member: SenderID, bytes: [UInt8]) { self.member = member; self.bytes = bytes }
}
