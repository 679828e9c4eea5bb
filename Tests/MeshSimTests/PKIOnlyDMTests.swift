import LoRaPHY
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// Router::perhapsEncode (firmware 2.7.26 and 2.8): a DM from our radio goes PKI or not at all.
struct PKIOnlyDMTests {
    func bench(knowing nodes: [NodeInfo]) -> Bench {
        var settings = VirtualRadio.Settings()
        settings.bootDelaySeconds = 0
        settings.knownNodes = nodes
        var a = Bench(node: 0xA1, name: "North", settings: settings)
        // A radio with keys of its own (every 2.x radio makes them on first boot).
        var me = VirtualRadio.Identity(nodeNum: 0xA1, longName: "North", shortName: "No")
        me.publicKey = Array(repeating: 9, count: 32)
        a.radio = VirtualRadio(identity: me, settings: settings, bootedAt: 0)
        a.connect()
        return a
    }

    func node(_ num: UInt32, key: [UInt8]) -> NodeInfo {
        var id = VirtualRadio.Identity(nodeNum: num, longName: "East", shortName: "E")
        id.publicKey = key
        return id.nodeInfo
    }

    /// `wouldEncryptWithPKC` and no key in the node database: PKI_SEND_FAIL_PUBLIC_KEY
    /// ("refusing to send legacy DM"), told in the QueueStatus (MeshService::sendToMesh) and by
    /// the NAK of abortSendAndNak; nothing goes on the air.
    @Test func aDMToANodeWithoutAKeyIsRefused() {
        var a = bench(knowing: [node(0xB2, key: [])])
        let id = a.send(privatePacket(to: 0xB2))
        #expect(a.deliveries(id).first == .failed(.refused(code: 39)))
        #expect(a.onAir.isEmpty)
        // Never heard of at all: the same.
        let other = a.send(privatePacket(to: 0xC3))
        #expect(a.deliveries(other).first == .failed(.refused(code: 39)))
        #expect(a.onAir.isEmpty)
    }

    @Test func aDMToAKnownKeyGoesPKIAndABroadcastNeedsNoKey() {
        var a = bench(knowing: [node(0xB2, key: Array(repeating: 7, count: 32))])
        let dm = a.send(privatePacket(to: 0xB2))
        #expect(a.deliveries(dm).first == .queued)
        #expect(a.onAir.count == 1 && a.onAir[0].pkiEncrypted && a.onAir[0].channel == 0)
        var b = privatePacket(to: MeshPacket.broadcast); b.wantAck = false
        let bc = a.send(b)
        #expect(a.deliveries(bc).first == .queued)
        #expect(a.onAir.count == 2 && !a.onAir[1].pkiEncrypted)
    }

    /// Data (with the bitfield the radio adds) over 255 − 16 bytes is TOO_LARGE for anyone: 231
    /// bytes of payload on PRIVATE_APP; a PKI DM has 12 bytes less (219), where the same
    /// payload still goes as a broadcast.
    @Test func tooLargeCountsThePKIOverhead() {
        var a = bench(knowing: [node(0xB2, key: Array(repeating: 7, count: 32))])
        let dm = a.send(privatePacket(to: 0xB2, Array(repeating: 1, count: 220)))
        #expect(a.deliveries(dm).first == .failed(.refused(code: 7)))
        let fits = a.send(privatePacket(to: 0xB2, Array(repeating: 1, count: 219)))
        #expect(a.deliveries(fits).first == .queued)
        a.advance(to: a.now + 3)   // the radio's queue empties
        var b = privatePacket(to: MeshPacket.broadcast, Array(repeating: 1, count: 220)); b.wantAck = false
        let bid = a.send(b)
        a.advance(to: a.now + 3)
        #expect(a.deliveries(bid).first == .queued)
        var largest = privatePacket(to: MeshPacket.broadcast, Array(repeating: 1, count: 231)); largest.wantAck = false
        let lid = a.send(largest)
        a.advance(to: a.now + 3)
        #expect(a.deliveries(lid).first == .queued)
        var huge = privatePacket(to: MeshPacket.broadcast, Array(repeating: 1, count: 232)); huge.wantAck = false
        let hid = a.send(huge)
        a.advance(to: a.now + 3)
        #expect(a.deliveries(hid).first == .failed(.refused(code: 7)))
    }
}
