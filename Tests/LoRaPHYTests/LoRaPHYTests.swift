import Testing
@testable import LoRaPHY

@Suite struct TimeOnAirTests {
    /// The firmware-derived table in ../shared/docs/meshtastic-facts.md §5.1: milliseconds on air
    /// for a 16-byte header + 20 bytes, + 50 bytes, and a full 255-byte frame.
    static let table: [(LoRaPreset, [Int: Double])] = [
        (.longFast, [36: 518, 66: 723, 255: 2157]),
        (.mediumSlow, [36: 280, 66: 402, 255: 1181]),
        (.shortFast, [36: 43, 66: 66, 255: 204]),
        (.longModerate, [36: 1511, 66: 2429, 255: 7934]),
        (.shortTurbo, [36: 21, 66: 33, 255: 102]),
        (.longSlow, [36: 3023, 66: 4596, 255: 14295]),
        (.longTurbo, [36: 345, 66: 509, 255: 1656]),
    ]

    @Test(arguments: table.indices)
    func matchesFirmwareTable(row: Int) {
        let (preset, expected) = Self.table[row]
        for (bytes, ms) in expected {
            let got = preset.modem.timeOnAirMilliseconds(bytes: bytes)
            #expect(abs(got - ms) < 1.0, "\(preset) \(bytes) B: \(got) ms, table says \(ms)")
        }
    }

    @Test func longFastIsSF11NotTheSpecsSF10() {
        let m = LoRaPreset.longFast.modem
        #expect(m.spreadingFactor == 11)
        #expect(m.bandwidthHz == 250_000)
        #expect(m.codingRateDenominator == 5)
        #expect(abs(m.symbolMilliseconds - 8.192) < 1e-9)
        #expect(abs(m.bitsPerSecond - 1074.2) < 1)
        #expect(!m.lowDataRateOptimize)
        #expect(LoRaPreset.longModerate.modem.lowDataRateOptimize)
        #expect(LoRaPreset(protobufValue: 99) == .longFast)
    }

    /// RadioInterface::computeSlotTimeMsec and getRetransmissionMsec, worked by hand for a
    /// 50-byte frame on LongFast (641 ms on air; slot 2.5 · 8.192 + 7.6 = 28.08 → 28 ms):
    /// 2 · 641 + (2^CW + 16 + 32) · 28 + 4500, CW = 3 + ⌊util⌋ · 5 / 100.
    @Test func retransmissionWaitFollowsTheFirmware() {
        let m = LoRaPreset.longFast.modem
        #expect(m.slotMilliseconds == 28)
        #expect(LoRaModem.contentionWindow(channelUtilizationPercent: 0) == 3)
        #expect(LoRaModem.contentionWindow(channelUtilizationPercent: 19.9) == 3)
        #expect(LoRaModem.contentionWindow(channelUtilizationPercent: 20) == 4)
        #expect(LoRaModem.contentionWindow(channelUtilizationPercent: 100) == 8)
        #expect(m.retransmissionMilliseconds(bytes: 50, channelUtilizationPercent: 0) == 7350)
        #expect(m.retransmissionMilliseconds(bytes: 50, channelUtilizationPercent: 50) == 8022)
        #expect(m.retransmissionMilliseconds(bytes: 50, channelUtilizationPercent: 100) == 14294)
        // LongSlow: SF12/125 kHz, a 32.768 ms symbol, slot 89 ms.
        #expect(LoRaPreset.longSlow.modem.slotMilliseconds == 89)
    }

    @Test func timeOnAirGrowsWithPayload() {
        let m = LoRaPreset.longFast.modem
        var last = 0.0
        for bytes in stride(from: 16, through: 255, by: 1) {
            let t = m.timeOnAirMilliseconds(bytes: bytes)
            #expect(t >= last)
            last = t
        }
    }

    /// A full lora-msg envelope (200 bytes) in a PKI DM: Data ≈ 208 bytes encoded.
    @Test func envelopeFrameFitsAndCosts() {
        let phy = MeshtasticFrame.phyBytes(encodedData: 208, pki: true)
        #expect(phy == 236)
        #expect(phy <= MeshtasticFrame.maxLoRaPayload)
        let ms = LoRaPreset.longFast.modem.timeOnAirMilliseconds(bytes: phy)
        #expect(ms > 1900 && ms < 2100)
    }
}

@Suite struct AirtimeLedgerTests {
    @Test func regionsFromTheFirmwareTable() {
        #expect(LoRaRegion.eu868.dutyCyclePercent == 10)
        #expect(LoRaRegion.eu868.hourlyBudgetMilliseconds == 360_000)
        #expect(LoRaRegion.us.hasDutyCycle == false)
        #expect(LoRaRegion.jp.powerLimitDBm == 13)
        #expect(LoRaRegion.unset.transmitAllowed == false)
        #expect(LoRaRegion.named("eu-868") == .eu868)
        #expect(LoRaRegion.named("EU_868") == .eu868)
        #expect(LoRaRegion.named("atlantis") == nil)
        #expect(LoRaRegion.code(6) == .anz)
    }

    @Test func noLimitWithoutDutyCycle() {
        var l = AirtimeLedger(region: .us)
        for i in 0..<10_000 { l.record(startSeconds: Double(i), milliseconds: 2000) }
        #expect(l.decide(milliseconds: 2000, nowSeconds: 10_000) == .now)
        #expect(!l.firmwareRefuses(nowSeconds: 10_000))
    }

