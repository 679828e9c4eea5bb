import Foundation
import LoraMessenger
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
        let pair = try await Pair(rig)
        let aliceEvents = Recorder(pair.aliceCourier)
        let m = try pair.alice.compose(to: "bob", text: "before your radio told mine its key")
        try await pair.aliceCourier.transmit(messageID: m.id, duty: .wait)
        #expect(await pair.bobEvents.wait { _ in pair.bobEvents.messages.contains { $0.text == "before your radio told mine its key" } })
        #expect(aliceEvents.all.contains { if case .fellBackToBroadcast(m.id) = $0 { true } else { false } })
        // Generous: on a loaded machine (the whole suite on two cores) the radios at 10× fall behind.
        let state = try await pair.aliceCourier.waitFor(messageID: m.id, goal: .delivered, timeout: 900)
        #expect(state == .delivered || state == .read)
        let stored = try #require(try pair.alice.store.message(id: m.id))
        #expect(stored.toNode == nil, "sent as a broadcast in the end")
        // (A want_ack broadcast with nobody to relay it may still end in the radio's
        // MAX_RETRANSMIT before or after the receipt; the receipt is what counts.)
        await pair.close()
    }
}
