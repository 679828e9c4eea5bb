import Foundation
import LoraCrypto
import MeshtasticWire
import Testing
@testable import LoraMessenger

/// Firmware 2.8 signs a broadcast only when its frame is at most 165 bytes (signedDataFits),
/// and a STRICT relay drops an unsigned one. What lora-msg broadcasts (to a contact whose node
/// is unknown) therefore fits: a text of up to 116 bytes as one frame, a longer one as chunks of
/// 109 bytes, each frame at most 165.
@Suite struct SignedBroadcastTests {
    /// 600 printable characters that deflate does not shrink much.
    static let text: String = {
        var g = SystemRandomNumberGenerator()
        return String((0..<600).map { _ in Character(Unicode.Scalar(UInt8.random(in: 33...126, using: &g))) })
    }()

    @Test func aTextToAnUnknownNodeFitsASignedFrame() throws {
        let (alice, bob) = try pair()
        let m = try alice.messenger.compose(to: "bob", text: String(repeating: "a", count: 116))
        #expect(m.envelope.count == 165 && m.toNode == nil)
        let c = try alice.messenger.contact(named: "bob")
        #expect(try alice.messenger.chatLimit(for: "bob") == 116, "chat offers what fits")
        // A longer one: chunks of 109 bytes of stream, each frame 165 bytes at most.
        let long = try alice.messenger.composeTransfer(TransferStream(type: .text, content: Array(Self.text.utf8)),
                                                      to: c, broadcast: false, channel: 0, hopLimit: nil)
        let chunks = try alice.messenger.outgoingChunks(to: c, transferID: try #require(long.transferID))
        #expect(chunks.count >= 2 && chunks.allSatisfy { $0.envelope.count <= 165 }, "\(chunks.map(\.envelope.count))")
        // It still reassembles at bob (the receiver concatenates, whatever the chunk size).
        var got: String?
        for (i, ch) in chunks.enumerated() {
            var p = heard(long, id: UInt32(100 + i), payload: ch.envelope)
            p.to = MeshPacket.broadcast
            if case .message(let shown) = bob.messenger.receive(p) { got = shown.text }
        }
        #expect(got == Self.text)
    }

    @Test func aDMKeepsTheFullFrame() throws {
        let (alice, _) = try pair()
        _ = try alice.messenger.setNode(named: "bob", node: "!00000b0b")
        let c = try alice.messenger.contact(named: "bob")
        #expect(try alice.messenger.chatLimit(for: "bob") == 151)
        let long = try alice.messenger.composeTransfer(TransferStream(type: .text, content: Array(Self.text.utf8)),
                                                      to: c, broadcast: false, channel: 0, hopLimit: nil)
        let chunks = try alice.messenger.outgoingChunks(to: c, transferID: try #require(long.transferID))
        #expect(chunks.first?.envelope.count == 200, "a DM's chunks carry 144 bytes: 200-byte frames")
    }

    @Test func theChunkSizeIsChecked() {
        #expect(throws: LoraCryptoError.self) { try TransferStream.chunks(of: [1, 2, 3], transferID: 1, size: 0) }
        #expect(throws: LoraCryptoError.self) { try TransferStream.chunks(of: [1, 2, 3], transferID: 1, size: 145) }
        #expect(TransferChunk.maxBroadcastDataBytes == 109 && LoraEnvelope.maxSignedBroadcastPlaintextBytes == 116)
    }
}
