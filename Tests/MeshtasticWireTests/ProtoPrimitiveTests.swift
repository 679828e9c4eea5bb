import Testing
import TestSupport
@testable import MeshtasticWire

@Suite struct ProtoPrimitiveTests {
    func varint(_ bytes: [UInt8]) throws(WireError) -> UInt64 {
        var r = ProtoReader(bytes)
        let v = try r.readVarint()
        #expect(r.isAtEnd)
        return v
    }

    @Test func varintsRoundTripAtEveryWidth() throws {
        for shift in 0..<64 {
            for v in [UInt64(1) << shift, (UInt64(1) << shift) &- 1, UInt64.max >> (63 - shift)] {
                var w = ProtoWriter()
                w.appendVarint(v)
                #expect(try varint(w.bytes) == v)
                #expect(w.bytes.count <= 10)
            }
        }
    }

    @Test func varintLimits() throws {
        #expect(try varint([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) == UInt64.max)
        // 10th byte may carry only one bit.
        #expect(throws: WireError.varintTooLong) { try varint([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]) }
        // 11 bytes.
        #expect(throws: WireError.varintTooLong) { try varint([UInt8](repeating: 0x80, count: 10) + [0x00]) }
        #expect(throws: WireError.varintTooLong) { try varint([UInt8](repeating: 0xFF, count: 64)) }
        // Non-minimal forms (redundant zero groups) are accepted, as nanopb and swift-protobuf do.
        #expect(try varint([0x80, 0x00]) == 0)
        #expect(try varint([0x81, 0x80, 0x00]) == 1)
        #expect(try varint([0x00]) == 0)
        // Truncated.
        #expect(throws: WireError.truncated) { try varint([0x80]) }
        #expect(throws: WireError.truncated) { try varint([]) }
    }

    /// A non-minimal varint inside a message decodes, and the message re-encodes canonically.
    @Test func nonMinimalVarintsDecodeAndReencodeCanonically() throws {
        // Data{portnum: 256 written as 80 82 00 instead of 80 02, payload "A"}
        let d = try PacketData(decoding: [0x08, 0x80, 0x82, 0x00, 0x12, 0x01, 0x41])
        #expect(d.portnum == .privateApp)
        #expect(d.payload == [0x41])
        #expect(d.encoded() == [0x08, 0x80, 0x02, 0x12, 0x01, 0x41])
    }

    @Test func negativeInt32IsTenBytes() throws {
        var p = MeshPacket()
        p.rxRssi = -90
        #expect(p.encoded() == [0x60, 0xA6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        // A 5-byte (32-bit) form of a negative int32, which some encoders write, still decodes.
        #expect(try MeshPacket(decoding: [0x60, 0xA6, 0xFF, 0xFF, 0xFF, 0x0F]).rxRssi == -90)
    }

    @Test func zigzag() throws {
        for v: Int32 in [0, -1, 1, -2, 2, Int32.max, Int32.min, -31, 12345] {
            var w = ProtoWriter()
            w.sint32(9, v, always: true)
            var r = ProtoReader(w.bytes)
            let k = try #require(try r.nextField())
            #expect(try r.sint32(k) == v)
        }
        var w = ProtoWriter()
        w.sint32(1, -1, always: true)
        #expect(w.bytes == [0x08, 0x01])
        for v: Int64 in [0, -1, Int64.max, Int64.min] {
            var w = ProtoWriter()
            w.sint64(1, v, always: true)
            var r = ProtoReader(w.bytes)
            let k = try #require(try r.nextField())
            #expect(try r.sint64(k) == v)
        }
    }

    @Test func fixedAndFloat() throws {
        var w = ProtoWriter()
        w.fixed32(1, 0xDEADBEEF)
        w.float(2, -7.25)
        w.fixed64(3, 0x0102030405060708)
        w.double(4, 3.5)
        w.float(5, -0.0)        // bits are non-zero: written
        w.float(6, 0.0)         // default: omitted
        var r = ProtoReader(w.bytes)
        var k = try #require(try r.nextField()); #expect(try r.fixed32(k) == 0xDEADBEEF)
        k = try #require(try r.nextField()); #expect(try r.float(k) == -7.25)
        k = try #require(try r.nextField()); #expect(try r.fixed64(k) == 0x0102030405060708)
        k = try #require(try r.nextField()); #expect(try r.double(k) == 3.5)
        k = try #require(try r.nextField()); #expect(k.number == 5); #expect(try r.float(k).sign == .minus)
        #expect(try r.nextField() == nil)
    }

