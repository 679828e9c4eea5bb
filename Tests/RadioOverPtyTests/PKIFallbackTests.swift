import Foundation
@testable import LoraMessenger
import MeshtasticWire
import MeshSim
import Testing
import TestSupport

/// Firmware 2.7.26+ refuses a DM to a node whose key its radio lacks (Router::perhapsEncode:
/// PKI_SEND_FAIL_PUBLIC_KEY, no legacy fallback). Bob's radio is new: its NodeInfo has not
/// reached Alice's radio. Alice's lora-msg sends the sealed envelope again as a broadcast, and
/// it arrives and is receipted.
@Suite(.serialized) struct PKIFallbackTests {
    @Test func aDMTheRadioCannotEncryptGoesAsABroadcastAndArrives() async throws {
        var scenario = Scenario.twoRadios
        scenario.nodes[1].unannounced = true
        let rig = try await Rig(scenario: scenario)
        defer { rig.close() }
        guard !rig.isHardware else { return }
        // Bob's lora-msg does not ask alice's radio for its key: that request would carry bob's
        // radio key to alice's radio (NodeInfoModule takes the asker's User) before the DM.
        let pair = try await Pair(rig, asksRadioKeys: (alice: true, bob: false))
        let aliceEvents = Recorder(pair.aliceCourier)
        let m = try pair.alice.compose(to: "bob", text: "before your radio told mine its key")
        try await pair.aliceCourier.transmit(messageID: m.id, duty: .wait)
        #expect(await pair.bobEvents.wait(timeout: 300) { _ in pair.bobEvents.messages.contains { $0.text == "before your radio told mine its key" } })
        #expect(aliceEvents.all.contains { if case .fellBackToBroadcast(m.id) = $0 { true } else { false } })
        // Generous: on a loaded machine (the whole suite on two cores) the radios at 10× fall behind.
        let state = try await pair.aliceCourier.waitFor(messageID: m.id, goal: .delivered, timeout: 900)
        #expect(state == .delivered || state == .read)
        // (A want_ack broadcast with nobody to relay it may still end in the radio's
        // MAX_RETRANSMIT before or after the receipt; the receipt is what counts.)
        // Meanwhile alice's lora-msg asked bob's radio for its NodeInfo (want_response; on the
        // refusal, or at its start for a contact whose radio key it has not heard): bob's radio answered, alice's radio kept the key (NodeDB::updateUser, first
        // use), and lora-msg saw it.
        #expect(await aliceEvents.wait(timeout: 300) { all in
            all.contains { if case .notice(let t) = $0 { t.hasPrefix("your radio has bob's radio key now") } else { false } }
        })
        #expect(aliceEvents.all.contains { if case .notice(let t) = $0 { t.hasPrefix("asked bob's radio") } else { false } })
        let bobRadioKey = try #require(pair.bobCourier.radioInfo.ownNode?.user?.publicKey)
        guard case .known(bobRadioKey, _, true) = try pair.alice.radioKey(of: try pair.alice.contact(named: "bob")) else {
            Issue.record("alice's lora-msg does not know bob's radio key"); return
        }
        // From now on a message to bob goes as a PKI DM, acknowledged by his radio.
        let next = try pair.alice.compose(to: "bob", text: "now your radio's key is known")
        try await pair.aliceCourier.transmit(messageID: next.id, duty: .wait)
        let acked = try await pair.aliceCourier.waitFor(messageID: next.id, goal: .ack, timeout: 900)
        #expect([.acked, .delivered, .read].contains(acked))
        #expect(try pair.alice.storedMessage(id: next.id)?.toNode == pair.bobCourier.radioInfo.nodeNum)
        #expect(!aliceEvents.all.contains { if case .fellBackToBroadcast(next.id) = $0 { true } else { false } })
        await pair.close()
    }

    /// Firmware 2.8 renumbers a radio upgraded from 2.7 (its number becomes the CRC32 of its
    /// key: NodeDB::NodeDB) and others keep the old number as a keyless ghost. Alice's contact
    /// still names bob's old number, given by hand: her radio refuses the DM (no key), lora-msg
    /// sends it as a broadcast, and bob's authenticated receipt re-points the contact to his
    /// new number.
    @Test func aContactRenumberedByTheUpgradeIsFoundAgainByTheirReceipt() async throws {
        var scenario = Scenario.twoRadios
        scenario.nodes[1].upgraded = true
        let rig = try await Rig(scenario: scenario)
        defer { rig.close() }
        guard !rig.isHardware else { return }
        let pair = try await Pair(rig)
        let old = scenario.legacyNodeNum(of: scenario.nodes[1])
        let new = pair.bobCourier.radioInfo.nodeNum
        #expect(old != new && new == scenario.nodeNum(of: scenario.nodes[1]))
        _ = try pair.alice.setNode(named: "bob", node: User.nodeID(old))
        let m = try pair.alice.compose(to: "bob", text: "still there after the upgrade?")
        try await pair.aliceCourier.transmit(messageID: m.id, duty: .wait)
        #expect(await pair.bobEvents.wait { _ in pair.bobEvents.messages.contains { $0.text == "still there after the upgrade?" } })
        let state = try await pair.aliceCourier.waitFor(messageID: m.id, goal: .delivered, timeout: 900)
        #expect(state == .delivered || state == .read)
        let bob = try pair.alice.contact(named: "bob")
        #expect(bob.node == new && !bob.nodeGiven, "re-pointed by bob's own receipt")
        await pair.close()
    }
}

extension MessageCourier {
    fileprivate func markFellBack(_ id: String) { fellBack.insert(id) }
    fileprivate var fellBackCount: Int { fellBack.count }
}

/// When a contact's radio key arrives, messages that fell back to broadcast go again as DMs;
/// one already delivered by its broadcast is forgotten, not sent again.
@Suite(.serialized) struct FallbackFollowUpTests {
    @Test func aFallbackAlreadyDeliveredIsForgottenNotSentAgain() async throws {
        let rig = try await Rig()
        defer { rig.close() }
        guard !rig.isHardware else { return }
        let pair = try await Pair(rig, asksRadioKeys: (alice: false, bob: false))
        let bob = try pair.alice.contact(named: "bob")
        let delivered = try pair.alice.compose(to: "bob", text: "arrived by broadcast")
        #expect(try pair.alice.store.updateState(id: delivered.id, packetID: nil, to: .delivered, at: pair.alice.now))
        await pair.aliceCourier.markFellBack(delivered.id)
        await pair.aliceCourier.sendFallbacksDirect(to: bob.senderID)
        #expect(await pair.aliceCourier.fellBackCount == 0)
        #expect(try pair.alice.store.message(id: delivered.id)?.packetID == nil, "not sent again")
        await pair.close()
    }
}
