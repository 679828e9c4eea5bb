import Foundation
import LoraMessenger
import MeshSim
import Testing
import TestSupport

/// With no client connected, a radio keeps only MAX_RX_TOPHONE packets for it (8 on a classic
/// ESP32; mesh-pb-constants.h). Past that, MeshService::sendToPhone discards the oldest only
/// for TEXT_MESSAGE_APP and RANGE_TEST_APP; a packet of any other port, lora-msg's PRIVATE_APP
/// among them, is itself dropped. Bob's lora-msg is away while alice sends 12 messages; his
/// radio acknowledges all 12 but keeps the first 8. When bob is back his receipts name those
/// 8, alice's lora-msg hears him and sends the last 4 again (the resend engine), and all 12
/// arrive, each once.
@Suite(.serialized) struct AbsentClientTests {
    @Test func whatTheRadiosQueueDroppedIsSentAgain() async throws {
        var scenario = Scenario.twoRadios
        scenario.nodes[1].toPhoneQueue = 8
        let rig = try await Rig(scenario: scenario)
        defer { rig.close() }
        guard !rig.isHardware else { return }
        let pair = try await Pair(rig)
        await pair.bobCourier.close()
        let texts = (1...12).map { String(format: "while you were away %02d", $0) }
        var ids: [String] = []
        for t in texts {
            let m = try pair.alice.compose(to: "bob", text: t)
            try await pair.aliceCourier.transmit(messageID: m.id, duty: .wait)
            ids.append(m.id)
        }
        // Bob's radio took every one: each DM is acknowledged by it, client or no client.
        for id in ids {
            let s = try await pair.aliceCourier.waitFor(messageID: id, goal: .ack, timeout: 900)
            #expect([.acked, .delivered, .read].contains(s))
        }
        let bobBack = try await MessageCourier.connect(messenger: pair.bob, endpoint: rig.b, reconnectForSeconds: 10)
        let bobEvents = Recorder(bobBack)
        for id in ids {
            let s = try await pair.aliceCourier.waitFor(messageID: id, goal: .delivered, timeout: 1800)
            #expect([.delivered, .read].contains(s))
        }
        let shown = bobEvents.messages.map(\.text)
        #expect(Set(shown) == Set(texts), "\(shown)")
        #expect(shown.count == 12, "each once: \(shown)")
        // The radio kept the first 8 it heard (on a loaded machine one slot may hold a resent
        // copy of an earlier one, which bob shows once); the last 4 it dropped came again.
        #expect(shown.first == texts.first, "\(shown)")
        for id in ids.suffix(4) {
            #expect((try pair.alice.storedMessage(id: id)?.roundSends ?? 0) >= 2, "sent again by alice's lora-msg")
        }
        await bobBack.close()
        await pair.close()
    }
}
