import LoRaPHY
import MeshChannel
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// The virtual radios' MQTT module in client-proxy mode, driven sans-I/O: the test plays the
/// two gateway clients and the broker (it carries each uplinked publish to the other gate).
@Suite struct MQTTProxyTests {
    /// What `lora-msg gateway --configure` asks of a gate radio, as admin packets to itself.
    static func configurePackets(_ info: RadioInfo) -> [MeshPacket] {
        var channel = info.primaryChannel ?? Channel()
        var settings = channel.settings ?? ChannelSettings()
        settings.uplinkEnabled = true; settings.downlinkEnabled = true
        channel.settings = settings
        var lora = info.lora ?? LoRaConfig(); lora.ignoreMqtt = false
        var mqtt = info.mqtt ?? MQTTConfig()
        mqtt.enabled = true; mqtt.proxyToClientEnabled = true; mqtt.address = "127.0.0.1"; mqtt.encryptionEnabled = true
        return [AdminMessage(.setChannel(channel)), AdminMessage(.setConfig(Config(.lora(lora)))),
                AdminMessage(.setModuleConfig(ModuleConfig(mqtt: mqtt)))].map { admin in
            var p = MeshPacket(); p.to = info.nodeNum
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.adminApp), payload: admin.encoded()))
            return p
        }
    }

    struct Valleys {
        var m: MeshBench
        let north: Int, aGate: Int, bGate: Int, east: Int
        var carried = 0
        init() throws { try self.init(.twoValleys) }

        func publishes(at s: Int) -> [MqttClientProxyMessage] {
            m.events[s].compactMap { if case .mqttProxy(let p) = $0 { return p } else { return nil } }
        }

        /// The broker: every publish from one gate goes down to the other, once.
        mutating func relayBroker(from: Int, to: Int) {
            let all = publishes(at: from)
            for p in all.dropFirst(carried) { m.handle(m.sessions[to].proxy(p, now: m.now), station: to) }
            carried = all.count
        }
    }

    @Test func gatesComeBackInProxyModeAfterTheReboot() throws {
        let v = try Valleys()
        for gate in [v.aGate, v.bGate] {
            let info = v.m.sessions[gate].info
            #expect(info.mqtt?.enabled == true && info.mqtt?.proxyToClientEnabled == true)
            #expect(info.primaryChannel?.settings?.uplinkEnabled == true)
            #expect(info.lora?.ignoreMqtt == false)
            #expect(info.mqtt?.root == "msh/EU_868")
            #expect(v.m.events[gate].contains(.rebooted))
        }
    }

    @Test func aDirectMessageCrossesToTheOtherValleyAndItsAckComesBack() throws {
        var v = try Valleys()
        let eastNum = v.m.air.radio(v.east).identity.nodeNum
        let id = v.m.send(from: v.north, privatePacket(to: eastNum, Array("over the hills".utf8)))
        var aCarried = 0, bCarried = 0
        for _ in 0..<200 {
            v.m.run(for: 0.2)
            let up = v.publishes(at: v.aGate)
            for p in up.dropFirst(aCarried) { v.m.handle(v.m.sessions[v.bGate].proxy(p, now: v.m.now), station: v.bGate) }
            aCarried = up.count
            let back = v.publishes(at: v.bGate)
            for p in back.dropFirst(bCarried) { v.m.handle(v.m.sessions[v.aGate].proxy(p, now: v.m.now), station: v.aGate) }
            bCarried = back.count
        }
        let got = v.m.received(at: v.east, id: id)
        #expect(got.count == 1)
        #expect(got.first?.viaMqtt == true)
        #expect(got.first?.decoded?.payload == Array("over the hills".utf8))
        #expect(v.m.deliveries(at: v.north, id: id).contains(.acked(by: eastNum)))

        // What went over the broker: ServiceEnvelopes on the firmware's topic, channel-encrypted.
        let first = try #require(v.publishes(at: v.aGate).first)
        #expect(first.topic == "msh/EU_868/2/e/LongFast/\(v.m.air.radio(v.aGate).identity.nodeID)")
        guard case .data(let bytes)? = first.payload else { Issue.record("not data"); return }
        let env = try ServiceEnvelope(decoding: bytes)
        #expect(env.channelID == "LongFast")
        guard case .encrypted(let cipher)? = env.packet?.payloadVariant else { Issue.record("uplinked in clear"); return }
        #expect(!cipher.isEmpty && env.packet?.channel == 8)
        #expect(!bytes.containsSubsequence(Array("over the hills".utf8)))
    }

    @Test func whatCameFromTheBrokerNeverGoesBackUp() throws {
        var v = try Valleys()
        let id = v.m.send(from: v.north, textBroadcast("to everyone"))
        v.m.run(for: 10)
        v.relayBroker(from: v.aGate, to: v.bGate)
        v.m.run(for: 20)
        #expect(v.m.received(at: v.east, id: id).count == 1)
        // b-gate relayed it on LoRa but did not publish it again (via_mqtt).
        #expect(!v.publishes(at: v.bGate).contains { p in
            guard case .data(let b)? = p.payload, let e = try? ServiceEnvelope(decoding: b) else { return false }
            return e.packet?.id == id
        })
        // The same publish again (a replay) is a duplicate for b-gate: nothing new reaches east.
        v.carried = 0
        v.relayBroker(from: v.aGate, to: v.bGate)
        v.m.run(for: 20)
        #expect(v.m.received(at: v.east, id: id).count == 1)
    }

    @Test func aRadioWithIgnoreMqttDropsWhatCrossedTheBroker() throws {
        var scenario = Scenario.twoValleys
        scenario.nodes[3].ignoreMqtt = nil   // b-east as EU firmware leaves it: on
        var v = try Valleys(scenario)
        let id = v.m.send(from: v.north, textBroadcast("unheard"))
        v.m.run(for: 10)
        v.relayBroker(from: v.aGate, to: v.bGate)
        v.m.run(for: 20)
        #expect(v.m.received(at: v.bGate, id: id).count == 1)
        #expect(v.m.received(at: v.east, id: id).isEmpty)
        #expect(v.m.air.records.contains(.ignoredMQTT(station: v.east, from: v.m.air.radio(v.north).identity.nodeNum, id: id)))
    }

    /// The firmware's downlink checks, one publish each, straight into b-gate.
    @Test func downlinkRefusesWhatTheFirmwareRefuses() throws {
        var v = try Valleys()
        let gate = v.m.air.radio(v.bGate)
        let key = ChannelKey(psk: [1])
        func publish(_ env: ServiceEnvelope?, raw: [UInt8]? = nil, text: Bool = false) -> Int {
            let before = v.m.air.records.count
            let bytes = raw ?? env!.encoded()
            let payload: MqttClientProxyMessage.Payload = text ? .text(String(decoding: bytes, as: UTF8.self)) : .data(bytes)
            v.m.handle(v.m.sessions[v.bGate].proxy(MqttClientProxyMessage(topic: "msh/EU_868/2/e/LongFast/!x", payload: payload), now: v.m.now), station: v.bGate)
            v.m.run(for: 0.5)
            return v.m.air.records.dropFirst(before).filter { if case .fromMQTT = $0 { return true } else { return false } }.count
        }
        func packet(from: UInt32, id: UInt32, hop: UInt32 = 3) throws -> MeshPacket {
            var p = MeshPacket(); p.from = from; p.to = MeshPacket.broadcast; p.id = id; p.hopLimit = hop; p.hopStart = hop
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [1, 2, 3]))
            return try ChannelCipher.seal(p, key: key, channelHash: 8)
        }
        let stranger: UInt32 = 0x0BAD_F00D
        #expect(try publish(ServiceEnvelope(packet: packet(from: stranger, id: 1), channelID: "LongFast", gatewayID: "!00000001")) == 1)
        #expect(publish(nil, raw: []) == 0)                                   // empty
        #expect(publish(nil, raw: [0xFF, 0x00, 0x13]) == 0)                   // garbage
        #expect(try publish(ServiceEnvelope(packet: packet(from: stranger, id: 2), channelID: "", gatewayID: "!00000001")) == 0)
        #expect(try publish(ServiceEnvelope(packet: packet(from: stranger, id: 3), channelID: "Other", gatewayID: "!00000001")) == 0)
        #expect(try publish(ServiceEnvelope(packet: packet(from: stranger, id: 4), channelID: "LongFast", gatewayID: gate.identity.nodeID)) == 0)   // our own uplink
        #expect(try publish(ServiceEnvelope(packet: packet(from: gate.identity.nodeNum, id: 5), channelID: "LongFast", gatewayID: "!00000001")) == 0)   // from us
        #expect(try publish(ServiceEnvelope(packet: packet(from: stranger, id: 6, hop: 9), channelID: "LongFast", gatewayID: "!00000001")) == 0)
        #expect(try publish(ServiceEnvelope(packet: packet(from: MeshPacket.broadcast, id: 7), channelID: "LongFast", gatewayID: "!00000001")) == 0)
        var clear = try packet(from: stranger, id: 8); clear.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [9]))
        #expect(publish(ServiceEnvelope(packet: clear, channelID: "LongFast", gatewayID: "!00000001")) == 0)   // decoded while encryption is on
        var wrongKey = try packet(from: stranger, id: 9)
        wrongKey = try ChannelCipher.seal({ var p = wrongKey; p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [1])); return p }(),
                                      key: ChannelKey(psk: Array(repeating: 7, count: 16)), channelHash: 8)
        #expect(publish(ServiceEnvelope(packet: wrongKey, channelID: "LongFast", gatewayID: "!00000001")) == 0)
        #expect(try publish(ServiceEnvelope(packet: packet(from: stranger, id: 1), channelID: "LongFast", gatewayID: "!00000002")) == 0)   // replay of id 1
    }
}

extension MQTTProxyTests.Valleys {
    init(_ scenario: Scenario) throws {
        self.m = MeshBench(scenario, seed: 4)
        m.connectAll()
        north = try #require(m.air.station(named: "a-north")); aGate = try #require(m.air.station(named: "a-gate"))
        bGate = try #require(m.air.station(named: "b-gate")); east = try #require(m.air.station(named: "b-east"))
        for gate in [aGate, bGate] {
            for p in MQTTProxyTests.configurePackets(m.sessions[gate].info) { _ = m.send(from: gate, p) }
        }
        m.run(for: 12)
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { Array(self[$0..<$0 + needle.count]) == needle }
    }
}