    @Test func oneofZeroValuesAreWritten() {
        #expect(Routing(errorReason: RoutingError(.none)).encoded() == [0x18, 0x00])
        #expect(ToRadio(.heartbeat(Heartbeat())).encoded() == [0x3A, 0x00])
        #expect(ToRadio(.wantConfigId(0)).encoded() == [0x18, 0x00])
        #expect(AdminMessage(.getConfigRequest(ConfigType(.deviceConfig))).encoded() == [0x28, 0x00])
        #expect(FromRadio(.configCompleteId(0)).encoded() == [0x38, 0x00])
        #expect(FromRadio(.moduleConfig(ModuleConfig())).encoded() == [0x4A, 0x00])
        #expect(ToRadio(.wantConfigId(69420)).encoded() == [0x18, 0xAC, 0x9E, 0x04])
    }

    @Test func invalidWireTypesAndFieldNumbers() {
        for wt: UInt8 in [3, 4, 6, 7] {
            #expect(throws: WireError.invalidWireType(wt)) { try FromRadio(decoding: [0x08 | wt, 0x00]) }
        }
        #expect(throws: WireError.invalidFieldNumber(0)) { try FromRadio(decoding: [0x00, 0x01]) }
        // Field number 2^29 (one past the maximum).
        #expect(throws: WireError.invalidFieldNumber(1 << 29)) { try FromRadio(decoding: [0x80, 0x80, 0x80, 0x80, 0x10, 0x00]) }
    }

