import LoRaPHY
import Testing
@testable import LoraMessenger

@Suite struct SendPlanTests {
    /// `send --wait ack` without --timeout waits out the radio's 5 tries (firmware 2.8, PR #11320)
    /// of a full 200-byte envelope, each getRetransmissionMsec on the busiest channel, plus 30 s.
    /// LongFast: 224 bytes are 1911 ms on air, 2 · 1911 + 304 · 28 + 4500 = 16834 ms a try,
    /// 5 tries 84.2 s + 30 → under 120, so 120. LongSlow: 12722 ms on air, slot 89 ms:
    /// 2 · 12722 + 304 · 89 + 4500 = 57000 ms a try → 285 + 30 = 315 s.
    @Test func theAckWaitCoversFiveTries() {
        #expect(SendPlan.defaultTimeout(goal: .queued, modem: LoRaPreset.longSlow.modem) == 120)
        #expect(SendPlan.defaultTimeout(goal: .ack, modem: LoRaPreset.longFast.modem) == 120)
        #expect(SendPlan.defaultTimeout(goal: .ack, modem: LoRaPreset.longSlow.modem) == 315)
        #expect(SendPlan.defaultTimeout(goal: .delivered, modem: LoRaPreset.longSlow.modem) == 315)
        let shortTurbo = SendPlan.defaultTimeout(goal: .ack, modem: LoRaPreset.shortTurbo.modem)
        #expect(shortTurbo == 120)
    }
}
