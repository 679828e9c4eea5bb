import Foundation
import MeshtasticWire
import Testing
@testable import MeshChannel

private func hex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.makeIterator()
    while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
    return out
}

/// The channel layer against vectors computed with pyca/cryptography and the official
/// protobuf classes (Scripts/gen-channel-vectors.py), following the firmware's layout.
@Suite struct ChannelCipherTests {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let channel: String, psk_hex: String, key_hex: String, hash: Int
        let packet_id: UInt32, from: UInt32
        let data_hex: String, ciphertext_hex: String, service_envelope_hex: String
        var testDescription: String { "\(channel) psk \(psk_hex.prefix(8))" }
    }

    static let vectors: [Vector] = {
        struct File: Decodable { let vectors: [Vector] }
        guard let url = Bundle.module.url(forResource: "Fixtures/channel-vectors", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode(File.self, from: data).vectors) ?? []
    }()

    @Test func vectorsLoaded() { #expect(Self.vectors.count == 7) }

    @Test(arguments: vectors) func keyHashAndCipherMatch(_ v: Vector) throws {
        let key = ChannelKey(psk: hex(v.psk_hex))
        #expect(key.bytes == hex(v.key_hex))
        #expect(Int(key.hash(channelName: v.channel)) == v.hash)
        #expect(try ChannelCipher.apply(hex(v.data_hex), key: key, packetID: v.packet_id, from: v.from) == hex(v.ciphertext_hex))

        // Sealing a decoded packet gives the same ciphertext, and the ServiceEnvelope the
        // official classes wrote decodes and opens back to the Data.
        let env = try ServiceEnvelope(decoding: hex(v.service_envelope_hex))
        let packet = try #require(env.packet)
        #expect(env.channelID == v.channel)
        let opened = try #require(ChannelCipher.open(packet, key: key, channelHash: UInt8(v.hash)))
        #expect(opened.decoded?.encoded() == hex(v.data_hex))
        var plain = packet
        plain.payloadVariant = .decoded(try PacketData(decoding: hex(v.data_hex)))
        let sealed = try ChannelCipher.seal(plain, key: key, channelHash: UInt8(v.hash))
        #expect(sealed.encoded() == packet.encoded())
    }

    /// The well-known figure: the default channel "LongFast" on the default key has hash 8.
    @Test func longFastOnTheDefaultKeyHashesToEight() {
        #expect(ChannelKey(psk: [1]).hash(channelName: "LongFast") == 8)
        #expect(ChannelKey(psk: [1]).isPublic)
        #expect(ChannelKey(psk: [5]).isPublic)
        #expect(!ChannelKey(psk: Array(repeating: 9, count: 32)).isPublic)
    }

    @Test func wrongHashWrongKeyAndGarbageDoNotOpen() throws {
        let key = ChannelKey(psk: [1])
        var p = MeshPacket()
        p.from = 0x1234; p.id = 77; p.to = MeshPacket.broadcast
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array("secret".utf8)))
        let sealed = try ChannelCipher.seal(p, key: key, channelHash: 8)
        #expect(ChannelCipher.open(sealed, key: key, channelHash: 9) == nil)
        #expect(ChannelCipher.open(sealed, key: ChannelKey(psk: Array(repeating: 3, count: 16)), channelHash: 8) == nil)
        var junk = sealed
        junk.payloadVariant = .encrypted([0xFF, 0xFF, 0xFF])
        #expect(ChannelCipher.open(junk, key: key, channelHash: 8) == nil)
        junk.payloadVariant = .encrypted([])
        #expect(ChannelCipher.open(junk, key: key, channelHash: 8) == nil)
        #expect(ChannelCipher.open(p, key: key, channelHash: 0) == nil)   // not encrypted at all
        // Truncated ciphertext: CTR keeps going, the Data does not decode to what was sent.
        if case .encrypted(let e)? = sealed.payloadVariant {
            var cut = sealed; cut.payloadVariant = .encrypted(Array(e.prefix(e.count - 3)))
            #expect(ChannelCipher.open(cut, key: key, channelHash: 8)?.decoded?.payload != Array("secret".utf8))
        }
    }

    @Test func topicsSplitTheFirmwaresWay() {
        let t = MQTTTopic(parsing: "msh/EU_868/2/e/LongFast/!a1b2c3d4")
        #expect(t == MQTTTopic(root: "msh/EU_868", channelID: "LongFast", gatewayID: "!a1b2c3d4"))
        #expect(t?.description == "msh/EU_868/2/e/LongFast/!a1b2c3d4")
        #expect(MQTTTopic.subscription(root: "msh", channelID: "LongFast") == "msh/2/e/LongFast/+")
        for bad in ["", "msh", "msh/2/e/LongFast", "msh/2/c/LongFast/!x", "2/e/LongFast/!x", "msh/2/e//!x",
                    "msh/2/e/LongFast/", String(repeating: "a/", count: 500)] {
            #expect(MQTTTopic(parsing: bad) == nil, "\(bad.prefix(30))")
        }
    }
}
