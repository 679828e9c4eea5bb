import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore
import Testing
@testable import LoraMessenger

/// Alice makes groups; bob and carol each know only alice (not each other), so everything
/// between them rests on the keys alice's roster carries.
private struct Trio {
    let alice = try! TestHome(), bob = try! TestHome(), carol = try! TestHome()
    init() throws {
        try alice.messenger.addContact(name: "bob", key: bob.key, node: nil)
        try alice.messenger.addContact(name: "carol", key: carol.key, node: nil)
        try bob.messenger.addContact(name: "alice", key: alice.key, node: nil)
        try carol.messenger.addContact(name: "alice", key: alice.key, node: nil)
    }

    func home(for peer: [UInt8]) -> TestHome? {
        [alice, bob, carol].first { $0.messenger.identity.senderID.bytes == peer }
    }

    /// Hands each roster (a transfer) of `change` to its addressee, chunk by chunk; returns what each said last.
    @discardableResult
    func deliver(_ change: GroupChange, from sender: TestHome, skipping: Set<String> = []) throws -> [String: ReceiveOutcome] {
        var out: [String: ReceiveOutcome] = [:]
        for id in change.rosterMessageIDs {
            let m = try #require(try sender.messenger.store.message(id: id))
            guard let to = home(for: m.peer) else { continue }
            let name = to === bob ? "bob" : to === carol ? "carol" : "alice"
            if skipping.contains(name) { continue }
            for c in try sender.messenger.store.chunks(peer: m.peer, direction: .outgoing, transferID: try #require(m.transferID)) {
                out[name] = to.messenger.receive(heard(m, payload: c.envelope))
            }
        }
        return out
    }
}

private func post(_ text: String, by home: TestHome, to group: String = "valley") throws -> StoredMessage {
    try home.messenger.composePost(text, to: group)
}

private func notice(_ o: ReceiveOutcome?) -> GroupNotice? {
    if case .groupChanged(let n)? = o { n } else { nil }
}

@Suite struct GroupTests {
    @Test func eachMemberShowsEachPostOnceWithItsTrueSender() throws {
        let t = try Trio()
        let change = try t.alice.messenger.createGroup(named: "#valley", with: ["bob", "carol"])
        #expect(change.rosterMessageIDs.count == 2)
        let said = try t.deliver(change, from: t.alice)
        #expect(notice(said["bob"])?.text.contains("alice added you to #valley") == true)
        #expect(notice(said["carol"])?.group == "valley")

        let fromAlice = try post("hello both", by: t.alice)
        let fromBob = try post("hi, bob here", by: t.bob)
        let fromCarol = try post("carol too", by: t.carol)
        #expect(fromAlice.envelope.count <= GroupPost.maxTotalBytes && fromAlice.toNode == nil)
        for (m, readers, sender) in [(fromAlice, [t.bob, t.carol], "alice"), (fromBob, [t.alice, t.carol], "bob"), (fromCarol, [t.alice, t.bob], "carol")] {
            for r in readers {
                guard case .message(let got) = r.messenger.receive(heard(m)) else { Issue.record("\(sender)'s post not shown"); continue }
                #expect(got.group == "valley")
                #expect(got.contact == sender, "carol is named by alice's roster at bob's, and bob at carol's")
                // Relayed twice, or sent again: one message.
                #expect(r.messenger.receive(heard(m, id: 78)) == .duplicate)
            }
        }
        let bobHistory = try t.bob.messenger.groupHistory("valley", limit: 10)
        #expect(bobHistory.map(\.contact) == ["alice", "you", "carol"] || Set(bobHistory.map(\.contact)) == ["alice", "you", "carol"])
        #expect(bobHistory.contains { $0.body == .text("carol too") && $0.group == "valley" })
    }

    @Test func everyMembersAckMakesAPostDelivered() throws {
        let t = try Trio()
        try t.deliver(try t.alice.messenger.createGroup(named: "valley", with: ["bob", "carol"]), from: t.alice)
        let m = try post("are you both there?", by: t.alice)
        for r in [t.bob, t.carol] { _ = r.messenger.receive(heard(m)) }
        func ack(_ h: TestHome) throws -> MeshPacket {
            let due = try h.messenger.store.groupAcksDue(since: 0)
            #expect(due.count == 1)
            let packets = try h.messenger.groupAckPackets(groupID: due[0].peer, posts: due)
            var p = try #require(packets.first?.0)
            p.from = 0xB0B
            return p
        }
        let bobAck = try ack(t.bob)
        #expect(bobAck.decoded?.payload.count == GroupAck.byteCount(refs: 1, members: 3))
        guard case .postAcked("valley", "bob", [m.id], []) = t.alice.messenger.receive(bobAck) else { Issue.record("bob's ack"); return }
        #expect(t.alice.messenger.postDelivery(try #require(try t.alice.messenger.store.message(id: m.id)))! == (1, 2))
        guard case .postAcked("valley", "carol", [m.id], [m.id]) = t.alice.messenger.receive(try ack(t.carol)) else { Issue.record("carol's ack"); return }
        #expect(try t.alice.messenger.store.message(id: m.id)?.state == .delivered)
        // Bob's ack again (a relayed copy) counts once.
        guard case .postAcked(_, _, [], []) = t.alice.messenger.receive(bobAck) else { Issue.record("a replayed ack counted"); return }
    }

