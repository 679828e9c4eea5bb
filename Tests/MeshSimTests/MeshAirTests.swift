import LoRaPHY
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// One DeviceSession per radio, all talking through the simulated air in memory.
struct MeshBench {
    var air: MeshAir
    var sessions: [DeviceSession]
    var events: [[SessionEvent]]
    var now = 0.0

    init(_ scenario: Scenario, seed: UInt64 = 1) {
        air = MeshAir(scenario: scenario, seed: seed, epoch: 1_790_000_000)
        sessions = (0..<air.stationCount).map { DeviceSession(random: SimRandom(seed: seed &+ UInt64($0))) }
        events = Array(repeating: [], count: air.stationCount)
    }

    mutating func route(_ writes: [MeshAir.ClientWrite]) {
        for w in writes { handle(sessions[w.station].receive(w.bytes, now: now), station: w.station) }
    }

    mutating func handle(_ outputs: [DeviceSession.Output], station s: Int) {
        for o in outputs {
            switch o {
            case .event(let e): events[s].append(e)
            case .write(let bytes): route(air.fromClient(station: s, bytes: bytes, now: now))
            }
        }
    }

    mutating func run(for seconds: Double, step: Double = 0.05) {
        let end = now + seconds
        while now < end {
            now += step
            route(air.advance(to: now))
            for s in sessions.indices { handle(sessions[s].tick(now: now), station: s) }
        }
    }

    mutating func connectAll() {
        for s in sessions.indices { handle(sessions[s].start(now: now), station: s) }
        run(for: 6)
        for s in sessions.indices { precondition(sessions[s].state == .ready, "station \(s) did not connect") }
    }

    mutating func send(from s: Int, _ packet: MeshPacket) -> UInt32 {
        let (id, out) = sessions[s].send(packet, now: now)
        handle(out, station: s)
        return id
    }

    func received(at s: Int, id: UInt32) -> [MeshPacket] {
        events[s].compactMap { if case .packetReceived(let p) = $0, p.id == id { return p } else { return nil } }
    }

    func deliveries(at s: Int, id: UInt32) -> [DeliveryUpdate] {
        events[s].compactMap { if case .delivery(let i, let u) = $0, i == id { return u } else { return nil } }
    }
}

func textBroadcast(_ text: String, hopLimit: UInt32 = 0) -> MeshPacket {
    var p = MeshPacket()
    p.to = MeshPacket.broadcast
    p.hopLimit = hopLimit
    p.wantAck = true
    p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array(text.utf8)))
    return p
}

@Suite struct MeshAirTests {
    // Four radio links from n1 to n5 means three relays. The firmware counts relays: hop_limit 3
    // (its default) is enough, hops taken = hop_start − hop_limit = 3 at n5, and a direct
    // neighbour is "0 hops away".
    @Test func lineOfFiveCarriesAPacketAcrossFourLinks() throws {
        var m = MeshBench(.line5)
        m.connectAll()
        let id = m.send(from: 0, textBroadcast("end to end"))
        m.run(for: 30)
        let got = m.received(at: 4, id: id)
        #expect(got.count == 1)
        let p = try #require(got.first)
        #expect(p.hopStart == 3)
        #expect(p.hopLimit == 0)
        #expect(p.hopsTaken == 3)
        #expect(p.relayNode == m.air.radio(3).identity.nodeNum & 0xFF)
        #expect(p.rxSnr < 0 && p.rxRssi < -100)   // 2 km at LongFast: weak but above the SF11 floor
        // Each radio hears only its neighbours.
        #expect(m.received(at: 1, id: id).first?.hopsTaken == 0)
        #expect(m.received(at: 2, id: id).first?.hopsTaken == 1)
        #expect(m.received(at: 3, id: id).first?.hopsTaken == 2)
        let transmissions = m.air.records.filter { if case .transmitted(_, _, id, _, _) = $0 { return true } else { return false } }
        #expect(transmissions.count == 4)   // n1 sends, n2–n4 relay, n5 (hop_limit 0) does not
        // The sender learns from the first relay it overhears: an implicit ACK.
        #expect(m.deliveries(at: 0, id: id).contains(.relayed))
    }

