/// What a group's creator tells a member (and what a member tells the creator when it
/// leaves): the content of a transfer of type 0x03 (docs/PROTOCOL.md, "Group rosters"), sealed
/// in chunks under the pair's key like any long message.
///
///     group_id(8) | epoch(1) | flags(1) | [epoch secret(32)] | L(1) | name(L) | m(1) | m × (public key(32) | l(1) | name(l))
///
/// flags bit 0: the epoch secret follows (a member's roster); bit 1: a leave notice (the
/// sender leaves; no secret, m = 0); neither: a removal notice (the addressee is no longer a
/// member; the members are those who stay). Other bits 0.
public struct GroupRoster: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The addressee is a member of this epoch; the secret opens its posts.
        case members(epochSecret: [UInt8])
        /// The addressee was removed.
        case removal
        /// The sender leaves the group.
        case leave
    }

    public struct Member: Equatable, Sendable {
        public var publicKey: PublicKey
        /// The creator's name for them (1…32 bytes of UTF-8).
        public var name: String
        public init(publicKey: PublicKey, name: String) { self.publicKey = publicKey; self.name = name }
    }

    public static let maxNameBytes = 24
    public static let maxMemberNameBytes = 32
    static let secretFlag: UInt8 = 0x01
    static let leaveFlag: UInt8 = 0x02

    public var groupID: GroupID
    public var epoch: UInt8
    public var kind: Kind
    public var name: String
    public var members: [Member]

    public init(groupID: GroupID, epoch: UInt8, kind: Kind, name: String, members: [Member]) {
        self.groupID = groupID; self.epoch = epoch; self.kind = kind; self.name = name; self.members = members
    }

    /// A fresh 32-byte epoch secret.
    public static func newEpochSecret() -> [UInt8] { Sodium.randomBytes(32) }

    public func encoded() throws(LoraCryptoError) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        guard (1...Self.maxNameBytes).contains(nameBytes.count) else {
            throw .malformedEnvelope(.badField("a group name is 1…\(Self.maxNameBytes) bytes, not \(nameBytes.count)"))
        }
        guard members.count <= GroupPost.maxMembers else {
            throw .malformedEnvelope(.badField("a group has at most \(GroupPost.maxMembers) members, not \(members.count)"))
        }
        var out = groupID.bytes + [epoch]
        switch kind {
        case .members(let secret):
            guard secret.count == 32 else { throw .invalidKey("a group epoch secret is 32 bytes") }
            out += [Self.secretFlag] + secret
        case .removal: out += [0]
        case .leave:
            guard members.isEmpty else { throw .malformedEnvelope(.badField("a leave notice names no members")) }
            out += [Self.leaveFlag]
        }
        out += [UInt8(nameBytes.count)] + nameBytes + [UInt8(members.count)]
        for m in members {
            let n = Array(m.name.utf8)
            guard (1...Self.maxMemberNameBytes).contains(n.count) else {
                throw .malformedEnvelope(.badField("a member's name is 1…\(Self.maxMemberNameBytes) bytes, not \(n.count)"))
            }
            out += m.publicKey.bytes + [UInt8(n.count)] + n
        }
        return out
    }

    public init(decoding b: [UInt8]) throws(LoraCryptoError) {
        func bad(_ why: String) -> LoraCryptoError { .malformedEnvelope(.badField("group roster: \(why)")) }
        var i = 0
        func take(_ n: Int) throws(LoraCryptoError) -> ArraySlice<UInt8> {
            guard n >= 0, i + n <= b.count else { throw bad("ends early") }
            defer { i += n }
            return b[i..<i + n]
        }
        func byte() throws(LoraCryptoError) -> UInt8 {
            guard i < b.count else { throw bad("ends early") }
            defer { i += 1 }
            return b[i]
        }
        func text(_ n: Int, max: Int, what: String) throws(LoraCryptoError) -> String {
            guard (1...max).contains(n) else { throw bad("\(what) is 1…\(max) bytes, not \(n)") }
            guard let s = String(validating: try take(n), as: UTF8.self) else { throw bad("\(what) is not UTF-8") }
            return s
        }
        groupID = GroupID(unchecked: Array(try take(GroupID.byteCount)))
        epoch = try byte()
        let flags = try byte()
        switch flags {
        case Self.secretFlag: kind = .members(epochSecret: Array(try take(32)))
        case Self.leaveFlag: kind = .leave
        case 0: kind = .removal
        default: throw bad("unknown flags \(flags)")
        }
        name = try text(Int(try byte()), max: Self.maxNameBytes, what: "the group name")
        let count = Int(try byte())
        guard count <= GroupPost.maxMembers else { throw bad("\(count) members, over \(GroupPost.maxMembers)") }
        if kind == .leave, count != 0 { throw bad("a leave notice names no members") }
        var members: [Member] = []
        for _ in 0..<count {
            let key = try PublicKey(bytes: Array(try take(PublicKey.byteCount)))
            let n = try text(Int(try byte()), max: Self.maxMemberNameBytes, what: "a member's name")
            guard !members.contains(where: { $0.publicKey == key }) else { throw bad("a member is listed twice") }
            members.append(Member(publicKey: key, name: n))
        }
        guard i == b.count else { throw bad("\(b.count - i) bytes after the last member") }
        self.members = members
    }
}
