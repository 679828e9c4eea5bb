import Foundation
import LoraMessenger
import MeshSim
import Testing
import TestSupport

/// A mesh part way through the upgrade: alice's radio still runs 2.7 (a MAC-derived number,
/// no XEdDSA signatures, 3 tries for a DM), the ridge relay and bob's radio 2.8 (numbers from
/// their keys, signed broadcasts, 5 tries). lora-msg delivers both ways, and each side's
/// receipt comes back.
@Suite(.serialized) struct MixedFirmwareTests {
    @Test func aTwoSevenAndATwoEightRadioTalkThroughATwoEightRelay() async throws {
        var scenario = Scenario.valley
        let north = try #require(scenario.nodes.firstIndex { $0.name == "north" })
        scenario.nodes[north].firmware = "2.7"
        let rig = try await Rig(scenario: scenario, a: "north", b: "east")
        defer { rig.close() }
        guard !rig.isHardware else { return }
        let pair = try await Pair(rig)
        #expect(pair.aliceCourier.radioInfo.nodeNum == scenario.legacyNodeNum(of: scenario.nodes[north]), "alice's radio has its 2.7 number")
        let aliceEvents = Recorder(pair.aliceCourier)
        let there = try pair.alice.compose(to: "bob", text: "from a 2.7 radio")
        try await pair.aliceCourier.transmit(messageID: there.id, duty: .wait)
        let back = try pair.bob.compose(to: "alice", text: "from a 2.8 radio")
        try await pair.bobCourier.transmit(messageID: back.id, duty: .wait)
        #expect(await pair.bobEvents.wait(timeout: 300) { _ in pair.bobEvents.messages.contains { $0.text == "from a 2.7 radio" } })
        #expect(await aliceEvents.wait(timeout: 300) { _ in aliceEvents.messages.contains { $0.text == "from a 2.8 radio" } })
        let a = try await pair.aliceCourier.waitFor(messageID: there.id, goal: .delivered, timeout: 900)
        let b = try await pair.bobCourier.waitFor(messageID: back.id, goal: .delivered, timeout: 900)
        #expect([.delivered, .read].contains(a) && [.delivered, .read].contains(b))
        await pair.close()
    }
}
