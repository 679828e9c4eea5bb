import MeshtasticWire
import RadioLink
import Testing
@testable import MeshSim

/// NextHopRouter (firmware src/mesh/NextHopRouter.cpp) on a diamond: a and b are too far apart
/// to hear each other; two relays between them hear both and each other.
private let diamond = Scenario(
    name: "diamond",
    nodes: [Scenario.Node(name: "a", x: 0, y: 0), Scenario.Node(name: "r1", x: 2000, y: 600),
            Scenario.Node(name: "r2", x: 2000, y: -600), Scenario.Node(name: "b", x: 4000, y: 0)])

private func dm(_ text: String, to node: UInt32) -> MeshPacket {
    var p = MeshPacket()
    p.to = node
    p.wantAck = true
    p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array(text.utf8)))
    return p
}

private func relays(_ m: MeshBench, id: UInt32, by station: Int) -> Int {
    m.air.records.filter { if case .transmitted(station, _, id, _, _) = $0 { true } else { false } }.count
}

/// DMs from station 0 to `to` until station 0 has learned a next hop (at most 8).
private func learn(_ m: inout MeshBench, to: UInt32) throws {
    for i in 0..<8 where m.air.radio(0).learnedNextHops[to] == nil {
        let id = m.send(from: 0, dm("learning \(i)", to: to))
        m.run(for: 40)
        #expect(m.received(at: 3, id: id).count == 1)
    }
}

@Suite struct NextHopTests {
    /// NextHopRouter::sniffReceived learns the next hop from the ACK's relay (which also relayed
    /// the original); NextHopRouter::send puts it in the next DM's next_hop, and
    /// perhapsRebroadcast lets only that relay repeat it.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func aLearnedNextHopCarriesTheNextDMAlone(seed: UInt64) throws {
        var m = MeshBench(diamond, seed: seed)
        m.connectAll()
        let b = m.air.radio(3).identity.nodeNum
        // A route is learned only when the ACK comes back through a relay that also repeated
        // our DM (PacketHistory::relayed_by); flooding picks the relays at random, so it may
        // take a few DMs, as on real radios.
        try learn(&m, to: b)
        let learned = try #require(m.air.radio(0).learnedNextHops[b], "a learned a next hop toward b from the ACK")
        let r1 = m.air.radio(1).identity.nodeNum & 0xFF, r2 = m.air.radio(2).identity.nodeNum & 0xFF
        #expect(learned == r1 || learned == r2)
        let (hop, other) = learned == r1 ? (1, 2) : (2, 1)
        // The relay learned its own next hop toward b: b itself, which answered directly.
        #expect(m.air.radio(hop).learnedNextHops[b] == b & 0xFF)

        let second = m.send(from: 0, dm("directed", to: b))
        m.run(for: 60)
        #expect(m.received(at: 3, id: second).count == 1)
        #expect(relays(m, id: second, by: hop) >= 1, "the next hop relays it")
        #expect(relays(m, id: second, by: other) == 0, "the other relay stays quiet")
        #expect(m.deliveries(at: 0, id: second).contains(.acked(by: b)))
    }

    /// NextHopRouter::doRetransmissions: a directed DM that goes un-ACKed floods on its last
    /// try (the route is forgotten), so a dead next hop costs four tries (of 5 on 2.8, PR
    /// #11320), not the message.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func aDeadNextHopFallsBackToFloodingOnTheLastTry(seed: UInt64) throws {
        var m = MeshBench(diamond, seed: seed)
        m.connectAll()
        let b = m.air.radio(3).identity.nodeNum
        try learn(&m, to: b)
        let learned = try #require(m.air.radio(0).learnedNextHops[b])
        let hop = learned == m.air.radio(1).identity.nodeNum & 0xFF ? 1 : 2
        let other = hop == 1 ? 2 : 1
        m.route(m.air.setPower(hop, on: false, now: m.now))
        let third = m.send(from: 0, dm("the way is down", to: b))
        m.run(for: 120)
        #expect(m.received(at: 3, id: third).count == 1, "delivered by the flood of the last try")
        #expect(relays(m, id: third, by: other) >= 1)
        let fromA = m.air.records.filter { if case .transmitted(0, _, third, _, _) = $0 { true } else { false } }.count
        #expect(fromA == 5, "four directed tries and the flooding one")
        #expect(m.air.radio(0).learnedNextHops[b] != learned, "the dead route is forgotten")
    }
}