    @Test func aRemovedMemberCannotOpenTheNextPost() throws {
        let t = try Trio()
        try t.deliver(try t.alice.messenger.createGroup(named: "valley", with: ["bob", "carol"]), from: t.alice)
        let aliceSID = t.alice.messenger.identity.senderID.bytes
        let g = try #require(try t.carol.messenger.store.group(named: "valley"))
        // What carol could keep if she were hostile: her chain for alice before the removal.
        let kept = try #require(try t.carol.messenger.store.groupChain(groupID: g.id, epoch: g.epoch, senderID: aliceSID))
        let said = try t.deliver(try t.alice.messenger.removeFromGroup("valley", contact: "carol"), from: t.alice)
        #expect(notice(said["carol"])?.text == "alice removed you from #valley")
        #expect(notice(said["bob"])?.text.hasPrefix("#valley now:") == true)
        #expect(try t.carol.messenger.store.groupChain(groupID: g.id, epoch: g.epoch, senderID: aliceSID) == nil, "erased on removal")

        let after = try post("carol has gone", by: t.alice)
        let onAir = try GroupPost(bytes: after.envelope)
        #expect(Int(onAir.epoch) == g.epoch + 1 && onAir.tagCount == 1)
        let chain = try JSONDecoder().decode(GroupChain.self, from: Data(kept.state))
        #expect(throws: LoraCryptoError.authenticationFailed) { try onAir.open(chain: chain) }
        #expect(t.carol.messenger.receive(heard(after)) == .ignored("a post to #valley, which you are no longer in"))
        guard case .message(let m) = t.bob.messenger.receive(heard(after)) else { Issue.record("bob cannot open it"); return }
        #expect(m.text == "carol has gone")
        #expect(throws: MessengerError.self) { try t.carol.messenger.composePost("still here?", to: "valley") }
    }

