import LoRaPHY
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// The client state machine against the device state machine, bytes passed in memory: each
/// side checks the other. (The pty and air drivers come on top of exactly these two.)
struct Bench {
    var radio: VirtualRadio
    var session: DeviceSession
    var events: [SessionEvent] = []
    var onAir: [MeshPacket] = []
    var now = 0.0

    init(node: UInt32, name: String, settings: VirtualRadio.Settings = .init(), configOnly: Bool = true) {
        radio = VirtualRadio(identity: .init(nodeNum: node, longName: name, shortName: String(name.prefix(2))),
                             settings: settings, bootedAt: 0)
        var o = DeviceSession.Options(); o.configOnly = configOnly
        session = DeviceSession(options: o)
    }

    mutating func pump(_ outputs: [DeviceSession.Output]) {
        var pending = outputs
        while !pending.isEmpty {
            let o = pending.removeFirst()
            switch o {
            case .event(let e): events.append(e)
            case .write(let bytes): absorb(radio.receive(bytes, now: now), into: &pending)
            }
        }
    }

    mutating func absorb(_ radioOut: [VirtualRadio.Output], into pending: inout [DeviceSession.Output]) {
        for r in radioOut {
            switch r {
            case .write(let bytes, _): pending += session.receive(bytes, now: now)
            case .transmit(let p): onAir.append(p)
            case .injected, .reboot: break   // no MQTT module in play here
            }
        }
    }

    mutating func radioSays(_ radioOut: [VirtualRadio.Output]) {
        var pending: [DeviceSession.Output] = []
        absorb(radioOut, into: &pending)
        pump(pending)
    }

    mutating func advance(to t: Double) {
        now = t
        pump(session.tick(now: t))
        radioSays(radio.tick(now: t))
    }

    mutating func connect() {
        pump(session.start(now: now))
        var t = now
        while session.state != .ready && t < now + 15 { t += 0.25; advance(to: t) }
    }

    mutating func send(_ p: MeshPacket) -> UInt32 {
        let (id, out) = session.send(p, now: now)
        pump(out)
        return id
    }

    func deliveries(_ id: UInt32) -> [DeliveryUpdate] {
        events.compactMap { if case .delivery(let i, let u) = $0, i == id { return u } else { return nil } }
    }
}

func privatePacket(to: UInt32, _ payload: [UInt8] = Array(repeating: 0xAB, count: 120)) -> MeshPacket {
    var p = MeshPacket()
    p.to = to
    p.wantAck = true
    p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: payload))
    return p
}

@Suite struct SessionAgainstVirtualRadioTests {
    @Test func handshakeSurvivesTheBootDelayByRetrying() throws {
        var b = Bench(node: 0xA1, name: "North")
        b.connect()
        #expect(b.session.state == .ready)
        let info = try #require(b.events.compactMap { if case .connected(let i) = $0 { return i } else { return nil } }.first)
        #expect(info.nodeNum == 0xA1)
        #expect(info.ownNode?.user?.longName == "North")
        #expect(info.lora?.region == RegionCode(.eu868))
        #expect(info.channels.count == 8)
        #expect(b.now >= 1.0)   // the first request, inside the boot delay, was ignored
    }

    @Test func configOnlySkipsTheNodeDatabase() {
        var settings = VirtualRadio.Settings()
        settings.bootDelaySeconds = 0
        settings.knownNodes = (0..<250).map { var n = NodeInfo(); n.num = 0x1000 + UInt32($0); return n }
        var quick = Bench(node: 0xA1, name: "North", settings: settings)
        quick.connect()
        var full = Bench(node: 0xA1, name: "North", settings: settings, configOnly: false)
        full.connect()
        let nodes: (Bench) -> Int = { b in
            b.events.compactMap { if case .connected(let i) = $0 { return i.otherNodes.count } else { return nil } }.first ?? -1
        }
        #expect(nodes(quick) == 0)
        #expect(nodes(full) == 250)
    }

