import Foundation
import Testing
@testable @_spi(KnownAnswer) import LoraCrypto

@Suite struct TransferTests {
    @Test func streamRoundTripsAndDeflatesWhenThatWins() throws {
        let english = Array(String(repeating: "the river is rising at the north bridge; bring the sheep up to the barn. ", count: 20).utf8)
        let s = TransferStream(type: .text, content: english)
        let bytes = try s.encoded()
        #expect(bytes[1] == 1, "deflated")
        #expect(bytes.count < english.count / 4)
        #expect(try TransferStream(decoding: bytes) == s)
        // Random bytes do not shrink: sent as they are.
        var x: UInt64 = 1
        let noise = (0..<3000).map { _ in x = x &* 6364136223846793005 &+ 1; return UInt8(x >> 56) }
        let f = TransferStream(type: .file, name: "map.png", mediaType: "image/png", content: noise)
        let fb = try f.encoded()
        #expect(fb[1] == 0)
        #expect(try TransferStream(decoding: fb) == f)
    }

    @Test func chunksSplitAndRefuseOversize() throws {
        let stream = [UInt8](repeating: 9, count: 1000)
        let chunks = try TransferStream.chunks(of: stream, transferID: 42)
        #expect(chunks.count == 7 && chunks.allSatisfy { $0.count == 7 } && chunks.last!.data.count == 1000 - 6 * 144)
        #expect(chunks.flatMap(\.data) == stream)
        #expect(throws: LoraCryptoError.self) { try TransferStream.chunks(of: [UInt8](repeating: 0, count: 128 * 144 + 1), transferID: 1) }
        #expect(throws: LoraCryptoError.self) { try TransferStream(type: .file, content: [UInt8](repeating: 0, count: 16 * 1024 + 1)).encoded() }
        // A chunk is at most 151 bytes of plaintext: one envelope of 200.
        #expect(SealedContent.chunk(chunks[0]).bytes.count == 151)
    }

    @Test func chunkAndStreamBadInput() throws {
        let c = try TransferChunk(transferID: 1, index: 0, count: 2, data: [1, 2, 3])
        #expect(try TransferChunk(bytes: c.bytes) == c)
        #expect(throws: LoraCryptoError.self) { try TransferChunk(bytes: c.bytes.prefix(6)) }            // no data
        var b = c.bytes; b[4] = 2                                                                        // index = count
        #expect(throws: LoraCryptoError.self) { try TransferChunk(bytes: b) }
        b = c.bytes; b[5] = 0
        #expect(throws: LoraCryptoError.self) { try TransferChunk(bytes: b) }
        b = c.bytes; b[5] = 129
        #expect(throws: LoraCryptoError.self) { try TransferChunk(bytes: b) }
        #expect(throws: LoraCryptoError.self) { try TransferChunk(bytes: c.bytes + [UInt8](repeating: 0, count: 144)) }
        let good = try TransferStream(type: .text, content: Array("hello".utf8)).encoded()
        for i in good.indices {   // every truncation and every single-byte change is refused
            #expect(throws: LoraCryptoError.self, "cut at \(i)") { try TransferStream(decoding: Array(good.prefix(i))) }
            var bad = good; bad[i] ^= 0x41
            #expect(throws: LoraCryptoError.self, "byte \(i)") { try TransferStream(decoding: bad) }
        }
        // A deflate bomb: says 16 bytes, inflates to more: refused without the allocation.
        var bomb = try TransferStream(type: .text, content: [UInt8](repeating: 0x61, count: 16_000)).encoded()
        bomb[2...5] = [0, 0, 0, 16]
        #expect(throws: LoraCryptoError.self) { try TransferStream(decoding: bomb) }
        #expect(throws: LoraCryptoError.self) { try TransferStream(decoding: [UInt8](repeating: 0xFF, count: 200)) }
    }

    @Test func transferReceiptRoundTripAndBadInput() throws {
        let me = try IdentityKeyPair.generate(), you = try IdentityKeyPair.generate()
        let key = try ContactKey(own: me, peer: you.publicKey)
        let held = (0..<120).map { $0 % 7 != 3 }
        let r = try DeliveryReceipt.make(holdings: .init(transferID: 0xDEADBEEF, held: held), node: 5, maker: me.senderID, key: key)
        #expect(r.bytes.count == 15 + 15 + 16)
        let back = try DeliveryReceipt(bytes: r.bytes)
        #expect(back.transfer?.held == held && back.transfer?.transferID == 0xDEADBEEF && back.verify(maker: me.senderID, key: key))
        var b = r.bytes; b[14] = 121                                // count disagrees with the length
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: b) }
        let odd = try DeliveryReceipt.make(holdings: .init(transferID: 1, held: [true, false, true]), node: 5, maker: me.senderID, key: key)
        b = odd.bytes; b[15] |= 0x80                                 // a bit past the last chunk
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: b) }
        b = odd.bytes; b[15] ^= 0x02                                 // a flipped bit fails the tag
        #expect(try !DeliveryReceipt(bytes: b).verify(maker: me.senderID, key: key))
    }
}
