import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// Hardening 3, item 0: a packet a client hands over with hop limit 0 keeps it unless it asks
/// for an ACK (firmware `Router::sendLocal`: `src == RX_SRC_USER && p->want_ack &&
/// p->hop_limit == 0` is the only place the configured limit is filled in). On the air such a
/// packet reaches the sender's neighbours and no further.
@Suite struct HopLimitTests {
    /// What a client that leaves hop_limit unset writes: a ToRadio frame straight to the radio,
    /// bypassing DeviceSession (which now fills the limit in).
    static func rawSend(_ m: inout MeshBench, from s: Int, wantAck: Bool, id: UInt32) {
        var p = MeshPacket()
        p.to = MeshPacket.broadcast
        p.id = id
        p.wantAck = wantAck
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array("chunk".utf8)))
        let bytes = try! FrameEncoder.frame(ToRadio(.packet(p)))
        m.route(m.air.fromClient(station: s, bytes: bytes, now: m.now))
    }

    @Test func withoutWantAckHopLimitZeroStaysOneHop() {
        var m = MeshBench(.line5)
        m.connectAll()
        Self.rawSend(&m, from: 0, wantAck: false, id: 0x1234_0001)
        m.run(for: 30)
        let atN2 = m.received(at: 1, id: 0x1234_0001)
        #expect(atN2.count == 1 && atN2.first?.hopLimit == 0 && atN2.first?.hopStart == 0)
        #expect(m.received(at: 2, id: 0x1234_0001).isEmpty, "no relay repeats a packet with hop limit 0")
    }

    @Test func withWantAckTheConfiguredLimitIsFilledIn() {
        var m = MeshBench(.line5)
        m.connectAll()
        Self.rawSend(&m, from: 0, wantAck: true, id: 0x1234_0002)
        m.run(for: 30)
        let atN5 = m.received(at: 4, id: 0x1234_0002)
        #expect(atN5.count == 1 && atN5.first?.hopStart == 3)
    }

    /// lora-msg's side: DeviceSession gives every packet the radio's configured hop limit
    /// (as the official client's `_getHopLimit` does), so a chunk, a probe or a broadcast
    /// receipt without want_ack crosses the whole line.
    @Test func theSessionSendsEveryPacketWithTheRadiosHopLimit() {
        var m = MeshBench(.line5)
        m.connectAll()
        #expect(m.sessions[0].configuredHopLimit == 3)
        var p = textBroadcast("no ack wanted")
        p.wantAck = false
        let id = m.send(from: 0, p)
        m.run(for: 30)
        #expect(m.received(at: 4, id: id).first?.hopStart == 3)
        // A limit the caller chose is kept.
        var two = textBroadcast("two hops", hopLimit: 2)
        two.wantAck = false
        let id2 = m.send(from: 0, two)
        m.run(for: 30)
        #expect(m.received(at: 3, id: id2).first?.hopStart == 2 && m.received(at: 4, id: id2).isEmpty)
    }
}
