import Testing
import TestSupport
@testable import MeshtasticWire

@Suite struct FrameDecoderTests {
    func frames(_ events: [FrameEvent]) -> [[UInt8]] {
        events.compactMap { if case .frame(let f) = $0 { return f } else { return nil } }
    }
    func texts(_ events: [FrameEvent]) -> [String] {
        events.compactMap { if case .text(let t) = $0 { return t } else { return nil } }
    }

    let hi: [UInt8] = [0x94, 0xC3, 0x00, 0x18, 0x0A, 0x16, 0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0x22, 0x06, 0x08, 0x01, 0x12,
                       0x02, 0x68, 0x69, 0x35, 0x78, 0x56, 0x34, 0x12, 0x48, 0x03, 0x50, 0x01]

    @Test func encoderMatchesTheFactsFileExample() throws {
        var p = MeshPacket()
        p.to = MeshPacket.broadcast; p.id = 0x12345678; p.hopLimit = 3; p.wantAck = true
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.textMessageApp), payload: Array("hi".utf8)))
        #expect(try FrameEncoder.frame(ToRadio(.packet(p))) == hi)
        #expect(try FrameEncoder.frame(ToRadio(.heartbeat(Heartbeat()))) == [0x94, 0xC3, 0x00, 0x02, 0x3A, 0x00])
        #expect(try FrameEncoder.frame([]) == [0x94, 0xC3, 0x00, 0x00])
    }

    @Test func encoderRefusesOversizedPayloads() throws {
        #expect(try FrameEncoder.frame([UInt8](repeating: 1, count: 512)).count == 516)
        #expect(throws: WireError.frameTooLarge(bytes: 513, limit: 512)) { try FrameEncoder.frame([UInt8](repeating: 1, count: 513)) }
    }

    /// Three frames, a log line and garbage, cut at every possible pair of places.
    @Test func everySplitPointGivesTheSameResult() throws {
        let big = try FrameEncoder.frame([UInt8](repeating: 0x94, count: 512))   // payload full of START1 bytes
        let stream = Array("INFO  | 12:00:01 boot\r\n".utf8) + hi + [0x00, 0x13, 0x37] + big + Array("tail\n".utf8)
            + [0x94, 0xC3, 0x00, 0x00]
        var whole = FrameDecoder()
        let expected = whole.feed(stream)
        #expect(frames(expected) == [Array(hi.dropFirst(4)), [UInt8](repeating: 0x94, count: 512), []])
        #expect(texts(expected).first == "INFO  | 12:00:01 boot")
        for cut1 in 0...stream.count {
            for cut2 in stride(from: cut1, through: stream.count, by: 37) {
                var d = FrameDecoder()
                let events = d.feed(Array(stream[..<cut1])) + d.feed(Array(stream[cut1..<cut2])) + d.feed(Array(stream[cut2...]))
                #expect(events == expected, "cut at \(cut1), \(cut2)")
            }
        }
        // One byte at a time.
        var d = FrameDecoder()
        var events: [FrameEvent] = []
        for b in stream { events += d.feed([b]) }
        #expect(events == expected)
    }

    @Test func logTextBeforeAndBetweenFramesWithANSIColours() {
        let log = Array("\u{1B}[34mDEBUG\u{1B}[0m | 00:00:03 7 [Router] Lora RX\r\n".utf8)
        var d = FrameDecoder()
        let events = d.feed(log + hi + Array("garbage without newline ".utf8) + hi + Array("more\r\n".utf8))
        #expect(frames(events).count == 2)
        #expect(texts(events) == ["DEBUG | 00:00:03 7 [Router] Lora RX", "garbage without newline more"])
    }

    @Test func doubledStart1KeepsTheFrame() {
        var d = FrameDecoder()
        let events = d.feed([0x94] + hi)
        #expect(frames(events) == [Array(hi.dropFirst(4))])
        var e = FrameDecoder()
        #expect(frames(e.feed([0x94, 0x94, 0x94] + hi)) == [Array(hi.dropFirst(4))])
    }

    @Test func length513IsRejectedAndTheStreamResyncs() {
        var d = FrameDecoder()
        let bogus: [UInt8] = [0x94, 0xC3, 0x02, 0x01]   // 513
        let events = d.feed(bogus + [UInt8](repeating: 0x41, count: 20) + hi)
        #expect(frames(events) == [Array(hi.dropFirst(4))])
        #expect(!d.isInsideFrame)
        // 512 exactly is accepted.
        var e = FrameDecoder()
        #expect(frames(e.feed([0x94, 0xC3, 0x02, 0x00] + [UInt8](repeating: 7, count: 512))).first?.count == 512)
    }

    @Test func headerInsideARejectedHeaderIsFound() {
        // 94 C3 94 C3 00 02 … : the first "length" (0x94C3) is impossible; the real frame
        // starts two bytes later.
        var d = FrameDecoder()
        let events = d.feed([0x94, 0xC3, 0x94, 0xC3, 0x00, 0x02, 0x3A, 0x00])
        #expect(frames(events) == [[0x3A, 0x00]])
    }

    @Test func utf8TextContainingTheMagicPairIsNotAFrame() {
        // "Ôé" is C3 94 C3 A9: 94 C3 appears, but the length would be ≥ 0xA900.
        var d = FrameDecoder()
        let events = d.feed(Array("Grüße Ôé aus dem Tal\n".utf8) + hi)
        #expect(texts(events) == ["Grüße Ôé aus dem Tal"])
        #expect(frames(events) == [Array(hi.dropFirst(4))])
    }

    @Test func zeroLengthFrames() {
        var d = FrameDecoder()
        #expect(d.feed([0x94, 0xC3, 0x00, 0x00, 0x94, 0xC3, 0x00, 0x00]) == [.frame([]), .frame([])])
    }

    @Test func truncatedFrameThenAGoodOne() {
        // Without a pause the truncated frame swallows the next one's bytes, as on the
        // firmware; a later frame is still found.
        var d = FrameDecoder()
        let truncated: [UInt8] = [0x94, 0xC3, 0x00, 0x10, 0x01, 0x02, 0x03]
        let events = d.feed(truncated + hi + hi)
        #expect(frames(events).count == 2)           // the swallowed bytes, then the last frame whole
        #expect(frames(events).last == Array(hi.dropFirst(4)))
        // With a pause (the driver calls idle()), the partial frame is dropped and nothing is lost.
        var e = FrameDecoder()
        var got = e.feed(truncated)
        got += e.idle()
        got += e.feed(hi)
        #expect(got.contains(.discarded(count: 7)))
        #expect(frames(got) == [Array(hi.dropFirst(4))])
    }

    @Test func preambleFlushesAHalfHeader() {
        // The client's wake preamble, 32 × C3, pushes a half-seen header back to hunting.
        var d = FrameDecoder()
        _ = d.feed([0x94])
        _ = d.feed(StreamFraming.wakePreamble)
        #expect(!d.isInsideFrame)
        #expect(frames(d.feed(hi)) == [Array(hi.dropFirst(4))])
    }

    @Test func neverHoldsMoreThanOneFrameOrLine() {
        var d = FrameDecoder()
        // A 10 kB line with no newline comes out in bounded pieces.
        let events = d.feed([UInt8](repeating: 0x41, count: 10_000))
        #expect(texts(events).allSatisfy { $0.utf8.count <= FrameDecoder.maxTextLine })
        #expect(texts(events).count == 10_000 / FrameDecoder.maxTextLine)
    }

    @Test func garbageNeverTraps() {
        var rng = SeededGenerator(seed: 7)
        var d = FrameDecoder()
        for _ in 0..<2_000 {
            let chunk = (0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for event in d.feed(chunk) {
                if case .frame(let f) = event { #expect(f.count <= 512) }
            }
        }
        _ = d.idle()
        #expect(!d.isInsideFrame)
    }
}
