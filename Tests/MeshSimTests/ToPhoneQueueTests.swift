import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// MeshService::handleFromRadio while no client is connected: the to-phone queue holds
/// MAX_RX_TOPHONE packets (mesh-pb-constants.h); when it is full a text (or range test)
/// discards the oldest, anything else (lora-msg's PRIVATE_APP) is dropped itself.
struct ToPhoneQueueTests {
    func heardWhileAway(_ count: Int, port: PortNum.Name, queue: Int) -> (ids: [UInt32], bench: Bench) {
        var settings = VirtualRadio.Settings()
        settings.toPhoneQueue = queue
        var b = Bench(node: 0xB2, name: "East", settings: settings)
        var ids: [UInt32] = []
        for i in 0..<count {
            var p = MeshPacket()
            p.from = 0xA1; p.to = 0xB2; p.id = 1000 + UInt32(i); p.hopStart = 3; p.hopLimit = 3
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(port), payload: [UInt8(i)]))
            ids.append(p.id)
            b.radioSays(b.radio.heard(p, now: Double(i)))
        }
        b.connect()
        return (ids, b)
    }

    func received(_ b: Bench) -> [UInt32] {
        b.events.compactMap { if case .packetReceived(let p) = $0 { p.id } else { nil } }
    }

    @Test func privateAppPacketsPastTheQueueAreLost() {
        let (ids, b) = heardWhileAway(20, port: .privateApp, queue: 16)
        #expect(received(b) == Array(ids.prefix(16)), "the first 16 kept, the newest dropped")
        #expect(b.radio.droppedForClient == 4)
    }

    @Test func aClassicESP32KeepsEight() {
        let (ids, b) = heardWhileAway(12, port: .privateApp, queue: 8)
        #expect(received(b) == Array(ids.prefix(8)) && b.radio.droppedForClient == 4)
    }

    @Test func textsPushOutTheOldest() {
        let (ids, b) = heardWhileAway(20, port: .textMessageApp, queue: 16)
        #expect(received(b) == Array(ids.suffix(16)))
    }

    @Test func aScenarioSetsItPerRadioWithinBounds() throws {
        var s = Scenario.twoRadios
        s.nodes[0].toPhoneQueue = 8
        try s.validate()
        let air = MeshAir(scenario: s, seed: 1, epoch: 0)
        #expect(air.radio(0).settings.toPhoneQueue == 8 && air.radio(1).settings.toPhoneQueue == 16)
        s.nodes[0].toPhoneQueue = 0
        #expect(throws: ScenarioError.self) { try s.validate() }
    }
}