/// The same diamond with `routing: flooding` (the FloodingRouter of firmware before 2.6): no
/// next hop is ever learned, and every DM is repeated by whichever relays hear it, as a
/// broadcast is (FloodingRouter::perhapsRebroadcast; a relay that hears the other repeat first
/// may cancel its own, so at least one repeats).
@Suite struct FloodingRoutingTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func withoutNextHopsEveryDMFloods(seed: UInt64) throws {
        var s = diamond
        s.routing = "flooding"
        var m = MeshBench(s, seed: seed)
        m.connectAll()
        let b = m.air.radio(3).identity.nodeNum
        for i in 0..<4 {
            let id = m.send(from: 0, dm("flooded \(i)", to: b))
            m.run(for: 40)
            #expect(m.received(at: 3, id: id).count == 1)
            #expect(relays(m, id: id, by: 1) + relays(m, id: id, by: 2) >= 1)
        }
        #expect(m.air.radio(0).learnedNextHops[b] == nil)
    }

    @Test func anUnknownRoutingIsRefused() {
        var s = diamond
        s.routing = "mesh"
        #expect(throws: ScenarioError.self) { try s.validate() }
    }
}

/// MESHTASTIC_PREHOP_DROP: classifyHopStart (NodeDB.cpp) as Router::handleReceived applies it
/// after decoding. A radio's own packets carry the 2.5+ bitfield (Router::send), so its ACKs,
/// even those sent with hop limit 0 (hop_start 0), pass it.
@Suite struct PreHopDropTests {
    func packet(hopStart: UInt32, hopLimit: UInt32, bitfield: UInt32?) -> MeshPacket {
        var p = MeshPacket()
        p.hopStart = hopStart; p.hopLimit = hopLimit
        var d = PacketData(portnum: PortNum(.privateApp), payload: [1])
        d.bitfield = bitfield
        p.payloadVariant = .decoded(d)
        return p
    }

    @Test func hopStartIsClassifiedAsTheFirmwareDoes() {
        #expect(VirtualRadio.classifyHopStart(packet(hopStart: 3, hopLimit: 2, bitfield: nil)) == .valid)
        #expect(VirtualRadio.classifyHopStart(packet(hopStart: 0, hopLimit: 0, bitfield: 0)) == .valid, "a zero-hop packet of 2.5+")
        #expect(VirtualRadio.classifyHopStart(packet(hopStart: 0, hopLimit: 0, bitfield: nil)) == .missingOrUnknown, "pre-2.3 firmware")
        #expect(VirtualRadio.classifyHopStart(packet(hopStart: 1, hopLimit: 3, bitfield: 0)) == .invalid)
        var encrypted = MeshPacket(); encrypted.payloadVariant = .encrypted([1, 2, 3])
        #expect(VirtualRadio.classifyHopStart(encrypted) == .missingOrUnknown, "the bitfield is under the channel key")
    }

    /// Every packet a radio makes (a DM, its ACK) carries the bitfield, so none meets the drop.
    @Test func aRadiosOwnPacketsPassTheDrop() throws {
        var m = MeshBench(.twoRadios)
        m.connectAll()
        let b = m.air.radio(1).identity.nodeNum
        let id = m.send(from: 0, dm("ack me", to: b))
        m.run(for: 20)
        #expect(m.deliveries(at: 0, id: id).contains(.acked(by: b)))
        #expect(!m.air.records.contains { if case .preHopDropped = $0 { true } else { false } })
    }
}
