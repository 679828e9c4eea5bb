import Testing
import MeshtasticWire
@testable import RadioLink

/// A scripted radio: the exact bytes a Meshtastic device sends, built from FromRadio values.
enum Radio {
    static let me: UInt32 = 0x1234_5678
    static let peer: UInt32 = 0xCAFE_F00D

    static func frame(_ v: FromRadio.Variant) -> [UInt8] { try! FrameEncoder.frame(FromRadio(v)) }

    static func handshake(nonce: UInt32, otherNodes: Int = 0) -> [UInt8] {
        var my = MyNodeInfo(); my.myNodeNum = me; my.minAppVersion = 30200; my.nodedbCount = UInt32(otherNodes + 1)
        var own = NodeInfo(); own.num = me
        var user = User(); user.id = User.nodeID(me); user.longName = "North"; user.shortName = "N"
        own.user = user; own.isFavorite = true
        var meta = DeviceMetadata(); meta.firmwareVersion = "2.7.15.567b8ea"; meta.hasPKC = true
        var bytes = frame(.myInfo(my)) + frame(.deviceuiConfig(OpaqueMessage())) + frame(.nodeInfo(own)) + frame(.metadata(meta))
        for i in 0..<8 {
            var c = Channel(); c.index = Int32(i)
            if i == 0 { c.role = ChannelRole(.primary); var s = ChannelSettings(); s.psk = [1]; c.settings = s }
            bytes += frame(.channel(c))
        }
        var lora = LoRaConfig(); lora.usePreset = true; lora.region = RegionCode(.eu868); lora.hopLimit = 3; lora.txEnabled = true
        bytes += frame(.config(Config(.device(DeviceConfig())))) + frame(.config(Config(.lora(lora))))
        bytes += frame(.config(Config(.sessionkey(OpaqueMessage())))) + frame(.moduleConfig(ModuleConfig()))
        for i in 0..<otherNodes {
            var n = NodeInfo(); n.num = 0x1000 + UInt32(i); bytes += frame(.nodeInfo(n))
        }
        return bytes + frame(.configCompleteId(nonce))
    }

    static func routing(_ reason: RoutingError, requestID: UInt32, from: UInt32, hopStart: UInt32 = 0, hopLimit: UInt32 = 0) -> [UInt8] {
        var p = MeshPacket(); p.from = from; p.to = me; p.id = 999
        p.hopStart = hopStart; p.hopLimit = hopLimit
        var d = PacketData(portnum: PortNum(.routingApp), payload: Routing(errorReason: reason).encoded())
        d.requestId = requestID
        p.payloadVariant = .decoded(d)
        return frame(.packet(p))
    }
}

extension Array where Element == DeviceSession.Output {
    var writes: [[UInt8]] { compactMap { if case .write(let b) = $0 { return b } else { return nil } } }
    var events: [SessionEvent] { compactMap { if case .event(let e) = $0 { return e } else { return nil } } }
    /// The ToRadio messages in the writes (the wake preamble is not a frame).
    var toRadio: [ToRadio] {
        var d = FrameDecoder()
        return writes.flatMap { d.feed($0) }.compactMap { if case .frame(let f) = $0 { return try? ToRadio(decoding: f) } else { return nil } }
    }
}

struct FixedRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
}

@Suite struct DeviceSessionTests {
    func connected(configOnly: Bool = true) -> DeviceSession {
        var o = DeviceSession.Options(); o.configOnly = configOnly
        var s = DeviceSession(options: o, random: FixedRandom(state: 1))
        let start = s.start(now: 0)
        let nonce: UInt32 = { if case .wantConfigId(let n)? = start.toRadio.first?.payloadVariant { return n }; return 0 }()
        _ = s.receive(Radio.handshake(nonce: nonce), now: 0.2)
        return s
    }

    @Test func startSendsPreambleThenConfigOnlyRequest() {
        var s = DeviceSession()
        let out = s.start(now: 0)
        #expect(out.writes.first == [UInt8](repeating: 0xC3, count: 32))
        #expect(out.writes.last == [0x94, 0xC3, 0x00, 0x04, 0x18, 0xAC, 0x9E, 0x04])
        #expect(s.state == .handshaking(nonce: 69420, attempt: 1))
    }

