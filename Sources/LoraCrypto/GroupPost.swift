/// Frame 0x07: a post to a group, one broadcast frame (docs/PROTOCOL.md, "0x07 group post").
///
///     0x07 | group_id(8) | sender_id(8) | epoch(1) | n(2) | t(1) | ciphertext(N) | tag(16) | member tag(8) × t
///
/// The ciphertext is XChaCha20-Poly1305 of `kind ‖ body` (the kinds of 0x06: 0x00 text,
/// 0x01 location) under the key and nonce of post n of the sender's chain (`GroupChain`),
/// with the 21-byte header as associated data. The member tags (`MemberTags`) say who sent it.
/// The whole frame is at most 165 bytes, so a firmware 2.8 radio still signs it.
public struct GroupPost: Equatable, Sendable {
    public static let frameByte: UInt8 = 0x07
    public static let headerByteCount = 21
    /// The largest broadcast a 2.8 radio signs (233 − 2 for the bitfield − 66 for the signature).
    public static let maxTotalBytes = 165
    /// Members of a group at most, its maker included: 7 tags leave 71 bytes of text.
    public static let maxMembers = 8

    public let groupID: GroupID
    public let senderID: SenderID
    public let epoch: UInt8
    public let number: UInt16
    public let ciphertext: [UInt8]
    public let tag: [UInt8]
    public let memberTags: [UInt8]

    public var tagCount: Int { memberTags.count / MemberTags.tagByteCount }

    /// Room for `kind ‖ body` in a group of `members` (the sender included).
    public static func maxPlaintextBytes(members: Int) -> Int {
        maxTotalBytes - headerByteCount - LoraEnvelope.tagByteCount - MemberTags.tagByteCount * max(0, members - 1)
    }

    /// Parses wire bytes. Checks shape only.
    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let minimum = Self.headerByteCount + 1 + LoraEnvelope.tagByteCount
        let b = try checkedFrame(bytes, first: Self.frameByte, minimum: minimum, maximum: Self.maxTotalBytes)
        let t = Int(b[20])
        guard (1..<Self.maxMembers).contains(t) else { throw .malformedEnvelope(.badField("a group post carries 1…\(Self.maxMembers - 1) member tags, not \(t)")) }
        let tagsStart = b.count - t * MemberTags.tagByteCount
        guard tagsStart - LoraEnvelope.tagByteCount > Self.headerByteCount else {
            throw .malformedEnvelope(.tooShort(bytes: b.count, minimum: minimum + t * MemberTags.tagByteCount))
        }
        groupID = GroupID(unchecked: Array(b[1..<9]))
        senderID = try SenderID(bytes: Array(b[9..<17]))
        epoch = b[17]
        number = UInt16(b[18]) << 8 | UInt16(b[19])
        ciphertext = Array(b[Self.headerByteCount..<tagsStart - LoraEnvelope.tagByteCount])
        tag = Array(b[tagsStart - LoraEnvelope.tagByteCount..<tagsStart])
        memberTags = Array(b[tagsStart...])
    }

    private init(groupID: GroupID, senderID: SenderID, epoch: UInt8, number: UInt16, ciphertext: [UInt8], tag: [UInt8], memberTags: [UInt8]) {
        self.groupID = groupID; self.senderID = senderID; self.epoch = epoch; self.number = number
        self.ciphertext = ciphertext; self.tag = tag; self.memberTags = memberTags
    }

    static func header(groupID: GroupID, senderID: SenderID, epoch: UInt8, number: UInt16, tagCount: Int) -> [UInt8] {
        [frameByte] + groupID.bytes + senderID.bytes + [epoch, UInt8(number >> 8), UInt8(number & 0xFF), UInt8(tagCount)]
    }

    var header: [UInt8] { Self.header(groupID: groupID, senderID: senderID, epoch: epoch, number: number, tagCount: tagCount) }
    /// Every byte before the member tags: what each tag covers.
    var signed: [UInt8] { header + ciphertext + tag }
    public var bytes: [UInt8] { signed + memberTags }

    /// Seals `plaintext` (kind ‖ body) as the next post of `chain` (which moves on), tagged for
    /// each of `tagKeys` (every other member). Returns the frame and its derived nonce, which
    /// stands for the post in dedup and acks.
    public static func seal(_ plaintext: [UInt8], groupID: GroupID, sender: SenderID, epoch: UInt8, chain: inout GroupChain,
                            tagKeys: [MemberTagKey]) throws(LoraCryptoError) -> (post: GroupPost, nonce: [UInt8]) {
        let members = tagKeys.count + 1
        guard (2...maxMembers).contains(members) else {
            throw .malformedEnvelope(.badField("a group post goes to 1…\(maxMembers - 1) other members, not \(tagKeys.count)"))
        }
        guard !plaintext.isEmpty else { throw .malformedEnvelope(.badField("empty group post")) }
        let room = maxPlaintextBytes(members: members)
        guard plaintext.count <= room else { throw .messageTooLong(bytes: plaintext.count, limit: room) }
        var next = chain
        var (n, key, nonce) = try next.advanceForSending()
        defer { Sodium.wipe(&key) }
        let header = header(groupID: groupID, senderID: sender, epoch: epoch, number: n, tagCount: tagKeys.count)
        let (ciphertext, tag) = try XChaCha20Poly1305.seal(plaintext, ad: header, nonce: nonce, key: key)
        let tags = MemberTags.tags(over: header + ciphertext + tag, keys: tagKeys)
        chain = next
        return (GroupPost(groupID: groupID, senderID: sender, epoch: epoch, number: n, ciphertext: ciphertext, tag: tag, memberTags: tags), nonce)
    }

    /// True when one of the member tags is the one its sender shares with us: it was made by
    /// the sender it names. Checked before the chain is touched.
    public func isFromItsSender(key: MemberTagKey) -> Bool {
        key.member == senderID && MemberTags.holdsTag(memberTags, over: signed, key: key)
    }

    /// Opens with the sender's chain; returns (kind ‖ body), the derived nonce and the chain to
    /// keep now that the post has opened.
    public func open(chain: GroupChain) throws(LoraCryptoError) -> (plaintext: [UInt8], nonce: [UInt8], chain: GroupChain) {
        var (key, nonce, after) = try chain.opening(number)
        defer { Sodium.wipe(&key) }
        let plaintext = try XChaCha20Poly1305.open(ciphertext, tag: tag, ad: header, nonce: nonce, key: key)
        return (plaintext, nonce, after)
    }
}