    @Test func directMessageIsQueuedAndAckedByTheDestination() throws {
        var a = Bench(node: 0xA1, name: "North")
        var b = Bench(node: 0xB2, name: "East")
        a.connect(); b.connect()
        let id = a.send(privatePacket(to: 0xB2))
        #expect(a.deliveries(id) == [.queued])
        let sent = try #require(a.onAir.last)
        #expect(sent.from == 0xA1 && sent.id == id && sent.hopStart == 3 && sent.hopLimit == 3 && sent.wantAck)
        // The air carries it to B (one hop).
        var rx = sent; rx.hopLimit = 3; rx.rxRssi = -80; rx.rxSnr = 6
        b.radioSays(b.radio.heard(rx, now: b.now))
        let got = b.events.compactMap { if case .packetReceived(let p) = $0 { return p } else { return nil } }
        #expect(got.map(\.id) == [id])
        // B's radio answers with an ACK on the air; A hears it.
        let ack = try #require(b.onAir.last)
        #expect(ack.to == 0xA1 && ack.from == 0xB2 && ack.decoded?.requestId == id && ack.priority == .ack)
        a.radioSays(a.radio.heard(ack, now: a.now))
        #expect(a.deliveries(id) == [.queued, .acked(by: 0xB2)])
    }

    @Test func broadcastGetsAnImplicitAckWhenRelayed() throws {
        var a = Bench(node: 0xA1, name: "North")
        a.connect()
        let id = a.send(privatePacket(to: MeshPacket.broadcast))
        let sent = try #require(a.onAir.last)
        #expect(!sent.wantAck)   // want_ack is never on air for broadcasts
        var relayed = sent; relayed.hopLimit = 2; relayed.relayNode = 0xC3
        a.radioSays(a.radio.heard(relayed, now: a.now + 1))
        #expect(a.deliveries(id) == [.queued, .relayed])
    }

