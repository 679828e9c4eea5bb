import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore
import Testing
@testable import LoraMessenger

/// Alice writes to bob; ridge is bob's mailbox. Packets are handed between the homes by hand,
/// as their radios would: alice on 0xA11CE, bob on 0xB0B, ridge on 0x41D6E.
private struct Valley {
    let alice = try! TestHome(), bob = try! TestHome(), ridge = try! TestHome()
    init() throws {
        try alice.messenger.addContact(name: "bob", key: bob.key, node: "!00000b0b")
        try bob.messenger.addContact(name: "alice", key: alice.key, node: "!000a11ce")
        try bob.messenger.addContact(name: "ridge", key: ridge.key, node: "!00041d6e")
        try ridge.messenger.addContact(name: "bob", key: bob.key, node: "!00000b0b")
        ridge.messenger.serveMailbox(true)
    }

    /// The frames `from` queued, taken out of its frame outbox (as its radio would send them).
    func frames(_ from: TestHome) throws -> [OutgoingFrame] {
        let f = try from.messenger.store.unsentFrames()
        for x in f { try from.messenger.store.deleteFrame(id: x.id) }
        return f
    }
}

private func packet(_ payload: [UInt8], from node: UInt32, id: UInt32 = .random(in: 1...UInt32.max)) -> MeshPacket {
    var p = MeshPacket()
    p.from = node; p.to = MeshPacket.broadcast; p.id = id
    p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: payload))
    return p
}