    @Test func aMemberCannotPostAsAnother() throws {
        let t = try Trio()
        try t.deliver(try t.alice.messenger.createGroup(named: "valley", with: ["bob", "carol"]), from: t.alice)
        let g = try #require(try t.bob.messenger.store.group(named: "valley"))
        let alice = t.alice.messenger.identity.senderID
        // Bob holds alice's chain (every member does) and seals a post that opens under it.
        let record = try #require(try t.bob.messenger.store.groupChain(groupID: g.id, epoch: g.epoch, senderID: alice.bytes))
        var chain = try JSONDecoder().decode(GroupChain.self, from: Data(record.state))
        let carolKey = try PublicKey(bytes: try #require(try t.bob.messenger.store.groupMembers(groupID: g.id).first { $0.name == "carol" }).publicKey)
        let bobsTagForCarol = try MemberTags.key(own: t.bob.messenger.identity, member: carolKey)
        let forged = try GroupPost.seal(RatchetedContent.text("meet me alone at the mill").bytes, groupID: try GroupID(bytes: g.id), sender: alice,
                                        epoch: UInt8(g.epoch), chain: &chain, tagKeys: [bobsTagForCarol, bobsTagForCarol])
        var p = MeshPacket(); p.from = 0xB0B; p.to = MeshPacket.broadcast
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: forged.post.bytes))
        #expect(t.carol.messenger.receive(p) == .failedAuthentication(contact: "a post in #valley claiming to be from alice (no tag of theirs for you)"))
        // The forgery moved nothing: alice's real post 0 opens at carol.
        guard case .message(let real) = t.carol.messenger.receive(heard(try post("the real one", by: t.alice))) else { Issue.record("alice's post refused"); return }
        #expect(real.contact == "alice" && real.text == "the real one")
        // And the mangled real thing fails too: one byte of its ciphertext.
        var bytes = try post("second", by: t.alice).envelope
        bytes[GroupPost.headerByteCount] ^= 1
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: bytes))
        #expect(t.carol.messenger.receive(p) == .failedAuthentication(contact: "a post in #valley claiming to be from alice (no tag of theirs for you)"))
    }

    @Test func aPostBeforeItsRosterIsHeldThenOpened() throws {
        let t = try Trio()
        let change = try t.alice.messenger.createGroup(named: "valley", with: ["bob", "carol"])
        try t.deliver(change, from: t.alice, skipping: ["carol"])
        let early = try post("before your roster came", by: t.bob)
        #expect(t.carol.messenger.receive(heard(early)) == .postHeld(group: nil))
        #expect(t.carol.messenger.receive(heard(early, id: 79)) == .postHeld(group: nil), "held once, not twice")
        #expect(try t.carol.messenger.store.heldGroupFrames(groupID: try #require(try t.alice.messenger.store.group(named: "valley")).id).count == 1)
        let said = try t.deliver(change, from: t.alice, skipping: ["bob"])
        let n = try #require(notice(said["carol"]))
        #expect(n.opened.map(\.text) == ["before your roster came"])
        #expect(n.opened.first?.contact == "bob")
        #expect(try t.carol.messenger.store.heldGroupFrames(groupID: try #require(try t.alice.messenger.store.group(named: "valley")).id).isEmpty)
        #expect(t.carol.messenger.receive(heard(early)) == .duplicate)
    }

    @Test func onlyTheCreatorsNewerRostersAreTaken() throws {
        let t = try Trio()
        let change = try t.alice.messenger.createGroup(named: "valley", with: ["bob", "carol"])
        try t.deliver(change, from: t.alice)
        // The same roster again (say, replayed chunk by chunk under a new transfer): not newer.
        let g = try #require(try t.bob.messenger.store.group(named: "valley"))
        let c = try t.bob.messenger.contact(named: "alice")
        #expect(t.bob.messenger.applyRoster(try GroupRoster(groupID: try GroupID(bytes: g.id), epoch: UInt8(g.epoch),
                                                            kind: .members(epochSecret: GroupRoster.newEpochSecret()), name: "valley",
                                                            members: [.init(publicKey: try PublicKey(bytes: c.publicKey), name: "alice"),
                                                                      .init(publicKey: t.bob.messenger.identity.publicKey, name: "bob")]).encoded(), from: c).0
                == .ignored("an old roster of #valley from 'alice'"))
        // Carol makes her own roster for alice's group id and sends it to bob: refused.
        try t.bob.messenger.addContact(name: "carol", key: t.carol.key, node: nil)
        let fromCarol = try GroupRoster(groupID: try GroupID(bytes: g.id), epoch: UInt8(g.epoch + 1), kind: .members(epochSecret: GroupRoster.newEpochSecret()),
                                        name: "valley", members: [.init(publicKey: t.carol.messenger.identity.publicKey, name: "carol"),
                                                                  .init(publicKey: t.bob.messenger.identity.publicKey, name: "bob")]).encoded()
        #expect(t.bob.messenger.applyRoster(fromCarol, from: try t.bob.messenger.contact(named: "carol")).0
                == .failedAuthentication(contact: "a roster for a group 'carol' did not create"))
        #expect(try t.bob.messenger.store.group(named: "valley")?.epoch == g.epoch)
    }

    @Test func aMemberLeavesAndTheCreatorRekeysTheRest() throws {
        let t = try Trio()
        let first = try t.alice.messenger.createGroup(named: "valley", with: ["bob", "carol"])
        try t.deliver(first, from: t.alice)
        let leave = try t.bob.messenger.leaveGroup("valley")
        #expect(try t.bob.messenger.store.group(named: "valley")?.standing == .left)
        let atAlice = try t.deliver(leave, from: t.bob)
        #expect(notice(atAlice["alice"])?.text.hasPrefix("bob left #valley") == true)
        // Alice's lora-msg queued a new roster for carol alone.
        let queued = try t.alice.messenger.store.pending().filter { $0.transferID != nil && !first.rosterMessageIDs.contains($0.id) }
        #expect(queued.count == 1 && queued[0].peer == t.carol.messenger.identity.senderID.bytes)
        let rekey = GroupChange(group: "valley", rosterMessageIDs: queued.map(\.id), members: [])
        #expect(notice(try t.deliver(rekey, from: t.alice)["carol"])?.text == "#valley now: you, alice")
        let m = try post("just us", by: t.alice)
        #expect(try GroupPost(bytes: m.envelope).tagCount == 1)
        #expect(t.bob.messenger.receive(heard(m)) == .ignored("a post to #valley, which you are no longer in"))
        guard case .message = t.carol.messenger.receive(heard(m)) else { Issue.record("carol cannot open it"); return }
    }

    @Test func groupCommandsSayWhatIsWrong() throws {
        let t = try Trio()
        #expect(throws: MessengerError.unknownContact(name: "dave")) { try t.alice.messenger.createGroup(named: "x", with: ["dave"]) }
        #expect(throws: MessengerError.self) { try t.alice.messenger.createGroup(named: "x", with: []) }
        #expect(throws: MessengerError.self) { try t.alice.messenger.createGroup(named: String(repeating: "g", count: 25), with: ["bob"]) }
        _ = try t.alice.messenger.createGroup(named: "x", with: ["bob"])
        #expect(throws: MessengerError.self) { try t.alice.messenger.createGroup(named: "#X", with: ["bob"]) }
        #expect(throws: MessengerError.unknownGroup(name: "nope")) { try t.alice.messenger.composePost("hi", to: "#nope") }
        #expect(throws: MessengerError.self) { try t.alice.messenger.leaveGroup("x") }
        // The room in one frame: 165 − 21 − 16 − 8 (one other member) − 1 kind byte.
        let room = GroupPost.maxTotalBytes - 21 - 16 - 8 - 1
        #expect(try post(String(repeating: "a", count: room), by: t.alice, to: "x").envelope.count == GroupPost.maxTotalBytes)
        #expect(throws: MessengerError.self) { try post(String(repeating: "a", count: room + 1), by: t.alice, to: "x") }
    }
}
