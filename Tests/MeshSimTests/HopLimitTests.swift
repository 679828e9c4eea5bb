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

    /// Without want_ack the packet keeps hop limit 0: n2 hears it (hop_start 0), nobody
    /// repeats it. With want_ack the radio fills in its configured 3 and it reaches n5.
    @Test(arguments: [false, true])
    func aClientsHopLimitZeroIsFilledInOnlyWithWantAck(wantAck: Bool) {
        var m = MeshBench(.line5)
        m.connectAll()
        let id: UInt32 = wantAck ? 0x1234_0002 : 0x1234_0001
        Self.rawSend(&m, from: 0, wantAck: wantAck, id: id)
        m.run(for: 30)
        #expect(m.received(at: 1, id: id).first?.hopStart == (wantAck ? 3 : 0))
        #expect(m.received(at: 4, id: id).count == (wantAck ? 1 : 0), "n5, three relays away")
        if !wantAck { #expect(m.received(at: 2, id: id).isEmpty, "no relay repeats a packet with hop limit 0") }
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
