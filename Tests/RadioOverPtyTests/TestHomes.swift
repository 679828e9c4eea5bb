import Foundation
import Testing

/// Homes for command tests: `lora-msg init` in each, and each one's public key as `id --json` prints it.
enum TestHomes {
    static func create(_ names: [String], at home: (String) -> String) throws -> [String: String] {
        var keys: [String: String] = [:]
        for n in names {
            let r = try CLI.run(["init", "--home", home(n)])
            try #require(r.status == 0, "\(r.err)")
            let id = try CLI.run(["id", "--json", "--home", home(n)])
            keys[n] = (try JSONSerialization.jsonObject(with: Data(id.out.utf8)) as? [String: Any])?["public_key"] as? String
        }
        return keys
    }

    /// Two homes that know each other: `a` holds `b` as a contact and the other way round,
    /// each pointed at the other's radio node when one is given.
    static func pair(_ a: String, node nodeA: String? = nil, _ b: String, node nodeB: String? = nil, at home: (String) -> String) throws {
        let keys = try create([a, b], at: home)
        for (me, other, node) in [(a, b, nodeB), (b, a, nodeA)] {
            let r = try CLI.run(["contact", "add", other, keys[other] ?? "", "--home", home(me)] + (node.map { ["--node", $0] } ?? []))
            try #require(r.status == 0, "\(r.err)")
        }
    }
}
