import MeshtasticWire
import Testing
@testable import MeshSim

/// Firmware 2.8's node numbers (NodeDB::NodeDB: crc32Buffer of the public key) and how a radio
/// takes a stranger's key (Router.cpp verifyFirstContactNodeInfo; NodeDB::updateUser).
@Suite struct RadioIdentityTests {
    @Test func crc32IsTheIEEEOne() {
        // The check value of CRC-32/ISO-HDLC (zlib's crc32, ErriezCRC32).
        #expect(RadioIdentity.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(RadioIdentity.crc32([]) == 0)
    }

    @Test func a28RadiosNumberIsItsKeysCRCAndAnUpgradedOneLeavesAGhost() {
        var s = Scenario.twoRadios
        s.nodes[1].upgraded = true
        let air = MeshAir(scenario: s, seed: 1, epoch: 0)
        let bob = air.radio(1).identity
        #expect(bob.nodeNum == RadioIdentity.crc32(bob.publicKey))
        let atAlice = air.radio(0).settings.knownNodes
        #expect(!atAlice.contains { $0.num == bob.nodeNum }, "the new number is not known yet")
        let ghost = atAlice.first { $0.num == s.legacyNodeNum(of: s.nodes[1]) }
        #expect(ghost != nil && (ghost?.user?.publicKey.isEmpty ?? false), "the old number stays, without a key")
        var old = Scenario.twoRadios
        old.nodes[0].firmware = "2.7"
        #expect(MeshAir(scenario: old, seed: 1, epoch: 0).radio(0).identity.nodeNum == old.legacyNodeNum(of: old.nodes[0]))
    }

    private func nodeInfo(key: [UInt8], from: UInt32, signed: Bool, signingKey: [UInt8]? = nil) -> MeshPacket {
        var user = User(); user.longName = "newcomer"; user.publicKey = key
        var d = PacketData(portnum: PortNum(.nodeinfoApp), payload: user.encoded())
        var p = MeshPacket(); p.from = from; p.id = 0x5EED; p.to = MeshPacket.broadcast; p.hopStart = 3; p.hopLimit = 3
        if signed { d.xeddsaSignature = VirtualRadio.signature(key: signingKey ?? key, from: from, id: p.id, data: d) }
        p.payloadVariant = .decoded(d)
        return p
    }

    @Test func aSignedFirstContactMustComeFromItsKeysNumber() {
        let air = MeshAir(scenario: .twoRadios, seed: 1, epoch: 0)
        var radio = air.radio(0)
        let key = RadioIdentity.publicKey(name: "newcomer")
        let num = RadioIdentity.crc32(key)
        // Someone sends the newcomer's key under another number: dropped, nothing learned.
        var forged = nodeInfo(key: key, from: 0x1234_5678, signed: true)
        let forgedPasses = radio.passesSignaturePolicy(&forged)
        #expect(!forgedPasses)
        #expect(radio.publicKey(of: 0x1234_5678) == nil)
        // A signature by another key over the right number: dropped.
        var wrongSigner = nodeInfo(key: key, from: num, signed: true, signingKey: RadioIdentity.publicKey(name: "mallory"))
        let wrongPasses = radio.passesSignaturePolicy(&wrongSigner)
        #expect(!wrongPasses)
        // The real thing: taken, and marked signed.
        var real = nodeInfo(key: key, from: num, signed: true)
        let realPasses = radio.passesSignaturePolicy(&real)
        #expect(realPasses && real.xeddsaSigned)
        #expect(radio.publicKey(of: num) == key)
        // From then on it is a signer: an unsigned NodeInfo with another key changes nothing.
        _ = radio.heard(nodeInfo(key: RadioIdentity.publicKey(name: "other"), from: num, signed: false), now: 1)
        #expect(radio.publicKey(of: num) == key)
    }

    @Test func anUnsignedNodeInfoIsTakenOnFirstUseAndNeverReplaced() {
        let air = MeshAir(scenario: .twoRadios, seed: 1, epoch: 0)
        var radio = air.radio(0)
        let key = RadioIdentity.publicKey(name: "old-firmware")
        _ = radio.heard(nodeInfo(key: key, from: 0x00AB_CDEF, signed: false), now: 1)
        #expect(radio.publicKey(of: 0x00AB_CDEF) == key)
        _ = radio.heard(nodeInfo(key: RadioIdentity.publicKey(name: "impostor"), from: 0x00AB_CDEF, signed: false), now: 2)
        #expect(radio.publicKey(of: 0x00AB_CDEF) == key, "Public Key mismatch, dropping NodeInfo")
    }
}
