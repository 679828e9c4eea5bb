import Foundation
import Testing
import TestSupport
@testable import LoraCrypto

private let alice = try! IdentityKeyPair.generate(), bob = try! IdentityKeyPair.generate(), carol = try! IdentityKeyPair.generate()
private let group = GroupID(unchecked: [1, 2, 3, 4, 5, 6, 7, 8])
private let secret = [UInt8](repeating: 0x42, count: 32)

private func chain(of who: IdentityKeyPair, epoch: UInt8 = 1) throws -> GroupChain {
    try GroupChain(epochSecret: secret, groupID: group, epoch: epoch, member: who.senderID)
}

private func tagKeys(from who: IdentityKeyPair, to others: [IdentityKeyPair]) throws -> [MemberTagKey] {
    try others.map { try MemberTags.key(own: who, member: $0.publicKey) }
}

@Suite struct GroupCryptoTests {
    @Test func postsOpenOutOfOrderOnceEachAndTheChainForgets() throws {
        var sending = try chain(of: alice)
        let keys = try tagKeys(from: alice, to: [bob, carol])
        let posts = try (0..<5).map { i in try GroupPost.seal(RatchetedContent.text("post \(i)").bytes, groupID: group, sender: alice.senderID, epoch: 1, chain: &sending, tagKeys: keys) }
        #expect(posts.map(\.post.number) == [0, 1, 2, 3, 4])
        #expect(Set(posts.map(\.nonce)).count == 5)
        var receiving = try chain(of: alice)
        let bobsKey = try MemberTags.key(own: bob, member: alice.publicKey)
        for i in [3, 0, 4, 1, 2] {
            #expect(posts[i].post.isFromItsSender(key: bobsKey))
            let o = try posts[i].post.open(chain: receiving)
            #expect(o.plaintext == RatchetedContent.text("post \(i)").bytes && o.nonce == posts[i].nonce)
            receiving = o.chain
        }
        // Each key went once it was used: a copy of any post no longer opens.
        for p in posts { #expect(throws: LoraCryptoError.self) { try p.post.open(chain: receiving) } }
        #expect(receiving.skipped.isEmpty && receiving.next == 5)
    }

    @Test func aNumberTooFarAheadIsRefusedAndSkippedKeysAreBounded() throws {
        var sending = try chain(of: alice)
        let keys = try tagKeys(from: alice, to: [bob])
        var last: GroupPost?
        for _ in 0...GroupChain.maxSkip + 1 {
            last = try GroupPost.seal([0, 0x61], groupID: group, sender: alice.senderID, epoch: 1, chain: &sending, tagKeys: keys).post
        }
        #expect(throws: LoraCryptoError.self) { try last!.open(chain: try chain(of: alice)) }
        var r = try chain(of: alice)
        var s2 = try chain(of: alice)
        for _ in 0..<GroupChain.maxSkip { _ = try GroupPost.seal([0, 0x61], groupID: group, sender: alice.senderID, epoch: 1, chain: &s2, tagKeys: keys) }
        let far = try GroupPost.seal([0, 0x62], groupID: group, sender: alice.senderID, epoch: 1, chain: &s2, tagKeys: keys).post
        r = try far.open(chain: r).chain
        #expect(r.skipped.count == GroupChain.maxSkipped)
    }

    @Test func tagsNameTheSenderToEachMemberAlone() throws {
        var sending = try chain(of: alice)
        let post = try GroupPost.seal([0, 0x68], groupID: group, sender: alice.senderID, epoch: 1, chain: &sending,
                                      tagKeys: try tagKeys(from: alice, to: [bob, carol])).post
        #expect(post.tagCount == 2 && post.bytes.count == GroupPost.headerByteCount + 2 + 16 + 16)
        #expect(post.isFromItsSender(key: try MemberTags.key(own: bob, member: alice.publicKey)))
        #expect(post.isFromItsSender(key: try MemberTags.key(own: carol, member: alice.publicKey)))
        // Bob's key with carol is not alice's: a post claiming alice fails at carol.
        #expect(!post.isFromItsSender(key: try MemberTags.key(own: carol, member: bob.publicKey)))
        // Every byte before the tags is covered.
        for i in 0..<(post.bytes.count - 16) {
            var b = post.bytes; b[i] ^= 0x01
            guard let mangled = try? GroupPost(bytes: b) else { continue }
            #expect(!mangled.isFromItsSender(key: try MemberTags.key(own: carol, member: alice.publicKey)), "byte \(i)")
        }
    }

    @Test func acksRoundTripAndAreTagged() throws {
        let refs: [[UInt8]] = [[1, 2, 3, 4, 5, 6], [9, 9, 9, 9, 9, 9]]
        let ack = try GroupAck.make(groupID: group, maker: bob.senderID, refs: refs, tagKeys: try tagKeys(from: bob, to: [alice, carol]))
        #expect(ack.bytes.count == GroupAck.byteCount(refs: 2, members: 3))
        let parsed = try GroupAck(bytes: ack.bytes)
        #expect(parsed == ack && parsed.refs == refs)
        #expect(parsed.isFromItsMaker(key: try MemberTags.key(own: alice, member: bob.publicKey)))
        #expect(!parsed.isFromItsMaker(key: try MemberTags.key(own: alice, member: carol.publicKey)))
        #expect(throws: LoraCryptoError.self) { try GroupAck.make(groupID: group, maker: bob.senderID, refs: [], tagKeys: try tagKeys(from: bob, to: [alice])) }
        #expect(throws: LoraCryptoError.self) {
            try GroupAck.make(groupID: group, maker: bob.senderID, refs: Array(repeating: [0, 0, 0, 0, 0, 0], count: GroupAck.maxRefs + 1), tagKeys: try tagKeys(from: bob, to: [alice]))
        }
    }

