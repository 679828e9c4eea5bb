import Testing
@testable import MeshSim

/// RadioInterface.cpp `getEffectiveDutyCycle`: on EU_866 a ROUTER may transmit 10 % of the
/// hour, a client 2.5 %; the virtual radio's ledger holds each to its own.
struct EffectiveDutyCycleTests {
    @Test func eu866RoutersGetFourTimesTheAirtime() {
        var s = Scenario.twoRadios
        s.region = "EU_866"; s.preset = "LITE_FAST"
        s.nodes[0].role = "ROUTER"
        let air = MeshAir(scenario: s, seed: 1, epoch: 0)
        #expect(air.radio(0).ledger.region.hourlyBudgetMilliseconds == 360_000)
        #expect(air.radio(1).ledger.region.hourlyBudgetMilliseconds == 90_000)
        var eu = Scenario.twoRadios
        eu.nodes[0].role = "ROUTER"
        #expect(MeshAir(scenario: eu, seed: 1, epoch: 0).radio(0).ledger.region.hourlyBudgetMilliseconds == 360_000, "EU_868: 10 % for all")
    }
}