    @Test func handshakeThroughLogTextAndGarbage() throws {
        var s = DeviceSession()
        _ = s.start(now: 0)
        let noisy = Array("\u{1B}[32mINFO \u{1B}[0m| 09:00:00 1 Booting\r\n".utf8) + [0x00, 0xFF, 0x94, 0x12]
            + Radio.handshake(nonce: 69420) + Array("late log\n".utf8)
        var out: [DeviceSession.Output] = []
        // Delivered in awkward chunks, as a USB-serial bridge does.
        var i = 0
        while i < noisy.count { let j = min(i + 61, noisy.count); out += s.receive(Array(noisy[i..<j]), now: 0.1); i = j }
        #expect(s.state == .ready)
        let connected = out.events.compactMap { if case .connected(let info) = $0 { return info } else { return nil } }
        let info = try #require(connected.first)
        #expect(info.nodeNum == Radio.me)
        #expect(info.nodeID == "!12345678")
        #expect(info.ownNode?.user?.longName == "North")
        #expect(info.metadata?.firmwareVersion == "2.7.15.567b8ea")
        #expect(info.channels.count == 8)
        #expect(info.primaryChannel?.index == 0)
        #expect(info.lora?.region == RegionCode(.eu868))
        #expect(out.events.contains(.log("INFO | 09:00:00 1 Booting")))
    }

    @Test func retriesWhenTheFirstRequestIsIgnored() {
        var s = DeviceSession()
        _ = s.start(now: 0)
        #expect(s.tick(now: 2.9).isEmpty)
        let retry = s.tick(now: 3.0)
        #expect(retry.writes.first == StreamFraming.wakePreamble)
        #expect(retry.toRadio.map(\.payloadVariant) == [.wantConfigId(69420)])
        #expect(s.state == .handshaking(nonce: 69420, attempt: 2))
        _ = s.receive(Radio.handshake(nonce: 69420), now: 3.5)
        #expect(s.state == .ready)
    }

    @Test func noRetryWhileASlowDownloadIsFlowing() {
        var s = DeviceSession()
        _ = s.start(now: 0)
        let bytes = Radio.handshake(nonce: 69420, otherNodes: 50)
        // Trickle it in over 10 s: frames keep arriving, so no retry may interrupt.
        let step = bytes.count / 20 + 1
        var retries = 0
        for k in 0..<20 {
            let t = Double(k) * 0.5
            retries += s.tick(now: t).toRadio.count
            _ = s.receive(Array(bytes[min(k * step, bytes.count)..<min((k + 1) * step, bytes.count)]), now: t)
        }
        #expect(retries == 0)
        #expect(s.state == .ready)
    }

    @Test func givesUpAfterMaxAttempts() {
        var s = DeviceSession()
        _ = s.start(now: 0)
        var events: [SessionEvent] = []
        for t in stride(from: 0.0, through: 20, by: 0.5) { events += s.tick(now: t).events }
        #expect(events == [.handshakeFailed(attempts: 4)])
        #expect(s.state == .failed)
    }

    @Test func aCompletionForAnotherNonceIsIgnored() {
        var s = DeviceSession()
        _ = s.start(now: 0)
        _ = s.receive(Radio.handshake(nonce: 12345), now: 0.1)
        #expect(s.state == .handshaking(nonce: 69420, attempt: 1))
    }

    @Test func fullHandshakeUsesARandomNonceAndCollectsNodes() throws {
        var o = DeviceSession.Options(); o.configOnly = false
        var s = DeviceSession(options: o, random: FixedRandom(state: 7))
        let out = s.start(now: 0)
        guard case .wantConfigId(let nonce)? = out.toRadio.first?.payloadVariant else { Issue.record("no request"); return }
        #expect(nonce != 69420 && nonce != 69421 && nonce != 0)
        let done = s.receive(Radio.handshake(nonce: nonce, otherNodes: 250), now: 1)
        let info = try #require(done.events.compactMap { if case .connected(let i) = $0 { return i } else { return nil } }.first)
        #expect(info.otherNodes.count == 250)
    }