    @Test func lineOfFiveStopsShortWithHopLimitTwo() {
        var m = MeshBench(.line5)
        m.connectAll()
        let id = m.send(from: 0, textBroadcast("too far", hopLimit: 2))
        m.run(for: 30)
        #expect(m.received(at: 3, id: id).first?.hopLimit == 0)
        #expect(m.received(at: 3, id: id).first?.hopsTaken == 2)
        #expect(m.received(at: 4, id: id).isEmpty)
        // n4 got it with hop_limit 0 and did not relay it again.
        let relaysByN4 = m.air.records.filter { if case .transmitted(3, _, id, _, _) = $0 { return true } else { return false } }
        #expect(relaysByN4.isEmpty)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func valleyEastReceivesNorthsPacketOnce(seed: UInt64) throws {
        var m = MeshBench(.valley, seed: seed)
        m.connectAll()
        let north = try #require(m.air.station(named: "north"))
        let east = try #require(m.air.station(named: "east"))
        let id = m.send(from: north, textBroadcast("storm coming"))
        m.run(for: 20)
        #expect(m.received(at: east, id: id).count == 1)
        // East did hear more than one copy on the air (direct and via the ridge, or both at once).
        let copiesAtEast = m.air.records.filter {
            switch $0 {
            case .received(east, _, id, _, _), .duplicate(east, _, id), .collided(east, _, id): true
            default: false
            }
        }
        #expect(copiesAtEast.count >= 2)
    }

    /// East hears north's DM straight and again through the ridge. The ridge's copy is a
    /// duplicate a relay repeated: the firmware drops it without a second ACK (only the sender's
    /// own retransmission, hop_start = hop_limit, is ACKed again).
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func aDuplicateThroughARelayIsNotAckedAgain(seed: UInt64) throws {
        let (m, north, east, eastNum, id) = try northDMsEast("once", seed: seed)
        let northNum = m.air.radio(north).identity.nodeNum
        let copies = m.air.records.filter { if case .received(east, northNum, id, _, _) = $0 { return true }; if case .duplicate(east, northNum, id) = $0 { return true }; return false }
        let acks = m.air.records.filter { if case .transmitted(east, eastNum, _, _, _) = $0 { return true } else { return false } }
        let retries = m.air.records.filter { if case .transmitted(north, northNum, id, _, _) = $0 { return true } else { return false } }
        // One ACK per copy that came straight from north (the first, and any retransmission).
        #expect(copies.count >= 2)
        #expect(acks.count == retries.count, "\(copies.count) copies, \(retries.count) sends by north, \(acks.count) ACKs")
    }

    /// North sends east a DM across the valley and the air runs 30 s.
    func northDMsEast(_ text: String, seed: UInt64) throws -> (MeshBench, north: Int, east: Int, eastNum: UInt32, id: UInt32) {
        var m = MeshBench(.valley, seed: seed)
        m.connectAll()
        let north = try #require(m.air.station(named: "north"))
        let east = try #require(m.air.station(named: "east"))
        let eastNum = m.air.radio(east).identity.nodeNum
        let id = m.send(from: north, privatePacket(to: eastNum, Array(text.utf8)))
        m.run(for: 30)
        return (m, north, east, eastNum, id)
    }

    @Test func directMessageAcrossTheValleyIsAckedByEast() throws {
        let (m, north, east, eastNum, id) = try northDMsEast("hello east", seed: 3)
        #expect(m.received(at: east, id: id).count == 1)
        #expect(m.deliveries(at: north, id: id).contains(.acked(by: eastNum)))
    }

    /// Firmware 2.7/2.8 (ReliableRouter): a DM through a relay is reported twice, first the
    /// implicit ACK from our own node when it hears the relay repeat it, then the
    /// destination's ACK; the client must see both.
    @Test func directMessageThroughARelayIsRelayedThenAcked() throws {
        var m = MeshBench(.line5)
        m.connectAll()
        let far = m.air.radio(2).identity.nodeNum
        let id = m.send(from: 0, privatePacket(to: far, Array("two hops".utf8)))
        m.run(for: 40)
        #expect(m.received(at: 2, id: id).count == 1)
        let updates = m.deliveries(at: 0, id: id).filter { $0 != .queued }
        #expect(updates == [.relayed, .acked(by: far)])
    }

    @Test func unreachableNodeEndsInMaxRetransmit() throws {
        let s = Scenario(name: "apart", nodes: [.init(name: "a", x: 0, y: 0), .init(name: "b", x: 50_000, y: 0)])
        var m = MeshBench(s)
        m.connectAll()
        let id = m.send(from: 0, privatePacket(to: m.air.radio(1).identity.nodeNum))
        m.run(for: 60, step: 0.1)
        #expect(m.deliveries(at: 0, id: id).last == .failed(.nak(RoutingError(.maxRetransmit))))
        let sent = m.air.records.filter { if case .transmitted(0, _, id, _, _) = $0 { return true } else { return false } }
        #expect(sent.count == 5)   // firmware 2.8 (PR #11320): 5 tries for a DM
    }

