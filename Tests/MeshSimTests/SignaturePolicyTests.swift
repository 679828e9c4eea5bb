import LoRaPHY
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// Firmware 2.8's XEdDSA (Router.cpp): perhapsEncode signs our own non-PKI broadcast when
/// `signedDataFits`; checkXeddsaReceivePolicy (in passesRoutingAuthGate, before any relay)
/// applies packet_signature_policy.
struct SignaturePolicyTests {
    func broadcast(_ bytes: Int) -> MeshPacket {
        var p = MeshPacket()
        p.to = MeshPacket.broadcast
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array(repeating: 0x5A, count: bytes)))
        return p
    }

    /// 165 bytes of PRIVATE_APP payload is the largest a radio still signs: Data 3 + 3 + 165 +
    /// bitfield 2 + signature 66, with the 16-byte header, is 255.
    @Test func aRadioSignsItsOwnBroadcastsUpTo165Bytes() {
        var b = MeshBench(.twoRadios)
        b.connectAll()
        let small = b.send(from: 0, broadcast(165))
        b.run(for: 4)
        let large = b.send(from: 0, broadcast(166))
        b.run(for: 4)
        let heardSmall = b.received(at: 1, id: small), heardLarge = b.received(at: 1, id: large)
        #expect(heardSmall.count == 1 && heardSmall[0].xeddsaSigned && heardSmall[0].decoded?.xeddsaSignature.count == 64)
        #expect(heardLarge.count == 1 && !heardLarge[0].xeddsaSigned && heardLarge[0].decoded?.xeddsaSignature.isEmpty == true)
        // The signature costs 66 bytes of airtime.
        let air = b.air.records.compactMap { if case let .transmitted(0, _, id, _, ms) = $0, id == small { ms } else { nil } }
        #expect(air.first == LoRaPreset.longFast.modem.timeOnAirMilliseconds(bytes: 16 + 173 + 66))
    }

    @Test func aDMIsNeverSignedAndAClientsSignatureIsDiscarded() {
        var b = MeshBench(.twoRadios)
        b.connectAll()
        var forged = broadcast(20)
        if var d = forged.decoded { d.xeddsaSignature = Array(repeating: 1, count: 64); forged.payloadVariant = .decoded(d) }
        let id = b.send(from: 0, forged)
        var dm = broadcast(20); dm.to = b.air.radio(1).identity.nodeNum
        let dmID = b.send(from: 0, dm)
        b.run(for: 6)
        #expect(b.received(at: 1, id: id).first?.xeddsaSigned == true, "re-signed by the radio itself")
        #expect(b.received(at: 1, id: dmID).first.map { !$0.xeddsaSigned && $0.decoded?.xeddsaSignature.isEmpty == true } == true)
    }

    /// A STRICT relay drops the unsigned broadcast instead of relaying it; the signed one goes
    /// through. A 2.7 sender signs nothing, so behind a STRICT relay its broadcasts end there.
    @Test func aStrictRelayCarriesOnlySignedBroadcasts() {
        var s = Scenario.line5
        s.nodes[1].signaturePolicy = "STRICT"
        var b = MeshBench(s)
        b.connectAll()
        let signed = b.send(from: 0, broadcast(100))
        b.run(for: 20)
        let unsigned = b.send(from: 0, broadcast(200))
        b.run(for: 20)
        #expect(b.received(at: 2, id: signed).count == 1)
        #expect(b.received(at: 2, id: unsigned).isEmpty)
        #expect(b.received(at: 1, id: unsigned).isEmpty, "not delivered at the STRICT radio either")
        #expect(b.air.records.contains { if case .refusedUnsigned(1, _, unsigned) = $0 { true } else { false } })
    }

    @Test func balancedDropsOnlyAKnownSignersUnsignedSignableBroadcast() {
        var radio = VirtualRadio(identity: .init(nodeNum: 0xB2, longName: "B", shortName: "B"), settings: {
            var st = VirtualRadio.Settings()
            st.signaturePolicy = .balanced
            var signer = VirtualRadio.Identity(nodeNum: 0xA1, longName: "A", shortName: "A")
            signer.publicKey = Array(repeating: 3, count: 32)
            st.knownNodes = [signer.nodeInfo]
            return st
        }(), bootedAt: 0)
        var p = broadcast(50); p.from = 0xA1; p.id = 1
        let first = radio.passesSignaturePolicy(&p)
        #expect(first, "not yet known to sign")
        var signed = broadcast(50); signed.from = 0xA1; signed.id = 2
        if var d = signed.decoded { d.xeddsaSignature = VirtualRadio.signature(key: Array(repeating: 3, count: 32), from: 0xA1, id: 2, data: d); signed.payloadVariant = .decoded(d) }
        let verified = radio.passesSignaturePolicy(&signed)
        #expect(verified && signed.xeddsaSigned)
        var downgraded = broadcast(50); downgraded.from = 0xA1; downgraded.id = 3
        let downgradedPasses = radio.passesSignaturePolicy(&downgraded)
        #expect(!downgradedPasses, "a signer's unsigned broadcast that could carry a signature")
        var big = broadcast(200); big.from = 0xA1; big.id = 4
        let bigPasses = radio.passesSignaturePolicy(&big)
        #expect(bigPasses, "too big to sign: never dropped")
        var bad = signed; bad.id = 5
        let badPasses = radio.passesSignaturePolicy(&bad)
        #expect(!badPasses, "a signature that does not verify")
        var torn = broadcast(50); torn.from = 0xA1
        if var d = torn.decoded { d.xeddsaSignature = [1, 2, 3]; torn.payloadVariant = .decoded(d) }
        let tornPasses = radio.passesSignaturePolicy(&torn)
        #expect(!tornPasses, "malformed length")
    }

    @Test func scenarioFieldsAreChecked() throws {
        var s = Scenario.twoRadios
        s.nodes[0].signaturePolicy = "balanced"; s.nodes[1].firmware = "2.7"
        try s.validate()
        let air = MeshAir(scenario: s, seed: 1, epoch: 0)
        #expect(air.radio(0).settings.signaturePolicy == .balanced && air.radio(1).settings.signsBroadcasts == false)
        s.nodes[0].signaturePolicy = "paranoid"
        #expect(throws: ScenarioError.self) { try s.validate() }
        s.nodes[0].signaturePolicy = nil; s.nodes[0].firmware = "3.0"
        #expect(throws: ScenarioError.self) { try s.validate() }
    }
}
