/// One member's sending chain in one epoch of a group: a hash ratchet, so that a post's key
/// is gone once the post is opened (docs/PROTOCOL.md, "0x07 group post").
///
///     CK_0     = HKDF(salt: none, IKM: epoch secret, info: "lora-msg v4 group chain" ‖ group_id ‖ epoch ‖ sender_id, 32)
///     key ‖ nonce (post n) = HKDF(salt: none, IKM: CK_n, info: "lora-msg v4 group post", 56)
///     CK_n+1   = HKDF(salt: none, IKM: CK_n, info: "lora-msg v4 group next", 32)
///
/// Every member derives every member's CK_0 when it installs an epoch and then forgets the
/// epoch secret. Sans-I/O and Codable: the caller stores it after each step, before the post
/// it sealed goes to the radio, so a post number is never used twice.
public struct GroupChain: Codable, Equatable, Sendable {
    /// How far ahead of the next expected post a received number may be (posts lost on the way).
    public static let maxSkip = 64
    /// Keys of skipped posts kept at most (the oldest go first).
    public static let maxSkipped = 64

    static let chainInfo = Array("lora-msg v4 group chain".utf8)
    static let postInfo = Array("lora-msg v4 group post".utf8)
    static let nextInfo = Array("lora-msg v4 group next".utf8)

    /// CK_next.
    private(set) var chainKey: [UInt8]
    /// The number of the next post on this chain.
    public private(set) var next: UInt16
    /// CK_n of posts skipped over and not yet opened, by n.
    private(set) var skipped: [UInt16: [UInt8]] = [:]

    public init(epochSecret: [UInt8], groupID: GroupID, epoch: UInt8, member: SenderID) throws(LoraCryptoError) {
        guard epochSecret.count == 32 else { throw .invalidKey("a group epoch secret is 32 bytes, got \(epochSecret.count)") }
        chainKey = try HKDF.deriveKey(ikm: epochSecret, info: Self.chainInfo + groupID.bytes + [epoch] + member.bytes, length: 32)
        next = 0
    }

    static func postKey(_ ck: [UInt8]) throws(LoraCryptoError) -> (key: [UInt8], nonce: [UInt8]) {
        let okm = try HKDF.deriveKey(ikm: ck, info: postInfo, length: 32 + LoraEnvelope.nonceByteCount)
        return (Array(okm[0..<32]), Array(okm[32...]))
    }

    static func step(_ ck: [UInt8]) throws(LoraCryptoError) -> [UInt8] {
        try HKDF.deriveKey(ikm: ck, info: nextInfo, length: 32)
    }

    /// The key of the next post of ours, and the chain moved past it.
    mutating func advanceForSending() throws(LoraCryptoError) -> (number: UInt16, key: [UInt8], nonce: [UInt8]) {
        guard next < UInt16.max else { throw .invalidKey("this group chain is used up; the group needs a new epoch") }
        let (key, nonce) = try Self.postKey(chainKey)
        let n = next
        var old = chainKey
        chainKey = try Self.step(chainKey)
        Sodium.wipe(&old)
        next += 1
        return (n, key, nonce)
    }

    /// The key of received post `n`, and the chain as it is once that post has opened (the
    /// caller keeps it only then). An old number whose key is gone: `ratchetKeyUnavailable`.
    func opening(_ n: UInt16) throws(LoraCryptoError) -> (key: [UInt8], nonce: [UInt8], after: GroupChain) {
        guard n < UInt16.max else { throw .malformedEnvelope(.badField("group post number 65535 is never used")) }
        var after = self
        if n < next {
            guard let ck = after.skipped.removeValue(forKey: n) else {
                throw .ratchetKeyUnavailable("group post \(n) was opened before, or its key was dropped")
            }
            let (key, nonce) = try Self.postKey(ck)
            return (key, nonce, after)
        }
        guard Int(n) - Int(next) <= Self.maxSkip else {
            throw .ratchetKeyUnavailable("group post \(n) is more than \(Self.maxSkip) ahead of \(next)")
        }
        while after.next < n {
            after.skipped[after.next] = after.chainKey
            after.chainKey = try Self.step(after.chainKey)
            after.next += 1
        }
        while after.skipped.count > Self.maxSkipped, let oldest = after.skipped.keys.min() { after.skipped[oldest] = nil }
        let (key, nonce) = try Self.postKey(after.chainKey)
        after.chainKey = try Self.step(after.chainKey)
        after.next = n + 1
        return (key, nonce, after)
    }
}
