import Foundation
import LoraCrypto
import MeshSim
import MeshtasticWire
import Testing
import TestSupport

/// Three homes on the valley's radios: north makes the group; ridge and east know only north,
/// so everything between them rests on north's roster.
final class GroupValley: @unchecked Sendable {
    let sim: RunningSim
    let root: String
    let environment: [String: String]
    let names = ["north", "ridge", "east"]

    init(speed: Double = 10) async throws {
        root = NSTemporaryDirectory() + "lora-msg-group-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        sim = try RunningSim(.valley, speed: speed, capture: root + "/air.jsonl")
        environment = sim.clockEnvironment
        await sim.waitForLinks()
        let keys = try TestHomes.create(names, at: home)
        for (me, other) in [("north", "ridge"), ("north", "east"), ("ridge", "north"), ("east", "north")] {
            let r = try CLI.run(["contact", "add", other, keys[other] ?? "", "--node", sim.nodeID(other), "--home", home(me)])
            try #require(r.status == 0, "\(r.err)")
        }
    }

    func home(_ n: String) -> String { root + "/" + n }
    func run(_ n: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try CLI.run(args + ["--home", home(n), "--port", sim.link(n)], environment: environment)
    }
    func offline(_ n: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try CLI.run(args + ["--home", home(n)], environment: environment)
    }
    func tail(_ n: String) throws -> Background {
        try Background(["tail", "--json", "--verbose", "--home", home(n), "--port", sim.link(n)], environment: environment)
    }
    /// The payloads of every transmission on the air so far (what an antenna records).
    func payloadsOnAir() -> [[UInt8]] {
        let text = (try? String(contentsOfFile: root + "/air.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> [UInt8]? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["event"] as? String == "transmitted",
                  let hexText = o["bytes"] as? String, let p = try? MeshPacket(decoding: hexBytes(hexText)), let d = p.decoded else { return nil }
            return d.payload
        }
    }
    func close() { sim.stop(); try? FileManager.default.removeItem(atPath: root) }
}

private func posts(_ t: Background, text: String) -> [[String: Any]] {
    t.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["text"] as? String == text }
}

@Suite(.serialized) struct GroupCommandTests {
    @Test func threeHomesTalkInAGroupAndARemovedMemberReadsNoMore() async throws {
        let v = try await GroupValley()
        defer { v.close() }
        let tails = try v.names.map { try v.tail($0) }
        defer { tails.forEach { $0.stop() } }
        let (north, ridge, east) = (tails[0], tails[1], tails[2])
        try await listening(north, ridge, east)

        let made = try v.run("north", ["group", "create", "valley", "ridge", "east"])
        #expect(made.status == 0 && made.out.contains("created #valley"), "\(made.err)")
        for t in [ridge, east] {
            #expect(await t.wait(timeout: 120) { t.err.contains("north added you to #valley") }, "\(t.err.suffix(800))")
        }
        // Ridge and east are not contacts, yet each names the other as north's roster does.
        let shown = try v.offline("ridge", ["group", "show", "#valley"])
        #expect(shown.out.contains("east  (not a contact)") && shown.out.contains("safety number"), "\(shown.out)")

        let said = [("north", "hello from the north farm"), ("ridge", "ridge here, all quiet"), ("east", "east: the ford is high")]
        for (who, text) in said {
            let r = try v.run(who, ["send", "#valley", text, "--wait", "delivered", "--timeout", "600"])
            #expect(r.status == 0 && r.out.hasPrefix("delivered"), "\(who): \(r.err.suffix(600))")
        }
        for (i, (who, text)) in said.enumerated() {
            for (j, t) in tails.enumerated() where j != i {
                #expect(await t.wait(timeout: 60) { !posts(t, text: text).isEmpty })
                let got = posts(t, text: text)
                #expect(got.count == 1, "shown once at \(v.names[j])")
                #expect(got.first?["group"] as? String == "valley" && got.first?["contact"] as? String == who, "\(got)")
            }
        }
        let history = try v.offline("north", ["history", "#valley"])
        #expect(history.out.contains("#valley ridge →") && history.out.contains("→ #valley  [delivered]"), "\(history.out)")

        // North removes east; the next post is on the air, and east does not read it.
        let removed = try v.run("north", ["group", "remove", "valley", "east"])
        #expect(removed.status == 0, "\(removed.err)")
        #expect(await east.wait(timeout: 120) { east.err.contains("north removed you from #valley") }, "\(east.err.suffix(600))")
        #expect(await ridge.wait(timeout: 120) { ridge.err.contains("#valley now: you, north") }, "\(ridge.err.suffix(600))")
        let secret = "east must not read this"
        let after = try v.run("north", ["send", "#valley", secret, "--wait", "delivered", "--timeout", "600"])
        #expect(after.status == 0, "\(after.err.suffix(600))")
        #expect(await ridge.wait(timeout: 60) { !posts(ridge, text: secret).isEmpty })
        let onAir = v.payloadsOnAir().compactMap { try? GroupPost(bytes: $0) }.filter { $0.epoch == 2 }
        #expect(!onAir.isEmpty, "the post after the removal was on the air")
        #expect(onAir.allSatisfy { $0.tagCount == 1 }, "tagged for ridge alone")
        #expect(!v.payloadsOnAir().contains { String(decoding: $0, as: UTF8.self).contains(secret) })
        // East heard it (its tail says why it is not shown) and did not show it.
        #expect(await east.wait(timeout: 60) { east.err.contains("a post to #valley, which you are no longer in") }, "\(east.err.suffix(400))")
        #expect(posts(east, text: secret).isEmpty, "east showed a post of the epoch it never got")
        let gone = try v.offline("east", ["send", "#valley", "still there?"])
        #expect(gone.status == 64 && gone.err.contains("no longer in #valley"), "\(gone.err)")
    }
}

