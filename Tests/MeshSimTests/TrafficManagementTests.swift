import Foundation
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// TrafficManagementModule::handleReceived's opt-in filters: isRateLimited (per sender, transit
/// packets, not ROUTING or ADMIN, 5-minute ticks) and shouldDropUnknown (packets the relay
/// cannot decode, 5 one-minute ticks). A dropped packet is consumed, never relayed.
struct TrafficManagementTests {
    func relay(_ tm: VirtualRadio.TrafficManagement) -> VirtualRadio {
        var s = VirtualRadio.Settings()
        s.trafficManagement = tm
        return VirtualRadio(identity: .init(nodeNum: 0xB2, longName: "Ridge", shortName: "R"), settings: s, bootedAt: 0)
    }

    func transit(from: UInt32 = 0xA1, to: UInt32 = 0xC3, id: UInt32, port: PortNum.Name = .privateApp, pki: Bool = false) -> MeshPacket {
        var p = MeshPacket()
        p.from = from; p.to = to; p.id = id; p.pkiEncrypted = pki
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(port), payload: [1]))
        return p
    }

    @Test func aSenderPastItsRateIsNotRelayedUntilTheNextWindow() {
        var r = relay(.init(rateLimitWindowSeconds: 300, rateLimitMaxPackets: 5))
        let verdicts = (1...7).map { r.trafficAllows(transit(id: UInt32($0)), now: 10) }
        #expect(verdicts == [true, true, true, true, true, false, false])
        do { let ok = r.trafficAllows(transit(from: 0xA9, id: 50), now: 10); #expect(ok, "another sender has its own window") }
        do { let ok = r.trafficAllows(transit(id: 60, port: .routingApp), now: 10); #expect(ok, "ROUTING is never limited") }
        do { let ok = r.trafficAllows(transit(to: 0xB2, id: 61), now: 10); #expect(ok, "a packet for us is not transit") }
        do { let ok = r.trafficAllows(transit(id: 70), now: 310); #expect(ok, "the next 5-minute tick opens a new window") }
    }

    @Test func undecodablePacketsPastTheThresholdAreDropped() {
        var r = relay(.init(unknownPacketThreshold: 3))
        let verdicts = (1...5).map { r.trafficAllows(transit(id: UInt32($0), pki: true), now: 0) }
        #expect(verdicts == [true, true, true, false, false])
        do { let ok = r.trafficAllows(transit(id: 9), now: 0); #expect(ok, "a packet it can decode is not unknown") }
        do { let ok = r.trafficAllows(transit(id: 10, pki: true), now: 5 * 60); #expect(ok, "five one-minute ticks later the count starts again") }
    }

    @Test func offByDefault() {
        var r = relay(.init())
        var all = true
        for i in 1...100 where !r.trafficAllows(transit(id: UInt32(i), pki: i % 2 == 0), now: 0) { all = false }
        #expect(all)
    }

    /// A 2.8 relay with the unknown-packet filter on, in the middle of a line: n1's PKI DMs to
    /// n3 are opaque to it, and past the threshold they stop crossing.
    @Test func aRelaysUnknownFilterStopsABurstOfDMs() {
        var s = Scenario.line5
        s.nodes[1].unknownPacketThreshold = 3
        var b = MeshBench(s)
        b.connectAll()
        let n3 = b.air.radio(2).identity.nodeNum
        var ids: [UInt32] = []
        for i in 0..<5 {
            var p = MeshPacket(); p.to = n3; p.wantAck = false; p.hopLimit = 3
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [UInt8(i)]))
            ids.append(b.send(from: 0, p))
            b.run(for: 8)
        }
        let arrived = ids.filter { !b.received(at: 2, id: $0).isEmpty }
        #expect(arrived == Array(ids.prefix(3)))
        #expect(b.air.records.contains { if case .trafficDropped(1, _, ids[3]) = $0 { true } else { false } })
    }
}

/// The 2.8 fields of a scenario file, by their JSON names, and their bounds.
struct Firmware28ScenarioFieldTests {
    func load(_ json: String) throws -> Scenario {
        let path = NSTemporaryDirectory() + "scenario-\(UUID().uuidString.prefix(8)).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return try Scenario.load(path: path)
    }

    @Test func theJSONNamesReachTheRadios() throws {
        let json = #"""
        {"name": "f28", "nodes": [
          {"name": "a", "x": 0, "y": 0, "firmware": "2.7", "to_phone_queue": 8, "unannounced": true},
          {"name": "b", "x": 10, "y": 0, "signature_policy": "STRICT", "rate_limit_window_secs": 600,
           "rate_limit_max_packets": 20, "unknown_packet_threshold": 30}]}
        """#
        let s = try load(json)
        let air = MeshAir(scenario: s, seed: 1, epoch: 0)
        let a = air.radio(0).settings, b = air.radio(1).settings
        #expect(!a.signsBroadcasts && a.toPhoneQueue == 8 && b.signaturePolicy == .strict)
        #expect(b.trafficManagement == .init(rateLimitWindowSeconds: 600, rateLimitMaxPackets: 20, unknownPacketThreshold: 30))
        #expect(b.knownNodes.isEmpty, "a is unannounced: b has no key for it")
    }

    @Test(arguments: ["\"rate_limit_max_packets\": 999", "\"rate_limit_window_secs\": -1", "\"unknown_packet_threshold\": 256",
                      "\"to_phone_queue\": 0", "\"signature_policy\": \"LAX\"", "\"firmware\": \"2.9\""])
    func outOfRangeValuesAreRefused(field: String) {
        let json = #"{"name": "bad", "nodes": [{"name": "a", "x": 0, "y": 0, "# + field + "}]}"
        #expect(throws: ScenarioError.self) { try load(json) }
    }
}
