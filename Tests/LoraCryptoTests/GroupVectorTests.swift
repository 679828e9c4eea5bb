import Foundation
import Testing
@testable import LoraCrypto

private struct GroupVectors: Decodable {
    struct Chain: Decodable { let epoch: Int; let member: Int; let chain_key_0: String }
    struct Post: Decodable {
        let name: String; let members: Int; let epoch: Int; let poster: Int; let n: Int; let kind: Int; let body: String
        let chain_key: String; let key: String; let nonce: String; let frame: String
    }
    struct Ack: Decodable { let name: String; let members: Int; let maker: Int; let refs: [String]; let frame: String }
    struct Roster: Decodable { let name: String; let epoch: Int; let flags: Int; let group_name: String; let members: Int; let content: String }
    let member_secrets: [String]; let group_id: String; let epoch_secret: String
    let chains: [Chain]; let posts: [Post]; let acks: [Ack]; let rosters: [Roster]
}

/// Groups against Python's bytes (Scripts/gen-group-vectors.py, written from PROTOCOL.md's
/// "Groups" alone): the same inputs make the same bytes here, and Python's frames open and
/// verify here.
@Suite struct GroupVectorTests {
    private let v: GroupVectors = {
        let url = Bundle.module.url(forResource: "Fixtures/group-vectors", withExtension: "json")!
        return try! JSONDecoder().decode(GroupVectors.self, from: Data(contentsOf: url))
    }()
    private var people: [IdentityKeyPair] { v.member_secrets.map { try! IdentityKeyPair(secretKey: hex($0)) } }
    private var group: GroupID { try! GroupID(bytes: hex(v.group_id)) }

    @Test func chainsStartWherePythonsDo() throws {
        for c in v.chains {
            let chain = try GroupChain(epochSecret: hex(v.epoch_secret), groupID: group, epoch: UInt8(c.epoch), member: people[c.member].senderID)
            #expect(hexString(chain.chainKey) == c.chain_key_0)
        }
    }

    @Test func postsAreByteForByteAndOpen() throws {
        #expect(v.posts.count == 6)
        for p in v.posts {
            let poster = people[p.poster]
            let others = (0..<p.members).filter { $0 != p.poster }.map { people[$0] }
            var chain = try GroupChain(epochSecret: hex(v.epoch_secret), groupID: group, epoch: UInt8(p.epoch), member: poster.senderID)
            for _ in 0..<p.n { _ = try chain.advanceForSending() }
            #expect(hexString(chain.chainKey) == p.chain_key, "\(p.name): chain key")
            let made = try GroupPost.seal([UInt8(p.kind)] + hex(p.body), groupID: group, sender: poster.senderID, epoch: UInt8(p.epoch), chain: &chain,
                                          tagKeys: try others.map { try MemberTags.key(own: poster, member: $0.publicKey) })
            #expect(hexString(made.post.bytes) == p.frame, "\(p.name): frame")
            #expect(hexString(made.nonce) == p.nonce, "\(p.name): nonce")
            // Each receiver: its tag, then the post opens under its own copy of the chain.
            let theirs = try GroupPost(bytes: hex(p.frame))
            for o in others {
                #expect(theirs.isFromItsSender(key: try MemberTags.key(own: o, member: poster.publicKey)), "\(p.name): tag")
                // A receiver that opened the posts up to 10 before this one (more than 64 ahead is refused).
                var receiving = try GroupChain(epochSecret: hex(v.epoch_secret), groupID: group, epoch: UInt8(p.epoch), member: poster.senderID)
                for _ in 0..<max(0, p.n - 10) { _ = try receiving.advanceForSending() }
                let opened = try theirs.open(chain: receiving)
                #expect(opened.plaintext == [UInt8(p.kind)] + hex(p.body) && hexString(opened.nonce) == p.nonce)
            }
        }
    }

    @Test func acksAreByteForByteAndVerify() throws {
        for a in v.acks {
            let maker = people[a.maker]
            let others = (0..<a.members).filter { $0 != a.maker }.map { people[$0] }
            let made = try GroupAck.make(groupID: group, maker: maker.senderID, refs: a.refs.map(hex),
                                         tagKeys: try others.map { try MemberTags.key(own: maker, member: $0.publicKey) })
            #expect(hexString(made.bytes) == a.frame, "\(a.name)")
            let theirs = try GroupAck(bytes: hex(a.frame))
            for o in others { #expect(theirs.isFromItsMaker(key: try MemberTags.key(own: o, member: maker.publicKey)), "\(a.name)") }
        }
    }

    @Test func rostersDecodeAndEncodeTheSame() throws {
        for r in v.rosters {
            let decoded = try GroupRoster(decoding: hex(r.content))
            #expect(decoded.groupID == group && Int(decoded.epoch) == r.epoch && decoded.name == r.group_name && decoded.members.count == r.members, "\(r.name)")
            switch (r.flags, decoded.kind) {
            case (1, .members(let s)): #expect(s == hex(v.epoch_secret))
            case (0, .removal), (2, .leave): break
            default: Issue.record("\(r.name): kind \(decoded.kind) for flags \(r.flags)")
            }
            #expect(hexString(try decoded.encoded()) == r.content, "\(r.name)")
        }
    }
}
