import LoRaPHY
import Testing

struct EnergyEstimateTests {
    @Test func noTrafficDrawsTheListeningCurrent() {
        for board in BoardPower.all {
            let e = EnergyEstimate(board: board, transmitSecondsPerDay: 0)
            #expect(e.averageMilliamps == board.listenMilliamps && e.transmitMilliamps == 0)
            #expect(abs(e.batteryHours - board.batteryMilliampHours / board.listenMilliamps) < 1e-9)
        }
    }

    @Test func aShareOnTheAirAddsTheDifferenceForThatShare() {
        let b = BoardPower.tEcho
        // 864 s a day is 1 % of the time.
        let e = EnergyEstimate(board: b, transmitSecondsPerDay: 864)
        #expect(abs(e.transmitShare - 0.01) < 1e-12)
        #expect(abs(e.averageMilliamps - (b.listenMilliamps + 0.01 * (b.transmitMilliamps - b.listenMilliamps))) < 1e-9)
        // T-Echo: 7.3 mA listening, 120 mA sending → 8.427 mA; 850 mAh last about 100.9 h.
        #expect(abs(e.averageMilliamps - 8.427) < 0.001)
        #expect(abs(e.batteryHours - 850 / 8.427) < 0.01)
    }

    @Test func theShareIsClampedToTheWholeTime() {
        let b = BoardPower.heltecV3
        #expect(EnergyEstimate(board: b, transmitSeconds: 7200, overSeconds: 3600).averageMilliamps == b.transmitMilliamps)
        #expect(EnergyEstimate(board: b, transmitSeconds: -5, overSeconds: 3600).averageMilliamps == b.listenMilliamps)
        #expect(EnergyEstimate(board: b, transmitSeconds: 5, overSeconds: 0).transmitShare == 0)
    }

    @Test func boardsAreFoundByNameAndCarryTheirSources() {
        #expect(BoardPower.named("T-ECHO") == .tEcho && BoardPower.named("heltec-v3") == .heltecV3)
        #expect(BoardPower.named("t-beam") == nil && BoardPower.named("") == nil)
        #expect(BoardPower.all.allSatisfy { !$0.sources.isEmpty && $0.transmitMilliamps > $0.listenMilliamps })
        let bigger = BoardPower.tEcho.with(batteryMilliampHours: 1700)
        #expect(bigger.batteryMilliampHours == 1700 && bigger.listenMilliamps == BoardPower.tEcho.listenMilliamps)
        #expect(abs(EnergyEstimate(board: bigger, transmitSecondsPerDay: 0).batteryHours
                    - 2 * EnergyEstimate(board: .tEcho, transmitSecondsPerDay: 0).batteryHours) < 1e-9)
    }
}