    @Test func eu868BudgetIs360SecondsAnHour() {
        var l = AirtimeLedger(region: .eu868)
        // 180 transmissions of 2 s, one every 10 s: exactly 360 s in 30 minutes.
        for i in 0..<180 { l.record(startSeconds: Double(i * 10), milliseconds: 2000) }
        let now = 1800.0
        #expect(l.usedMilliseconds(nowSeconds: now) == 360_000)
        #expect(l.utilizationPercent(nowSeconds: now) == 10)
        // Strict client check: any more would exceed; wait for the oldest to leave the window.
        #expect(l.decide(milliseconds: 2000, nowSeconds: now) == .wait(untilSeconds: 3600))
        #expect(l.decide(milliseconds: 5000, nowSeconds: now) == .wait(untilSeconds: 3620))
        #expect(l.decide(milliseconds: 2000, nowSeconds: 3600) == .now)
        // The firmware refuses only once the share is *over* the limit.
        #expect(!l.firmwareRefuses(nowSeconds: now))
        l.record(startSeconds: now, milliseconds: 2000)
        #expect(l.firmwareRefuses(nowSeconds: now))
        #expect(l.firmwareSilentMinutes(nowSeconds: now) == 30)
        #expect(!l.firmwareRefuses(nowSeconds: 3600.5))
    }

    @Test func oversizedRequestNeverFits() {
        let l = AirtimeLedger(region: .ua868)   // 1 %: 36 s an hour
        #expect(l.decide(milliseconds: 36_001, nowSeconds: 0) == .never)
        #expect(l.decide(milliseconds: 36_000, nowSeconds: 0) == .now)
    }

    @Test func outOfOrderRecordsAndPruning() {
        var l = AirtimeLedger(region: .eu868)
        l.record(startSeconds: 100, milliseconds: 1)
        l.record(startSeconds: 50, milliseconds: 2)
        l.record(startSeconds: 75, milliseconds: 3)
        #expect(l.entries.map(\.startSeconds) == [50, 75, 100])
        l.prune(nowSeconds: 3675)
        #expect(l.entries.map(\.startSeconds) == [100])
        #expect(l.usedMilliseconds(nowSeconds: 3675) == 1)
    }
}

@Suite struct PresetNameTests {
    @Test func presetsByEitherSpelling() {
        #expect(LoRaPreset.named("LONG_FAST") == .longFast)
        #expect(LoRaPreset.named("LongFast") == .longFast)
        #expect(LoRaPreset.named("medium-fast") == .mediumFast)
        #expect(LoRaPreset.named("VLongSlow") == .veryLongSlow)
    }

    @Test(arguments: ["", "_", "LONG", "LONG_FASTER", "longfast\u{0}", String(repeating: "LONG_FAST", count: 1000), "ЛОНГ"])
    func anythingElseIsNoPreset(name: String) {
        #expect(LoRaPreset.named(name) == nil)
    }
}

/// Presets and regions added since 2.7 (`modemPresetToParams` in MeshRadio.h; `RDEF` rows and
/// `getEffectiveDutyCycle` in RadioInterface.cpp), against the computed airtime table of
/// ../shared/docs/firmware-2.8.md (a): 30, 100, 200 and 255 bytes on the air.
@Suite struct Firmware28PresetTests {
    static let table: [(LoRaPreset, [Int: Double])] = [
        (.liteFast, [30: 259, 100: 587, 200: 1037, 255: 1283]),
        (.narrowSlow, [30: 312, 100: 755, 200: 1369, 255: 1713]),
        (.longTurbo, [30: 312, 100: 738, 200: 1328, 255: 1656]),
        (.mediumFast, [30: 130, 100: 293, 200: 519, 255: 642]),
    ]

    @Test(arguments: table.indices)
    func matchesTheComputedTable(row: Int) {
        let (preset, expected) = Self.table[row]
        for (bytes, ms) in expected {
            let got = preset.modem.timeOnAirMilliseconds(bytes: bytes)
            #expect(abs(got - ms) <= 1, "\(preset) \(bytes) B: \(got) ms, table \(ms)")
        }
    }

    @Test func newPresetsKeepTheirProtobufNumbersAndNames() {
        #expect(LoRaPreset(protobufValue: 16) == .mediumTurbo && LoRaPreset(protobufValue: 10) == .liteFast)
        #expect(LoRaPreset(protobufValue: 13) == .narrowSlow && LoRaPreset(protobufValue: 15) == .tinySlow)
        #expect(LoRaPreset(protobufValue: 17) == .longFast, "unknown falls back as the firmware does")
        #expect(LoRaPreset.named("NARROW_SLOW") == .narrowSlow && LoRaPreset.named("MediumTurbo") == .mediumTurbo)
        #expect(LoRaPreset.mediumTurbo.modem == LoRaModem(spreadingFactor: 9, bandwidthHz: 500_000, codingRateDenominator: 5))
        #expect(LoRaPreset.narrowFast.modem == LoRaModem(spreadingFactor: 7, bandwidthHz: 62_500, codingRateDenominator: 6))
    }

    @Test func eu866AllowsAClientAQuarterOfWhatItsRoutersGet() {
        let r = LoRaRegion.named("eu-866")
        #expect(r == .eu866 && LoRaRegion.code(32) == .euN868)
        #expect(LoRaRegion.eu866.hourlyBudgetMilliseconds == 90_000)
        #expect(LoRaRegion.eu866.effectiveDutyCyclePercent(isRouter: false) == 2.5)
        #expect(LoRaRegion.eu866.effectiveDutyCyclePercent(isRouter: true) == 10)
        #expect(LoRaRegion.eu868.effectiveDutyCyclePercent(isRouter: true) == 10 && LoRaRegion.euN868.dutyCyclePercent == 10)
    }
}