    /// ReliableRouter with firmware PR #11320: our want_ack DM goes 5 times on 2.8 (3 on 2.7),
    /// each try RadioInterface::getRetransmissionMsec after the last: for this 127-byte Data
    /// (143 bytes with the header; 1296 ms on LongFast) on a quiet channel (CW 3, slot 28 ms),
    /// 2·1296 + (8 + 16 + 32)·28 + 4500 = 8660 ms. Then MAX_RETRANSMIT.
    @Test(arguments: [(5, 5), (3, 3)])
    func unansweredDirectMessageEndsInMaxRetransmit(attempts: Int, expected: Int) {
        var settings = VirtualRadio.Settings()
        settings.directMessageAttempts = attempts
        var a = Bench(node: 0xA1, name: "North", settings: settings)
        a.connect()
        let start = a.now
        let id = a.send(privatePacket(to: 0xB2))
        var t = start, sentAt: [Double] = [start]
        while t < start + 60 {
            t += 0.01
            let before = a.onAir.filter { $0.id == id }.count
            a.advance(to: t)
            if a.onAir.filter({ $0.id == id }).count > before { sentAt.append(t) }
        }
        #expect(a.onAir.filter { $0.id == id }.count == expected)
        #expect(sentAt.count == expected)
        for (x, y) in zip(sentAt, sentAt.dropFirst()) { #expect(abs((y - x) - 8.66) < 0.02, "\(y - x)") }
        #expect(a.deliveries(id) == [.queued, .failed(.nak(RoutingError(.maxRetransmit)))])
    }

    @Test func repeatedPacketIDIsDroppedSilently() {
        var a = Bench(node: 0xA1, name: "North")
        a.connect()
        var p = privatePacket(to: 0xB2); p.id = 4242
        let frame = try! FrameEncoder.frame(ToRadio(.packet(p)))
        let first = a.radio.receive(frame, now: a.now)
        let second = a.radio.receive(frame, now: a.now)
        #expect(first.count == 2)   // QueueStatus + transmission
        #expect(second.isEmpty)
    }

    @Test func dutyCycleRefusalReachesTheClient() {
        var settings = VirtualRadio.Settings()
        settings.bootDelaySeconds = 0
        var a = Bench(node: 0xA1, name: "North", settings: settings)
        a.connect()
        // 10 % of an hour is 360 s; a 200-byte envelope costs ~2 s on LongFast.
        var accepted = 0
        var refusedID: UInt32?
        for _ in 0..<400 {
            // No want_ack: with no neighbour to relay, a want_ack broadcast is retransmitted
            // three times (as on the firmware) and would spend the budget three times over.
            var p = privatePacket(to: MeshPacket.broadcast, Array(repeating: 1, count: 200))
            p.wantAck = false
            let id = a.send(p)
            if a.deliveries(id).contains(.queued) { accepted += 1 } else { refusedID = id; break }
            a.advance(to: a.now + 2.5)   // let each ~1.9 s transmission leave the queue
        }
        let perPacket = LoRaPreset.longFast.modem.timeOnAirMilliseconds(bytes: 16 + 208)
        #expect(accepted == Int((360_000 / perPacket).rounded(.down)) + 1)   // sent while not yet *over* 10 %
        let id = try! #require(refusedID)
        let updates = a.deliveries(id)
        #expect(updates.first == .failed(.refused(code: 9)))
        #expect(updates.filter { if case .failed = $0 { return true } else { return false } }.count == 1)
        #expect(!a.events.contains { if case .packetReceived = $0 { return true } else { return false } })
        #expect(updates.contains { if case .notice(let t) = $0 { return t.hasPrefix("Duty cycle limit exceeded") } else { return false } })
        #expect(a.radio.ledger.utilizationPercent(nowSeconds: a.now) > 10)
    }

    @Test func packetsHeardWhileNoClientWaitForTheHandshake() {
        var b = Bench(node: 0xB2, name: "East")
        var p = privatePacket(to: 0xB2); p.from = 0xA1; p.id = 77; p.hopStart = 3; p.hopLimit = 3; p.wantAck = false
        b.radioSays(b.radio.heard(p, now: 0))
        #expect(b.events.isEmpty)
        b.connect()
        #expect(b.events.contains(.packetReceived(p)))
    }

    @Test func fullTransmitQueueIsReportedAndDrains() {
        var settings = VirtualRadio.Settings()
        settings.bootDelaySeconds = 0
        settings.region = .us
        var a = Bench(node: 0xA1, name: "North", settings: settings)
        a.connect()
        // 20 packets at once: the radio takes 16, the session holds the rest (free == 0) …
        let ids = (0..<20).map { _ in a.send(privatePacket(to: MeshPacket.broadcast)) }
        let queued = ids.filter { a.deliveries($0).contains(.queued) }
        #expect(queued.count == 16)
        // … and hands them over as transmissions finish, asking with heartbeats meanwhile.
        let end = a.now + 60
        var t = a.now
        while t < end { t += 0.5; a.advance(to: t) }
        #expect(ids.allSatisfy { a.deliveries($0).contains(.queued) })
        #expect(Set(a.onAir.map(\.id)).isSuperset(of: Set(ids)))
    }

    /// What a confused client can send: garbage, a truncated frame, a frame over 512 bytes, a
    /// frame that is not a ToRadio. The radio ignores it all (as the firmware logs "ignore
    /// malformed toradio") and still answers the next good request.
    @Test func badClientInputIsIgnored() {
        var settings = VirtualRadio.Settings()
        settings.bootDelaySeconds = 0
        var radio = VirtualRadio(identity: .init(nodeNum: 0xA1, longName: "North", shortName: "N"), settings: settings, bootedAt: 0)
        var rng = SeededBytes(state: 3)
        for _ in 0..<500 { #expect(radio.receive(rng.bytes(Int.random(in: 0...400, using: &rng)), now: 1).allSatisfy {
            if case .transmit = $0 { return false } else { return true } }) }
        _ = radio.receive(StreamFraming.wakePreamble, now: 1)
        #expect(radio.receive([0x94, 0xC3, 0x02, 0x01] + [UInt8](repeating: 0, count: 513), now: 1).isEmpty)   // 513: not a frame
        #expect(radio.receive([0x94, 0xC3, 0x00, 0x03, 0x0A, 0x05, 0x01], now: 1).isEmpty)                     // MeshPacket cut short
        #expect(radio.receive([0x94, 0xC3, 0x00, 0x02, 0x07, 0x00], now: 1).isEmpty)                           // wire type 7
        let answer = radio.receive(StreamFraming.wakePreamble + (try! FrameEncoder.frame(ToRadio(.wantConfigId(69420)))), now: 2)
        var d = FrameDecoder()
        let last = answer.compactMap { if case .write(let b, _) = $0 { return b } else { return nil } }.flatMap { d.feed($0) }.last
        if case .frame(let f)? = last { #expect(try! FromRadio(decoding: f).payloadVariant == .configCompleteId(69420)) }
        else { Issue.record("no handshake after bad input") }
    }

    @Test func heartbeatIsAnsweredWithQueueStatus() {
        var a = Bench(node: 0xA1, name: "North")
        a.connect()
        let out = a.radio.receive(try! FrameEncoder.frame(ToRadio(.heartbeat(Heartbeat()))), now: a.now)
        var d = FrameDecoder()
        let replies = out.compactMap { if case .write(let b, _) = $0 { return b } else { return nil } }.flatMap { d.feed($0) }
        #expect(replies.count == 1)
        if case .frame(let f)? = replies.first, case .queueStatus(let q)? = try? FromRadio(decoding: f).payloadVariant {
            #expect(q.maxlen == 16)
        } else { Issue.record("no queue status") }
    }
}

struct SeededBytes: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 ^ state }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &self) } }
}