/// The group verbs without a radio: what each says when it cannot do what was asked.
@Suite struct GroupCommandErrorTests {
    @Test func eachRefusalIsOneLineWithItsExitCode() throws {
        let dir = TempDirectory("group-cli")
        func home(_ n: String) -> String { dir.file(n) }
        try TestHomes.pair("alice", "bob", at: home)
        func run(_ who: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
            try CLI.run(args + ["--home", home(who)])
        }
        let cases: [([String], Int32, String)] = [
            (["group", "create", "valley"], 64, "Missing expected argument"),
            (["group", "create", "valley", "dave"], 66, "no contact named 'dave'"),
            (["group", "create", String(repeating: "v", count: 25), "bob"], 65, "a group name is at most 24 bytes"),
            (["group", "show", "#nowhere"], 66, "no group named '#nowhere'"),
            (["send", "#nowhere", "hi"], 66, "no group named '#nowhere'"),
            (["group", "leave", "nowhere"], 66, "no group named '#nowhere'"),
        ]
        for (args, status, says) in cases {
            let r = try run("alice", args)
            #expect(r.status == status && r.err.contains(says), "\(args): \(r.status) \(r.err)")
            // Ours are one line; argument-parser's own (a missing argument) come with its usage.
            #expect(!r.err.contains("Fatal") && (status == 64 || r.err.split(separator: "\n").count == 1), "\(args): \(r.err)")
        }
        // Made offline: the group exists, its roster waits in the outbox (exit 69, kept).
        let made = try run("alice", ["group", "create", "valley", "bob"])
        #expect(made.out.contains("created #valley: you, bob") && made.status == 69, "\(made.status) \(made.err)")
        let outbox = try run("alice", ["outbox"])
        #expect(outbox.out.contains("→ bob"), "\(outbox.out)")
        #expect(try run("alice", ["group", "create", "#VALLEY", "bob"]).err.contains("there is already a group named '#valley'"))
        let posted = try run("alice", ["send", "#valley", String(repeating: "p", count: 120)])
        #expect(posted.status == 65 && posted.err.contains("holds at most 119 bytes"), "\(posted.err)")
        let leave = try run("alice", ["group", "leave", "valley"])
        #expect(leave.status == 64 && leave.err.contains("only its creator can change who is in it"), "\(leave.err)")
        let list = try run("alice", ["group", "list", "--json"])
        let row = try #require(try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [String: Any])
        #expect(row["group"] as? String == "valley" && row["created_by_you"] as? Bool == true && (row["members"] as? [Any])?.count == 2, "\(list.out)")
    }
}