    @Test func lengthsAreCheckedBeforeAllocation() {
        // A length of 2^62 in a 6-byte message: must fail fast, not try to allocate.
        #expect(throws: WireError.lengthExceedsInput(length: 1 << 62, remaining: 0)) {
            try FromRadio(decoding: [0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40])
        }
        #expect(throws: WireError.lengthExceedsInput(length: 5, remaining: 2)) {
            try MeshPacket(decoding: [0x2A, 0x05, 0x01, 0x02])
        }
    }

    @Test func everyTruncationOfARealMessageFailsCleanly() throws {
        var p = MeshPacket()
        p.from = 0xCAFEF00D; p.to = 0x12345678; p.id = 77; p.rxRssi = -100; p.rxSnr = -3.5; p.hopStart = 3; p.hopLimit = 1
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [UInt8](repeating: 0xAB, count: 180)))
        let full = FromRadio(.packet(p)).encoded()
        for n in 0..<full.count {
            // A prefix either decodes (it ended on a field boundary) or throws; it never traps.
            if let m = try? FromRadio(decoding: Array(full.prefix(n))), n > 0 {
                #expect(m != FromRadio(.packet(p)))
            }
        }
        #expect(try FromRadio(decoding: full) == FromRadio(.packet(p)))
    }

    @Test func unknownFieldsOfEveryWireTypeAreSkippedAndKept() throws {
        let unknown: [UInt8] = [
            0xC8, 0x06, 0x2A,                         // field 105 varint
            0xD1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8,       // field 106 fixed64
            0xDA, 0x06, 0x02, 0xAA, 0xBB,             // field 107 bytes
            0xE5, 0x06, 9, 9, 9, 9,                   // field 108 fixed32
        ]
        let m = try QueueStatus(decoding: [0x10, 0x05] + unknown)
        #expect(m.free == 5)
        #expect(m.unknownFields == unknown)
        #expect(m.encoded() == [0x10, 0x05] + unknown)
        // A known field with the wrong wire type is skipped as unknown (upb does the same).
        let odd = try QueueStatus(decoding: [0x12, 0x01, 0x07, 0x18, 0x10])
        #expect(odd.free == 0)
        #expect(odd.maxlen == 16)
        #expect(odd.unknownFields == [0x12, 0x01, 0x07])
    }

    @Test func unknownEnumValuesSurvive() throws {
        var lora = LoRaConfig()
        lora.region = RegionCode(rawValue: 99)
        lora.modemPreset = ModemPreset(rawValue: 40)
        let back = try LoRaConfig(decoding: lora.encoded())
        #expect(back.region.rawValue == 99)
        #expect(back.modemPreset.rawValue == 40)
        #expect(back.region.description == "99")
        #expect(RegionCode(.eu868).description == "eu868")
        #expect(back.region.name == nil && back.region != .eu868)
        // Each name is written once, as a case: the type's names and numbers come from it.
        #expect(PortNum(rawValue: 256) == .privateApp && PortNum(rawValue: 256).name == .privateApp)
        #expect(RoutingError(rawValue: 0).description == "none")
        func kind(_ p: PortNum) -> String {
            switch p {
            case .privateApp: return "ours"
            case .routingApp: return "routing"
            default: return "other \(p)"
            }
        }
        #expect(kind(PortNum(rawValue: 256)) == "ours" && kind(PortNum(.routingApp)) == "routing" && kind(PortNum(rawValue: 300)) == "other 300")
    }

    @Test func invalidUTF8InNamesDecodesLeniently() throws {
        // The firmware cuts long names at a byte limit, possibly inside a character; the
        // official Python parser rejects that, we keep the frame and replace the fragment.
        let user = try User(decoding: [0x12, 0x03, 0x61, 0x62, 0xC3])
        #expect(user.longName == "ab\u{FFFD}")
    }

    @Test func packedAndUnpackedRepeatedBothDecode() throws {
        var lora = LoRaConfig()
        lora.ignoreIncoming = [1, 300, 0xFFFFFFFF]
        let packed = lora.encoded()
        #expect(try LoRaConfig(decoding: packed).ignoreIncoming == [1, 300, 0xFFFFFFFF])
        let unpacked: [UInt8] = [0xB8, 0x06, 0x01, 0xB8, 0x06, 0xAC, 0x02]
        #expect(try LoRaConfig(decoding: unpacked).ignoreIncoming == [1, 300])
        // A packed run cut inside an element is an error, not a partial list.
        #expect(throws: WireError.self) { try LoRaConfig(decoding: [0xBA, 0x06, 0x02, 0x01, 0x80]) }
    }

    /// Our schema is not recursive, so unknown nesting is skipped without descending; the
    /// depth bound guards the descent we do make.
    @Test func deepNestingIsBounded() throws {
        var nested: [UInt8] = []
        for _ in 0..<2000 { nested = [0x0A] + lengthPrefix(nested.count) + nested }
        // Inside an unknown field (99): skipped in one step, no recursion.
        let m = try QueueStatus(decoding: [0x9A, 0x06] + lengthPrefix(nested.count) + nested)
        #expect(m.unknownFields.count > 2000)
        // A recursive test-only message hits the bound as a typed error.
        #expect(throws: WireError.nestingTooDeep(limit: ProtoReader.maxDepth)) { try Recursive(decoding: nested) }
    }

    func lengthPrefix(_ n: Int) -> [UInt8] { var w = ProtoWriter(); w.appendVarint(UInt64(n)); return w.bytes }

    /// Garbage must never trap, whatever the decoder.
    @Test func randomGarbageNeverTraps() {
        var rng = SeededGenerator(seed: 0x10AA)
        var decoded = 0
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...300, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if (try? FromRadio(decoding: bytes)) != nil { decoded += 1 }
            _ = try? ToRadio(decoding: bytes)
            _ = try? AdminMessage(decoding: bytes)
        }
        #expect(decoded < 20_000)
    }
}

/// A message type that contains itself, only to exercise the depth bound.
struct Recursive: ProtoMessage {
    var child: [Recursive] = []
    var unknownFields: [UInt8] = []
    init() {}
    mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        guard k.number == 1 else { return false }
        child = [try r.message(k)]
        return true
    }
    func encode(to w: inout ProtoWriter) {}
}

