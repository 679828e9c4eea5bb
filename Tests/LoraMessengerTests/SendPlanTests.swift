import LoRaPHY
import MessageStore
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

/// The radio's own duty-cycle word held against our ledger's, in virtual time: the later wins.
@Suite struct RadioSilenceTests {
    let gate = DutyCycleGate(settings: RadioSettings(region: .eu868, modem: LoRaPreset.longFast.modem))

    @Test func theRadiosSilenceHoldsBackWhatOurLedgerWouldSend() {
        #expect(gate.decide(milliseconds: 1000, now: 100, history: [], radioSilentUntil: 0) == .now)
        #expect(gate.decide(milliseconds: 1000, now: 100, history: [], radioSilentUntil: 220) == .wait(untilSeconds: 220))
        #expect(gate.decide(milliseconds: 1000, now: 300, history: [], radioSilentUntil: 220) == .now, "the silence is over")
    }

    @Test func theLaterOfTheTwoWins() {
        // Our ledger full until 3600 + 10 (360 s used at t = 10): later than the radio's 220.
        let full = [AirtimeRecord(startedAt: 10, milliseconds: 360_000)]
        #expect(gate.decide(milliseconds: 1000, now: 100, history: full, radioSilentUntil: 220) == .wait(untilSeconds: 3610))
        #expect(gate.decide(milliseconds: 400_000, now: 100, history: [], radioSilentUntil: 220) == .never, "longer than the hour's budget")
    }
}