    @Test func sendAssignsFreshNonZeroIDs() {
        var s = connected()
        var ids = Set<UInt32>()
        for _ in 0..<200 {
            let (id, _) = s.send(MeshPacket(), now: 1)
            #expect(id != 0)
            ids.insert(id)
            _ = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 15, maxlen: 16, meshPacketId: id))), now: 1)
        }
        #expect(ids.count == 200)
    }

    @Test func queueStatusMapsToQueuedOrRefused() {
        var s = connected()
        let (a, outA) = s.send(MeshPacket(), now: 1)
        #expect(outA.toRadio.count == 1)
        if case .packet(let p)? = outA.toRadio.first?.payloadVariant { #expect(p.id == a) }
        let ok = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 15, maxlen: 16, meshPacketId: a))), now: 1.1)
        #expect(ok.events == [.delivery(packetID: a, .queued)])
        let (b, _) = s.send(MeshPacket(), now: 2)
        let refused = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 9, free: 16, maxlen: 16, meshPacketId: b))), now: 2.1)
        #expect(refused.events == [.delivery(packetID: b, .failed(.refused(code: 9)))])
        #expect(DeliveryFailure.refused(code: 9).description == "the radio refused the packet (the regional duty cycle is used up)")
        // A status for someone else's id says nothing about ours.
        #expect(s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 3, maxlen: 16, meshPacketId: 777))), now: 3).events.isEmpty)
    }

    @Test func ackNakAndImplicitAck() {
        var s = connected()
        var toPeer = MeshPacket(); toPeer.to = Radio.peer
        var toAll = MeshPacket(); toAll.to = MeshPacket.broadcast
        let (dm, _) = s.send(toPeer, now: 1)
        let (bc, _) = s.send(toAll, now: 1)
        let (lost, _) = s.send(toPeer, now: 1)
        let out = s.receive(Radio.routing(RoutingError(.none), requestID: dm, from: Radio.peer)
                            + Radio.routing(RoutingError(.none), requestID: bc, from: Radio.me)
                            + Radio.routing(RoutingError(.maxRetransmit), requestID: lost, from: Radio.me), now: 20)
        #expect(out.events == [
            .delivery(packetID: dm, .acked(by: Radio.peer)),
            .delivery(packetID: bc, .relayed),
            .delivery(packetID: lost, .failed(.nak(RoutingError(.maxRetransmit)))),
        ])
        // A routing packet for an id we do not track is ordinary traffic.
        #expect(s.receive(Radio.routing(RoutingError(.none), requestID: 4242, from: Radio.peer), now: 21).events.count == 1)
    }

    @Test func notificationForOurPacketIsADeliveryNotice() {
        var s = connected()
        let (id, _) = s.send(MeshPacket(), now: 1)
        var n = ClientNotification(); n.replyId = id; n.level = LogLevel(.warning)
        n.message = "Duty cycle limit exceeded. You can send again in 12 mins"
        #expect(s.receive(Radio.frame(.clientNotification(n)), now: 1.2).events
                == [.delivery(packetID: id, .notice("Duty cycle limit exceeded. You can send again in 12 mins"))])
        var other = ClientNotification(); other.message = "hello"
        #expect(s.receive(Radio.frame(.clientNotification(other)), now: 1.3).events == [.notification(other)])
    }

    @Test func fullRadioQueueHoldsPacketsUntilThereIsRoom() {
        var s = connected()
        let (a, first) = s.send(MeshPacket(), now: 1)
        #expect(first.toRadio.count == 1)
        _ = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 0, maxlen: 16, meshPacketId: a))), now: 1.1)
        let (_, held) = s.send(MeshPacket(), now: 1.2)
        #expect(held.isEmpty)
        // Room again: the held packet goes out.
        let later = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 4, maxlen: 16, meshPacketId: 0))), now: 5)
        #expect(later.toRadio.count == 1)
    }

    @Test func packetsSentBeforeTheHandshakeWaitForIt() {
        var s = DeviceSession()
        _ = s.start(now: 0)
        let (id, out) = s.send(MeshPacket(), now: 0.1)
        #expect(out.isEmpty)
        let done = s.receive(Radio.handshake(nonce: 69420), now: 0.5)
        let sent = done.toRadio.compactMap { if case .packet(let p)? = $0.payloadVariant { return p.id } else { return nil } }
        #expect(sent == [id])
    }

    @Test func heldPacketsAreHandedBackNotDropped() {
        var s = DeviceSession()
        _ = s.start(now: 0)
        let (a, _) = s.send(MeshPacket(), now: 0.1)
        let (b, _) = s.send(MeshPacket(), now: 0.2)
        #expect(s.takeHeldPackets().map(\.id) == [a, b])
        #expect(s.takeHeldPackets().isEmpty)
    }

    @Test func heartbeatAfterAQuietMinute() {
        var s = connected()
        #expect(s.tick(now: 30).writes.isEmpty)
        let hb = s.tick(now: 60.5)
        #expect(hb.writes == [[0x94, 0xC3, 0x00, 0x02, 0x3A, 0x00]])
        #expect(s.tick(now: 61).writes.isEmpty)
    }

    @Test func rebootRestartsTheHandshake() {
        var s = connected()
        let out = s.receive(Radio.frame(.rebooted(true)), now: 100)
        #expect(out.events.first == .rebooted)
        #expect(out.toRadio.map(\.payloadVariant) == [.wantConfigId(69420)])
        #expect(s.state == .handshaking(nonce: 69420, attempt: 1))
    }

    @Test func aStalledPartialFrameIsAbandoned() {
        var s = connected()
        var p = MeshPacket(); p.from = Radio.peer; p.id = 5
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [1, 2, 3]))
        let whole = Radio.frame(.packet(p))
        _ = s.receive(Array(whole.prefix(6)), now: 10)   // the device vanished mid-frame
        _ = s.tick(now: 10.6)
        let out = s.receive(whole, now: 11)
        #expect(out.events == [.packetReceived(p)])
    }

    @Test func garbageFromTheRadioNeverTrapsAndTheSessionStillWorks() {
        var s = connected()
        var rng = FixedRandom(state: 99)
        for k in 0..<2000 {
            // Garbage with no 0x94 byte cannot hold a frame, so the session must stay ready.
            let bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                .map { $0 == 0x94 ? 0x00 : $0 }
            _ = s.receive(bytes, now: Double(k) * 0.01)
            _ = s.tick(now: Double(k) * 0.01)
        }
        _ = s.receive(Array("\n".utf8), now: 20)
        #expect(s.state == .ready)
        let (id, out) = s.send(MeshPacket(), now: 20)
        #expect(out.toRadio.count == 1)
        #expect(s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 15, maxlen: 16, meshPacketId: id))), now: 20.1).events
                == [.delivery(packetID: id, .queued)])
    }

    @Test func oversizedPacketFailsAtOnce() {
        var s = connected()
        var p = MeshPacket()
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [UInt8](repeating: 1, count: 600)))
        let (id, out) = s.send(p, now: 1)
        #expect(out == [.event(.delivery(packetID: id, .failed(.nak(RoutingError(.tooLarge)))))])
        #expect(s.takeHeldPackets().isEmpty)
    }

    /// Firmware 2.7/2.8 reports a DM through a relay twice: the implicit ACK (from our own
    /// node, when it hears the relay repeat it), then the destination's ACK with the same
    /// request_id (ReliableRouter::shouldFilterReceived, then sniffReceived).
    @Test func directMessageIsFollowedPastTheImplicitAckUntilTheDestinationAcks() {
        var s = connected()
        var toPeer = MeshPacket(); toPeer.to = Radio.peer
        let (dm, _) = s.send(toPeer, now: 1)
        #expect(s.receive(Radio.routing(RoutingError(.none), requestID: dm, from: Radio.me), now: 5).events == [.delivery(packetID: dm, .relayed)])
        #expect(s.receive(Radio.routing(RoutingError(.none), requestID: dm, from: Radio.peer), now: 7).events == [.delivery(packetID: dm, .acked(by: Radio.peer))])
        // Done: a late copy of the ACK is ordinary traffic, not a second delivery.
        #expect(s.receive(Radio.routing(RoutingError(.none), requestID: dm, from: Radio.peer), now: 8).events.allSatisfy {
            if case .delivery = $0 { return false } else { return true }
        })
    }

    /// The ACK is consumed, but its header still says how far the destination is: a sender
    /// pacing a stream of chunks needs that.
    @Test func anAckSaysHowManyRelaysItCameThrough() {
        var s = connected()
        var toPeer = MeshPacket(); toPeer.to = Radio.peer
        let (dm, _) = s.send(toPeer, now: 1)
        #expect(s.receive(Radio.routing(RoutingError(.none), requestID: dm, from: Radio.peer, hopStart: 3, hopLimit: 1), now: 7).events
                == [.heardFrom(node: Radio.peer, relays: 2), .delivery(packetID: dm, .acked(by: Radio.peer))])
        // Our own radio's implicit ACK says nothing about the path; a header that makes no sense
        // (hop_limit above hop_start) says nothing either.
        let (dm2, _) = s.send(toPeer, now: 8)
        #expect(s.receive(Radio.routing(RoutingError(.none), requestID: dm2, from: Radio.me, hopStart: 3, hopLimit: 3), now: 9).events == [.delivery(packetID: dm2, .relayed)])
        #expect(s.receive(Radio.routing(RoutingError(.none), requestID: dm2, from: Radio.peer, hopStart: 1, hopLimit: 3), now: 10).events == [.delivery(packetID: dm2, .acked(by: Radio.peer))])
    }

    @Test func anAckFromANodeTheDirectMessageWasNotAddressedToProvesNothing() {
        var s = connected()
        var toPeer = MeshPacket(); toPeer.to = Radio.peer
        let (dm, _) = s.send(toPeer, now: 1)
        let stranger: UInt32 = 0x0BAD_F00D
        let out = s.receive(Radio.routing(RoutingError(.none), requestID: dm, from: stranger), now: 5)
        #expect(!out.events.contains(.delivery(packetID: dm, .acked(by: stranger))))
        #expect(s.receive(Radio.routing(RoutingError(.none), requestID: dm, from: Radio.peer), now: 6).events == [.delivery(packetID: dm, .acked(by: Radio.peer))])
    }

    /// A QueueStatus counts the queue just after its own packet; packets written after it
    /// are not in its `free` yet. A refusal for a full queue is flow control: the packet
    /// waits and goes again under a fresh id (the firmware drops an id it has seen).
    @Test func aFullRadioQueueHoldsAndRenumbersInsteadOfFailing() {
        var s = connected()
        let (a, _) = s.send(MeshPacket(), now: 1)
        _ = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 2, maxlen: 16, meshPacketId: a))), now: 1.1)
        let (b, outB) = s.send(MeshPacket(), now: 1.2)
        let (c, outC) = s.send(MeshPacket(), now: 1.2)
        #expect(outB.toRadio.count == 1 && outC.toRadio.count == 1)
        // A late status for b says 1 free, but c is already on its way: nothing more goes out.
        _ = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 1, maxlen: 16, meshPacketId: b))), now: 1.3)
        let (d, outD) = s.send(MeshPacket(), now: 1.4)
        #expect(outD.toRadio.isEmpty, "held: the radio's one free slot is c's")
        let full = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 32, free: 0, maxlen: 16, meshPacketId: c))), now: 1.5)
        guard case .delivery(c, .renumbered(let c2))? = full.events.first else {
            Issue.record("expected c to be renumbered, got \(full.events)"); return
        }
        #expect(c2 != c)
        #expect(!full.events.contains { if case .delivery(_, .failed) = $0 { return true } else { return false } })
        // The radio says a slot is free again (id 0): c goes first, under its new id, then d.
        let freed = s.receive(Radio.frame(.queueStatus(QueueStatus(res: 0, free: 2, maxlen: 16, meshPacketId: 0))), now: 9)
        let sent = freed.toRadio.compactMap { m -> UInt32? in if case .packet(let p)? = m.payloadVariant { return p.id } else { return nil } }
        #expect(sent == [c2, d])
    }

    @Test func theSessionSaysWhenItNextNeedsTheClock() {
        var s = DeviceSession()
        _ = s.start(now: 100)
        #expect(s.nextDeadline == 100 + s.options.retryAfterSeconds)
        var c = connected()
        let idle = c.nextDeadline
        #expect(idle != nil)
        if let idle { #expect(c.tick(now: idle - 0.01).isEmpty) }
        // A partial frame makes the deadline its idle timeout.
        _ = c.receive([0x94, 0xC3, 0x00, 0x10, 0x01], now: 10)
        #expect(c.nextDeadline == 10 + c.options.frameIdleSeconds)
    }
}
