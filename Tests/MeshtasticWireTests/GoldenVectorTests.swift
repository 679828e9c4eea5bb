import Foundation
import Testing
@testable import MeshtasticWire

/// Vectors written by the official Meshtastic protobuf classes (Scripts/gen-wire-vectors.py).
/// For each: our decoder agrees with the official parse on every field, and our encoder writes
/// exactly what the official encoder writes.
@Suite struct GoldenVectorTests {
    struct Vector: @unchecked Sendable, CustomTestStringConvertible {
        let name: String
        let type: String
        let hex: String
        let canonicalHex: String
        let unknownHex: String?
        let newerThanSchema: String?
        let fields: [String: Any]
        var testDescription: String { name }
    }

    static let vectors: [Vector] = {
        guard let url = Bundle.module.url(forResource: "Fixtures/wire-vectors", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = root["vectors"] as? [[String: Any]] else { return [] }
        return list.map {
            Vector(name: $0["name"] as! String, type: $0["type"] as! String, hex: $0["hex"] as! String,
                   canonicalHex: $0["canonical_hex"] as! String, unknownHex: $0["unknown_hex"] as? String,
                   newerThanSchema: $0["newer_than_schema"] as? String,
                   fields: $0["fields"] as! [String: Any])
        }
    }()

    @Test func thereAreEnoughVectors() {
        #expect(Self.vectors.count >= 40)
        let types = Set(Self.vectors.map(\.type))
        #expect(types.isSuperset(of: ["ToRadio", "FromRadio", "MeshPacket", "Routing", "AdminMessage"]))
    }

    @Test(arguments: vectors)
    func decodesLikeOfficialAndEncodesByteEqual(_ v: Vector) throws {
        let bytes = fromHex(v.hex)
        let (value, encoded, unknown): (Any, [UInt8], [UInt8]) = try {
            func run<M: ProtoMessage>(_: M.Type) throws -> (Any, [UInt8], [UInt8]) {
                let m = try M(decoding: bytes)
                // A second decode of our own output must give the same value.
                #expect(try M(decoding: m.encoded()) == m)
                return (m, m.encoded(), m.unknownFields)
            }
            switch v.type {
            case "ToRadio": return try run(ToRadio.self)
            case "FromRadio": return try run(FromRadio.self)
            case "MeshPacket": return try run(MeshPacket.self)
            case "Routing": return try run(Routing.self)
            case "AdminMessage": return try run(AdminMessage.self)
            case "User": return try run(User.self)
            case "Position": return try run(Position.self)
            case "RouteDiscovery": return try run(RouteDiscovery.self)
            default: throw TestFailure("no decoder for \(v.type)")
            }
        }()
        #expect(toHex(encoded) == v.canonicalHex, "our encoding differs from the official one")
        if let unknownHex = v.unknownHex {
            #expect(toHex(unknown) == unknownHex, "unknown fields not kept verbatim")
        }
        var problems: [String] = []
        var ours = Reflected(value)
        if let newer = v.newerThanSchema {
            // We model a field from firmware master that the pinned schema lacks: it must be
            // decoded by us (not left unknown), and is then left out of the comparison.
            guard case .object(var fields) = ours, let mine = fields[newer], !mine.isDefault else {
                Issue.record("\(newer) was not decoded"); return
            }
            fields[newer] = nil
            ours = .object(fields)
            #expect(unknown.isEmpty)
        }
        FieldComparison.compare(swift: ours, official: v.fields, path: v.type, problems: &problems)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func fromHex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(s.utf8)[...]
    while chars.count >= 2 {
        out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)!)
        chars = chars.dropFirst(2)
    }
    return out
}

func toHex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