    @Test func rostersRoundTripAndBadOnesAreRefused() throws {
        let members = [GroupRoster.Member(publicKey: alice.publicKey, name: "alice"), GroupRoster.Member(publicKey: bob.publicKey, name: "bob")]
        for kind in [GroupRoster.Kind.members(epochSecret: secret), .removal] {
            let r = GroupRoster(groupID: group, epoch: 7, kind: kind, name: "valley", members: members)
            #expect(try GroupRoster(decoding: try r.encoded()) == r)
        }
        let leave = GroupRoster(groupID: group, epoch: 7, kind: .leave, name: "valley", members: [])
        #expect(try GroupRoster(decoding: try leave.encoded()) == leave)
        let good = try GroupRoster(groupID: group, epoch: 7, kind: .members(epochSecret: secret), name: "valley", members: members).encoded()
        for n in 0..<good.count { #expect(throws: LoraCryptoError.self) { try GroupRoster(decoding: Array(good.prefix(n))) } }
        #expect(throws: LoraCryptoError.self) { try GroupRoster(decoding: good + [0]) }
        var flags = good; flags[9] = 0x04
        #expect(throws: LoraCryptoError.self) { try GroupRoster(decoding: flags) }
        // The same member twice (the count says 3, the last entry repeated).
        let head = Array(good.prefix(good.count - 38 - 36 - 1)), aliceEntry = Array(good.suffix(38 + 36).prefix(38)), bobEntry = Array(good.suffix(36))
        #expect(try GroupRoster(decoding: head + [2] + aliceEntry + bobEntry).members.count == 2, "the pieces are what they seem")
        #expect(throws: LoraCryptoError.malformedEnvelope(.badField("group roster: a member is listed twice"))) {
            try GroupRoster(decoding: head + [3] + aliceEntry + bobEntry + bobEntry)
        }
        #expect(throws: LoraCryptoError.self) { try GroupRoster(groupID: group, epoch: 1, kind: .leave, name: "x", members: members).encoded() }
        #expect(throws: LoraCryptoError.self) { try GroupRoster(groupID: group, epoch: 1, kind: .removal, name: "", members: []).encoded() }
        let nine = (0..<9).map { _ in GroupRoster.Member(publicKey: try! IdentityKeyPair.generate().publicKey, name: "m") }
        #expect(throws: LoraCryptoError.self) { try GroupRoster(groupID: group, epoch: 1, kind: .removal, name: "x", members: nine).encoded() }
    }

    @Test func truncatedOversizedAndGarbageFramesAreRefusedNotTrapped() throws {
        var sending = try chain(of: alice)
        let post = try GroupPost.seal([0, 0x61, 0x62], groupID: group, sender: alice.senderID, epoch: 1, chain: &sending,
                                      tagKeys: try tagKeys(from: alice, to: [bob])).post.bytes
        // Cut short: refused by its shape, or (when the shape still holds) by its sender's tag.
        let bobsKey = try MemberTags.key(own: bob, member: alice.publicKey)
        for n in 0..<post.count {
            if let cut = try? GroupPost(bytes: Array(post.prefix(n))) { #expect(!cut.isFromItsSender(key: bobsKey), "cut to \(n)") }
        }
        #expect(throws: LoraCryptoError.self) { try GroupPost(bytes: post + [UInt8](repeating: 0, count: GroupPost.maxTotalBytes)) }
        var noTags = post; noTags[20] = 0
        #expect(throws: LoraCryptoError.self) { try GroupPost(bytes: noTags) }
        var tooMany = post; tooMany[20] = 8
        #expect(throws: LoraCryptoError.self) { try GroupPost(bytes: tooMany) }
        let ack = try GroupAck.make(groupID: group, maker: bob.senderID, refs: [[1, 2, 3, 4, 5, 6]], tagKeys: try tagKeys(from: bob, to: [alice])).bytes
        for n in 0..<ack.count { #expect(throws: LoraCryptoError.self) { try GroupAck(bytes: Array(ack.prefix(n))) } }
        #expect(throws: LoraCryptoError.self) { try GroupAck(bytes: ack + [0]) }
        for var g in SeededGenerator.garbage(seed: 0x6707, count: 3000, maxLength: 200) {
            for first in [GroupPost.frameByte, GroupAck.frameByte] {
                if !g.isEmpty { g[0] = first }
                _ = try? LoraFrame(bytes: g)
                _ = try? GroupRoster(decoding: g)
            }
        }
    }
}
