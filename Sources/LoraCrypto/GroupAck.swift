/// Frame 0x08: a member says it holds these posts of a group (docs/PROTOCOL.md, "0x08 group
/// ack"). Broadcast, like the posts, so a member need not know another's radio.
///
///     0x08 | group_id(8) | maker sender_id(8) | k(1) | ref(6) × k | t(1) | member tag(8) × t
///
/// ref: the first 6 bytes of a post's derived nonce (never sent with the post, so a ref says
/// nothing to anyone outside the group). Not encrypted, since nothing in it is secret; the
/// member tags (`MemberTags`) authenticate the maker to each member.
public struct GroupAck: Equatable, Sendable {
    public static let frameByte: UInt8 = 0x08
    public static let maxRefs = 12
    public static let refByteCount = 6

    public let groupID: GroupID
    public let maker: SenderID
    public let refs: [[UInt8]]
    public let memberTags: [UInt8]

    public static func byteCount(refs: Int, members: Int) -> Int {
        18 + refs * refByteCount + 1 + MemberTags.tagByteCount * max(0, members - 1)
    }

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = try checkedFrame(bytes, first: Self.frameByte, minimum: Self.byteCount(refs: 1, members: 2),
                                 maximum: Self.byteCount(refs: Self.maxRefs, members: GroupPost.maxMembers))
        let k = Int(b[17])
        guard (1...Self.maxRefs).contains(k) else { throw .malformedEnvelope(.badField("a group ack names 1…\(Self.maxRefs) posts, not \(k)")) }
        let tStart = 18 + k * Self.refByteCount
        guard tStart < b.count else { throw .malformedEnvelope(.tooShort(bytes: b.count, minimum: tStart + 1)) }
        let t = Int(b[tStart])
        guard (1..<GroupPost.maxMembers).contains(t), b.count == tStart + 1 + t * MemberTags.tagByteCount else {
            throw .malformedEnvelope(.badField("a group ack with \(k) refs and \(t) member tags is \(tStart + 1 + t * MemberTags.tagByteCount) bytes, not \(b.count)"))
        }
        groupID = GroupID(unchecked: Array(b[1..<9]))
        maker = try SenderID(bytes: Array(b[9..<17]))
        refs = (0..<k).map { Array(b[18 + $0 * Self.refByteCount..<18 + ($0 + 1) * Self.refByteCount]) }
        memberTags = Array(b[(tStart + 1)...])
    }

    private init(groupID: GroupID, maker: SenderID, refs: [[UInt8]], memberTags: [UInt8]) {
        self.groupID = groupID; self.maker = maker; self.refs = refs; self.memberTags = memberTags
    }

    var signed: [UInt8] {
        [Self.frameByte] + groupID.bytes + maker.bytes + [UInt8(refs.count)] + refs.flatMap { $0 } + [UInt8(memberTags.count / MemberTags.tagByteCount)]
    }

    public var bytes: [UInt8] { signed + memberTags }

    /// An ack of the posts whose nonces start with `refs`, tagged for each other member.
    public static func make(groupID: GroupID, maker: SenderID, refs: [[UInt8]], tagKeys: [MemberTagKey]) throws(LoraCryptoError) -> GroupAck {
        guard (1...maxRefs).contains(refs.count), refs.allSatisfy({ $0.count == refByteCount }) else {
            throw .malformedEnvelope(.badField("a group ack names 1…\(maxRefs) posts of \(refByteCount)-byte refs"))
        }
        guard (1..<GroupPost.maxMembers).contains(tagKeys.count) else {
            throw .malformedEnvelope(.badField("a group ack goes to 1…\(GroupPost.maxMembers - 1) other members"))
        }
        let unsigned = GroupAck(groupID: groupID, maker: maker, refs: refs, memberTags: [UInt8](repeating: 0, count: tagKeys.count * MemberTags.tagByteCount))
        return GroupAck(groupID: groupID, maker: maker, refs: refs, memberTags: MemberTags.tags(over: unsigned.signed, keys: tagKeys))
    }

    /// True when one of the tags is the one the maker shares with us.
    public func isFromItsMaker(key: MemberTagKey) -> Bool {
        key.member == maker && MemberTags.holdsTag(memberTags, over: signed, key: key)
    }
}