@Suite struct MailboxTests {
    /// Registration, the advert, a deposit, a fetch, the hand-over and the confirm, end to end.
    @Test func aMessageWaitsAtTheMailboxAndIsTakenOnce() throws {
        let v = try Valley()
        _ = try v.bob.messenger.useMailbox("ridge")
        let fromBob = try v.frames(v.bob)
        #expect(fromBob.count == 2, "a registration for ridge, an advert for alice")
        let register = try #require(fromBob.first { $0.toNode == 0x41D6E })
        guard case .mailboxNews(let said) = v.ridge.messenger.receive(packet(register.frame, from: 0xB0B)) else { Issue.record("not registered"); return }
        #expect(said == "'bob' uses this mailbox")
        #expect(try v.ridge.messenger.store.isMailboxUser(v.bob.messenger.identity.senderID.bytes))
        let advert = try #require(fromBob.first { $0.toNode == 0xA11CE })
        guard case .mailboxNews = v.alice.messenger.receive(packet(advert.frame, from: 0xB0B)) else { Issue.record("advert refused"); return }
        #expect(v.alice.messenger.mailbox(of: try v.alice.messenger.contact(named: "bob")) == "!00041d6e")

        // Alice leaves a copy of two messages there.
        let texts = ["the gate is open", "bring the red tractor"]
        var ids: [String] = []
        for t in texts {
            let m = try v.alice.messenger.compose(to: "bob", text: t)
            ids.append(m.id)
            #expect(try v.alice.messenger.leaveWithMailbox(messageID: m.id) != nil)
        }
        let deposits = try v.frames(v.alice)
        #expect(deposits.count == 2 && deposits.allSatisfy { $0.toNode == 0x41D6E && $0.frame.count <= 219 })
        for d in deposits {
            guard case .deposited("bob", _) = v.ridge.messenger.receive(packet(d.frame, from: 0xA11CE)) else { Issue.record("deposit refused"); return }
        }
        #expect(v.ridge.messenger.receive(packet(deposits[0].frame, from: 0xA11CE)) == .duplicate)
        #expect(try v.ridge.messenger.store.heldCount(recipient: v.bob.messenger.identity.senderID.bytes) == 2)

        // Bob comes back and asks; ridge hands both over.
        #expect(v.bob.messenger.queueFetch(force: true))
        let fetch = try #require(try v.frames(v.bob).first)
        guard case .mailboxFetch(let who, "bob", 0xB0B) = v.ridge.messenger.receive(packet(fetch.frame, from: 0xB0B)) else { Issue.record("fetch refused"); return }
        let held = try v.ridge.messenger.store.heldFrames(recipient: who, handedBefore: .infinity)
        var shown: [String] = []
        for f in held {
            let handed = MailboxDelivery(frame: f.frame).bytes
            if case .message(let m) = v.bob.messenger.receive(packet(handed, from: 0x41D6E)) { shown.append(m.text); #expect(m.contact == "alice") }
            // Handed twice (a lost confirm): shown once.
            #expect(v.bob.messenger.receive(packet(handed, from: 0x41D6E)) == .duplicate)
        }
        #expect(Set(shown) == Set(texts) && shown.count == 2)
        let confirms = v.bob.messenger.mailboxConfirmPackets()
        #expect(confirms.count == 1 && confirms[0].1.count == 2)
        guard case .mailboxNews(let gone) = v.ridge.messenger.receive({ var p = confirms[0].0; p.from = 0xB0B; return p }()) else { Issue.record("confirm refused"); return }
        #expect(gone.contains("holds 2 frames"))
        #expect(try v.ridge.messenger.store.heldCount() == 0)
        // Bob's receipts name alice's two messages.
        let due = try v.bob.messenger.store.receiptsDue(readReceipts: false, since: 0)
        #expect(Set(due.map(\.nonce)) == Set(try ids.map { try #require(try v.alice.messenger.store.message(id: $0)).nonce }))
    }

    @Test func aForgedOrReplayedFetchGetsNothing() throws {
        let v = try Valley()
        _ = try v.bob.messenger.useMailbox("ridge")
        let register = try #require(try v.frames(v.bob).first { $0.toNode == 0x41D6E })
        _ = v.ridge.messenger.receive(packet(register.frame, from: 0xB0B))
        // Mallory knows bob's sender id and ridge's key, not bob–ridge's key.
        let mallory = try TestHome()
        let malloryKey = try ContactKey(own: mallory.messenger.identity, peer: v.ridge.messenger.identity.publicKey)
        let forged = try MailboxControl.make(.fetch, maker: v.bob.messenger.identity.senderID, addressee: v.ridge.messenger.identity.senderID,
                                             time: UInt32(Date().timeIntervalSince1970) + 100, key: malloryKey)
        #expect(v.ridge.messenger.receive(packet(forged.bytes, from: 0xBAD)) == .failedAuthentication(contact: "mailbox frame from 'bob'"))
        // Bob's real fetch, recorded and replayed: refused the second time.
        #expect(v.bob.messenger.queueFetch(force: true))
        let real = try #require(try v.frames(v.bob).first)
        guard case .mailboxFetch = v.ridge.messenger.receive(packet(real.frame, from: 0xB0B)) else { Issue.record("real fetch refused"); return }
        #expect(v.ridge.messenger.receive(packet(real.frame, from: 0xBAD)) == .ignored("a mailbox frame from 'bob' no later than one already taken (a replay)"))
        // Every byte counts.
        for i in 0..<real.frame.count {
            var b = real.frame; b[i] ^= 1
            let o = v.ridge.messenger.receive(packet(b, from: 0xBAD))
            if case .mailboxFetch = o { Issue.record("byte \(i) changed and still taken") }
        }
    }

    @Test func aHostileSenderMeetsTheQuotaAndOthersFramesSurvive() throws {
        let v = try Valley()
        _ = try v.bob.messenger.useMailbox("ridge")
        _ = v.ridge.messenger.receive(packet(try #require(try v.frames(v.bob).first { $0.toNode == 0x41D6E }).frame, from: 0xB0B))
        let bobID = v.bob.messenger.identity.senderID
        // Alice leaves one genuine message.
        let m = try v.alice.messenger.compose(to: "bob", text: "real")
        let genuine = try MailboxDeposit(recipient: bobID, frame: m.envelope)
        _ = v.ridge.messenger.receive(packet(genuine.bytes, from: 0xA11CE))
        // A stranger floods: garbage envelopes under one claimed sender, from one radio.
        var taken = 0
        for i in 0..<100 {
            var junk = [LoraEnvelope.version] + [UInt8](repeating: 0xEE, count: 8) + (0..<60).map { _ in UInt8.random(in: 0...255) }
            junk[20] = UInt8(i)
            if case .deposited = v.ridge.messenger.receive(packet(try MailboxDeposit(recipient: bobID, frame: junk).bytes, from: 0xBAD)) { taken += 1 }
        }
        #expect(taken == MailboxLimits().perSenderPerRecipient)
        // Under new claimed senders each time, the radio's hourly limit holds.
        var more = 0
        for i in 0..<100 {
            let junk = [LoraEnvelope.version] + (0..<8).map { _ in UInt8(i) } + (0..<60).map { _ in UInt8.random(in: 0...255) }
            if case .deposited = v.ridge.messenger.receive(packet(try MailboxDeposit(recipient: bobID, frame: junk).bytes, from: 0xBAD)) { more += 1 }
        }
        #expect(taken + more == MailboxLimits().perNodePerHour)
        #expect(try v.ridge.messenger.store.heldFrames(recipient: bobID.bytes, handedBefore: .infinity).contains { $0.frame == m.envelope })
        // Nobody registered: nothing is held for them.
        let carol = try TestHome()
        #expect(v.ridge.messenger.receive(packet(try MailboxDeposit(recipient: carol.messenger.identity.senderID, frame: m.envelope).bytes, from: 0xA11CE))
                == .ignored("a frame left for \(carol.messenger.identity.senderID.hex), who does not use this mailbox"))
        // A home that does not serve takes nothing.
        #expect(v.alice.messenger.receive(packet(genuine.bytes, from: 0xBAD)) == .ignored("a frame left for a mailbox; this home does not serve"))
    }

    @Test func malformedMailboxFramesAreRefused() throws {
        let v = try Valley()
        let key = try ContactKey(own: v.bob.messenger.identity, peer: v.ridge.messenger.identity.publicKey)
        let good = try MailboxControl.make(.confirm([[1, 2, 3, 4, 5, 6]]), maker: v.bob.messenger.identity.senderID,
                                           addressee: v.ridge.messenger.identity.senderID, time: 7, key: key).bytes
        #expect(try MailboxControl(bytes: good).verify(addressee: v.ridge.messenger.identity.senderID, key: key))
        for n in 0..<good.count { #expect(throws: LoraCryptoError.self) { try MailboxControl(bytes: Array(good.prefix(n))) } }
        var op = good; op[1] = 0x07
        #expect(throws: LoraCryptoError.self) { try MailboxControl(bytes: op) }
        var count = good; count[14] = 2
        #expect(throws: LoraCryptoError.self) { try MailboxControl(bytes: count) }
        #expect(throws: LoraCryptoError.self) { try MailboxDeposit(bytes: [0x0A] + [UInt8](repeating: 1, count: 8) + [0x04] + [UInt8](repeating: 0, count: 40)) }
        #expect(throws: LoraCryptoError.self) { try MailboxDeposit(bytes: [0x0A] + [UInt8](repeating: 1, count: 8) + [0x01] + [UInt8](repeating: 0, count: 201)) }
        #expect(throws: LoraCryptoError.self) { try MailboxDelivery(bytes: [0x0B, 1, 2]) }
        // A handed frame that is not an envelope is refused, not opened.
        #expect(v.bob.messenger.receive(packet([0x0B] + [0x04] + [UInt8](repeating: 9, count: 40), from: 0x41D6E)) == .malformed("a mailbox handed a frame that is not an envelope"))
    }
}
