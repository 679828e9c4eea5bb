import MeshtasticWire
import Testing
@testable import MQTTNode
@testable import MeshChannel

/// The broker node sans-I/O: a client's packets become channel-encrypted publishes, broker
/// messages become packets for the client, and bad input is dropped.
@Suite struct MQTTNodeDeviceTests {
    static let me: UInt32 = 0x0C17_0001, valley: UInt32 = 0x9E27_1F45

    func connected() -> MQTTNodeDevice {
        var d = MQTTNodeDevice(settings: .init(nodeNum: Self.me))
        _ = d.receive(try! FrameEncoder.frame(ToRadio(.wantConfigId(69420))), now: 0)
        return d
    }

    func packets(_ out: [MQTTNodeDevice.Output]) -> [MeshPacket] {
        var decoder = FrameDecoder()
        return out.flatMap { o -> [MeshPacket] in
            guard case .write(let b) = o else { return [] }
            return decoder.feed(b).compactMap { e in
                guard case .frame(let f) = e, case .packet(let p)? = (try? FromRadio(decoding: f))?.payloadVariant else { return nil }
                return p
            }
        }
    }

    func envelope(from: UInt32, to: UInt32, id: UInt32, wantAck: Bool = false, gateway: String = "!b0b0b0b0", port: PortNum.Name = .privateApp) throws -> [UInt8] {
        var p = MeshPacket(); p.from = from; p.to = to; p.id = id; p.hopLimit = 3; p.hopStart = 3; p.wantAck = wantAck
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(port), payload: [0x06, 1, 2]))
        return ServiceEnvelope(packet: try ChannelCipher.seal(p, key: ChannelKey(psk: [1]), channelHash: 8), channelID: "LongFast", gatewayID: gateway).encoded()
    }

    @Test func aClientPacketIsPublishedEncryptedAndItsEchoIsAnImplicitAck() throws {
        var d = connected()
        var p = MeshPacket(); p.to = Self.valley; p.id = 42; p.wantAck = true
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array("secret words".utf8)))
        let out = d.receive(try FrameEncoder.frame(ToRadio(.packet(p))), now: 0)
        guard case .publish(let topic, let payload)? = out.last else { Issue.record("nothing published"); return }
        #expect(topic == "msh/EU_868/2/e/LongFast/" + User.nodeID(Self.me))
        let env = try ServiceEnvelope(decoding: payload)
        guard case .encrypted(let c)? = env.packet?.payloadVariant else { Issue.record("published in clear"); return }
        #expect(!c.isEmpty && env.packet?.from == Self.me && env.packet?.channel == 8)
        let opened = try #require(ChannelCipher.open(env.packet!, key: ChannelKey(psk: [1]), channelHash: 8))
        #expect(opened.decoded?.payload == Array("secret words".utf8))
        #expect(opened.decoded?.bitfield == 1)
        let echo = packets(d.fromBroker(topic: topic, payload: payload, now: 1))
        #expect(echo.first?.decoded?.requestId == 42 && echo.first?.from == Self.me)
        // No ACK from the far radio in time: a NAK, as the firmware's MAX_RETRANSMIT.
        #expect(d.tick(now: 30).isEmpty)
        let nak = packets(d.tick(now: 61))
        let routing = try Routing(decoding: try #require(nak.first?.decoded?.payload))
        #expect(routing.errorReason == RoutingError(.maxRetransmit))
    }

    @Test func aDirectMessageToUsIsDeliveredOnceAndAcked() throws {
        var d = connected()
        let bytes = try envelope(from: Self.valley, to: Self.me, id: 7, wantAck: true)
        let out = d.fromBroker(topic: "msh/EU_868/2/e/LongFast/!b0b0b0b0", payload: bytes, now: 0)
        #expect(packets(out).first?.decoded?.payload == [0x06, 1, 2])
        #expect(packets(out).first?.viaMqtt == true)
        guard case .publish(_, let ackBytes)? = out.first(where: { if case .publish = $0 { true } else { false } }) else {
            Issue.record("no ACK published"); return
        }
        let sealed = try #require(try ServiceEnvelope(decoding: ackBytes).packet)
        let ack = try #require(ChannelCipher.open(sealed, key: ChannelKey(psk: [1]), channelHash: 8))
        #expect(ack.to == Self.valley && ack.decoded?.requestId == 7 && ack.decoded?.portnum.rawValue == PortNum(.routingApp).rawValue)
        #expect(d.fromBroker(topic: "msh/EU_868/2/e/LongFast/!b0b0b0b0", payload: bytes, now: 5).isEmpty, "a replay")
    }

    @Test func badInputFromTheBrokerIsDropped() throws {
        var d = connected()
        let t = "msh/EU_868/2/e/LongFast/!b0b0b0b0"
        #expect(d.fromBroker(topic: t, payload: [], now: 0).isEmpty)
        #expect(d.fromBroker(topic: t, payload: [0xFF, 0x01, 0x02], now: 0).isEmpty)
        #expect(d.fromBroker(topic: t, payload: Array(repeating: 0x0A, count: 5000), now: 0).isEmpty)
        #expect(d.fromBroker(topic: "msh/US/2/e/LongFast/!b0b0b0b0", payload: try envelope(from: Self.valley, to: Self.me, id: 1), now: 0).isEmpty)
        #expect(d.fromBroker(topic: "garbage", payload: try envelope(from: Self.valley, to: Self.me, id: 2), now: 0).isEmpty)
        #expect(d.fromBroker(topic: t, payload: try envelope(from: Self.valley, to: 0x1234, id: 3), now: 0).isEmpty, "not for us")
        #expect(d.fromBroker(topic: t, payload: try envelope(from: Self.me, to: Self.me, id: 4), now: 0).isEmpty, "claims to be us")
        #expect(d.fromBroker(topic: t, payload: try envelope(from: MeshPacket.broadcast, to: Self.me, id: 5), now: 0).isEmpty)
        #expect(!d.fromBroker(topic: t, payload: try envelope(from: Self.valley, to: MeshPacket.broadcast, id: 6), now: 0).isEmpty, "a broadcast is ours")
    }
}