    @Test func simultaneousTransmissionsOfEqualStrengthCollide() {
        // Two senders equidistant from a listener, both sending at once: nobody decodes either.
        let s = Scenario(name: "hidden", nodes: [.init(name: "a", x: -1500, y: 0), .init(name: "b", x: 1500, y: 0),
                                                 .init(name: "c", x: 0, y: 0, role: "CLIENT_MUTE")])
        var collisions = 0
        for seed in UInt64(1)...10 {
            var m = MeshBench(s, seed: seed)
            m.connectAll()
            _ = m.send(from: 0, textBroadcast("from a"))
            _ = m.send(from: 1, textBroadcast("from b"))
            m.run(for: 5)
            collisions += m.air.records.filter { if case .collided(2, _, _) = $0 { return true } else { return false } }.count
        }
        // a and b cannot hear each other (3 km), so carrier sense cannot save them every time.
        #expect(collisions > 0)
    }

    @Test func sameSeedSameRun() {
        func run() -> [MeshAir.Record] {
            var m = MeshBench(.valley, seed: 42)
            m.connectAll()
            _ = m.send(from: 0, textBroadcast("replay"))
            m.run(for: 10)
            return m.air.records
        }
        #expect(run() == run())
    }

    @Test func linkBudgetMatchesTheScenarioGeometry() {
        let b = Scenario.line5.linkBudget
        let modem = LoRaPreset.longFast.modem
        let at2km = b.snrDB(rssiDBm: b.rssiDBm(metres: 2000), modem: modem)
        let at4km = b.snrDB(rssiDBm: b.rssiDBm(metres: 4000), modem: modem)
        #expect(b.canDemodulate(snrDB: at2km, modem: modem))
        #expect(!b.canDemodulate(snrDB: at4km, modem: modem))
        #expect(abs(b.noiseFloorDBm(bandwidthHz: 250_000) - (-114)) < 0.1)
        #expect(modem.demodulationFloorSNR == -17.5)
    }
}

@Suite struct LinkLossTests {
    /// A link with 10 % loss drops about one packet in ten, not one in five: 300 spaced
    /// broadcasts over one idle link, every one heard or lost (none collides).
    @Test(arguments: [UInt64(1), 2, 3]) func tenPercentLossDropsAboutOneInTen(seed: UInt64) throws {
        let scenario = Scenario(name: "lossy-pair", nodes: [Scenario.Node(name: "a"), Scenario.Node(name: "b")],
                                links: [Scenario.Link(a: "a", b: "b", distanceMetres: 500, loss: 0.1)])
        var bench = MeshBench(scenario, seed: seed)
        bench.connectAll()
        var ids: [UInt32] = []
        for i in 0..<300 {
            var p = textBroadcast("n\(i)")
            p.wantAck = false
            ids.append(bench.send(from: 0, p))
            bench.run(for: 4, step: 0.25)
        }
        let heard = ids.filter { !bench.received(at: 1, id: $0).isEmpty }.count
        // Binomial(300, 0.1): mean 30 lost, sd 5.2; 12...50 is more than 3.5 sd either way.
        #expect((250...288).contains(heard), "\(300 - heard) of 300 lost")
    }
}

@Suite struct TransmitQueueTests {
    /// The firmware's TX queue is first in, first out among equal priorities: a client's
    /// packets go on the air in the order it handed them over, whatever random wait each draws.
    @Test(arguments: [UInt64(1), 7, 42]) func ownPacketsLeaveInTheOrderGiven(seed: UInt64) {
        var m = MeshBench(.twoRadios, seed: seed)
        m.connectAll()
        var ids: [UInt32] = []
        for i in 0..<6 {
            var p = textBroadcast("chunk \(i)")
            p.wantAck = false
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array(repeating: UInt8(i), count: 120)))
            ids.append(m.send(from: 0, p))
        }
        m.run(for: 30)
        let order = m.air.records.compactMap { r -> UInt32? in
            if case let .transmitted(station, _, id, _, _) = r, station == 0 { return id } else { return nil }
        }
        #expect(order == ids)
    }

    /// fixPriority: routing (ACKs) first, a want_ack packet before a plain one, and a
    /// priority the client set is kept.
    @Test func unsetPrioritiesFollowWhatThePacketCarries() {
        var plain = textBroadcast("x"); plain.wantAck = false
        plain.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [1]))
        var reliable = plain; reliable.wantAck = true
        var ack = plain; ack.payloadVariant = .decoded(PacketData(portnum: PortNum(.routingApp), payload: []))
        var set = plain; set.priority = PacketPriority(.background)
        #expect(MeshAir.queuePriority(plain) == 64 && MeshAir.queuePriority(reliable) == 70)
        #expect(MeshAir.queuePriority(ack) == 120 && MeshAir.queuePriority(set) == 10)
    }
}
