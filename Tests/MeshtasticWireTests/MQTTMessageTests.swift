import Testing
import TestSupport
@testable import MeshtasticWire

/// The MQTT client-proxy messages: typed, against the official classes' bytes where we have
/// them, and bad input.
@Suite struct MQTTMessageTests {
    /// The official Python classes' ToRadio (wire-vectors.json, "toradio-mqtt-proxy").
    @Test func theOfficialProxyFrameDecodesTyped() throws {
        let bytes = fromHex("32160a0e6d73682f45555f3836382f322f65120208012001")
        let m = try ToRadio(decoding: bytes)
        guard case .mqttClientProxyMessage(let p)? = m.payloadVariant else { Issue.record("not a proxy message"); return }
        #expect(p.topic == "msh/EU_868/2/e" && p.payload == .data([0x08, 0x01]) && p.retained)
        #expect(m.encoded() == bytes)
    }

    @Test func textPayloadAndEmptyDataKeepTheirVariant() throws {
        let t = MqttClientProxyMessage(topic: "msh/2/json", payload: .text(""))
        #expect(try MqttClientProxyMessage(decoding: t.encoded()).payload == .text(""))
        let d = MqttClientProxyMessage(topic: "t", payload: .data([]))
        #expect(try MqttClientProxyMessage(decoding: d.encoded()).payload == .data([]))
        #expect(try MqttClientProxyMessage(decoding: MqttClientProxyMessage(topic: "t", payload: nil).encoded()).payload == nil)
        // FromRadio 14 carries the same message up.
        let up = FromRadio(.mqttClientProxyMessage(d))
        #expect(try FromRadio(decoding: up.encoded()) == up)
    }

    @Test func aServiceEnvelopeRoundTrips() throws {
        var p = MeshPacket()
        p.from = 0x0435DC00; p.to = MeshPacket.broadcast; p.id = 7; p.channel = 8
        p.payloadVariant = .encrypted([1, 2, 3, 4])
        let e = ServiceEnvelope(packet: p, channelID: "LongFast", gatewayID: "!0435dc00")
        let bytes = e.encoded()
        #expect(bytes.first == 0x0A && bytes.contains(0x12) && bytes.contains(0x1A))
        let back = try ServiceEnvelope(decoding: bytes)
        #expect(back == e && back.packet?.id == 7 && back.channelID == "LongFast" && back.gatewayID == "!0435dc00")
    }

    @Test func truncatedAndGarbageAreErrorsNotTraps() throws {
        let good = ServiceEnvelope(packet: MeshPacket(), channelID: "LongFast", gatewayID: "!0435dc00").encoded()
        for n in 1..<good.count { _ = try? ServiceEnvelope(decoding: Array(good.prefix(n))) }
        #expect(throws: WireError.self) { try ServiceEnvelope(decoding: Array(good.dropLast())) }
        #expect(throws: WireError.self) { try MqttClientProxyMessage(decoding: [0x0A, 0x10, 0x61]) }
        for junk in SeededGenerator.garbage(seed: 14) {
            _ = try? ServiceEnvelope(decoding: junk)
            _ = try? MqttClientProxyMessage(decoding: junk)
        }
    }
}
