import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct BenchCommandTests {
    @Test func simulatedTwoRadiosDeliverEverythingAndWriteAReport() throws {
        let report = NSTemporaryDirectory() + "bench-\(UUID().uuidString.prefix(8)).md"
        defer { try? FileManager.default.removeItem(atPath: report) }
        let r = try CLI.run(["bench", "--sim", "two-radios", "--count", "3", "--interval", "1", "--json", "--report", report])
        #expect(r.status == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(json["mode"] as? String == "simulated" && json["scenario"] as? String == "two-radios")
        let result = try #require(json["result"] as? [String: Any])
        #expect(result["all_intact"] as? Bool == true)
        let summaries = try #require(result["summaries"] as? [[String: Any]])
        #expect(summaries.map { $0["direction"] as? String } == ["A→B", "B→A"])
        #expect(summaries.allSatisfy { $0["sent"] as? Int == 3 && $0["delivered"] as? Int == 3 })
        let samples = try #require(result["samples"] as? [[String: Any]])
        // Acked by the radio, or further: the receiver's receipt (its 2 s batching runs on the
        // simulated clock, so it usually comes back before the bench reads the states).
        #expect(samples.count == 6 && samples.allSatisfy { ["acked", "delivered"].contains($0["state"] as? String) && ($0["delivered_ms"] as? Double ?? 0) > 100 })
        let md = try String(contentsOfFile: report, encoding: .utf8)
        #expect(md.hasPrefix("# "))
        #expect(md.contains("**Simulated**") && md.contains("Regenerate: `lora-msg bench --sim two-radios --count 3"))
        #expect(md.contains("| A→B | 3 | 100.0 % |"))
    }

    /// One lossless hop, a text of 3 chunks: arrives intact, the JSON row carries its figures,
    /// and the airtime used is at least the loss-free minimum.
    @Test func longMessagesBenchMeasuresATransfer() throws {
        let r = try CLI.run(["bench", "long-messages", "--hops", "1", "--losses", "0", "--text-size", "600", "--file-size", "0", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let row = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(row["hops"] as? Int == 1 && row["loss_percent"] as? Int == 0)
        let x = try #require(row["result"] as? [String: Any])
        #expect(x["intact"] as? Bool == true && x["content_bytes"] as? Int == 600)
        let chunks = try #require(x["chunks"] as? Int), sends = try #require(x["chunk_sends"] as? Int)
        #expect(chunks >= 2 && sends >= chunks)
        let lossFree = try #require(x["loss_free_airtime_seconds"] as? Double), used = try #require(x["sender_airtime_seconds"] as? Double)
        #expect(lossFree > 0 && used >= lossFree - 1e-6)
        #expect((x["confirmed_after_seconds"] as? Double ?? 0) >= (x["arrived_after_seconds"] as? Double ?? .infinity))
    }

    /// With --seeds, each text cell runs once per seed of the air and the report gives the
    /// median with its range.
    @Test func longMessagesBenchReportsMediansOverSeeds() throws {
        let dir = TempDirectory("seeds")
        let r = try CLI.run(["bench", "long-messages", "--hops", "1", "--losses", "0", "--text-size", "600", "--file-size", "0",
                             "--seeds", "3", "--report", dir.file("r.md")])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("(seed 1)") && r.err.contains("(seed 2)") && r.err.contains("(seed 3)"))
        let md = try String(contentsOfFile: dir.file("r.md"), encoding: .utf8)
        let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("| 1 hop | 0 % |") })
        // Three runs, and the ratio as "median× (min–max)".
        #expect(row.contains("| 3 |") && row.contains(/\d\.\d\d× \(\d\.\d\d–\d\.\d\d\)/), "\(row)")
    }

    @Test func lineOfFiveCrossesThreeRelays() throws {
        // 20 s apart: sent back to back, the second meets the first's ACK and receipt coming
        // back down the chain, and hidden terminals (n1 cannot hear n3) make them collide.
        let r = try CLI.run(["bench", "--sim", "line-5", "--count", "2", "--one-way", "--interval", "20", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let samples = try #require((json["result"] as? [String: Any])?["samples"] as? [[String: Any]])
        #expect(samples.count == 2 && samples.allSatisfy { $0["hops"] as? Int == 3 })
    }

    /// The duty-cycle line says one thing: used airtime as a share of the hour's budget.
    @Test func dutyCycleLineGivesTheShareOfTheBudget() throws {
        let r = try CLI.run(["bench", "--sim", "two-radios", "--count", "1", "--one-way", "--interval", "0"])
        #expect(r.status == 0, "\(r.err)")
        let line = try #require(r.out.split(separator: "\n").first { $0.hasPrefix("duty cycle") })
        #expect(line.contains("of the hour's 360 s budget used") && line.contains("% of the budget)"))
    }

    @Test func envelopeBudgetIsItsOwnSubcommand() throws {
        let r = try CLI.run(["bench", "envelope-budget"])
        #expect(r.status == 0)
        #expect(r.out.hasPrefix("# Envelope byte budget"))
        #expect(try CLI.run(["bench", "--envelope-budget"]).status == 64)
    }

    @Test func undeliveredMessagesMakeItFail() throws {
        let path = NSTemporaryDirectory() + "far-\(UUID().uuidString.prefix(8)).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"name": "far", "nodes": [{"name": "a", "x": 0, "y": 0}, {"name": "b", "x": 60000, "y": 0}]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        // Resent until its time to live, then failed with the reason.
        let r = try CLI.run(["bench", "--sim", path, "--count", "1", "--one-way", "--timeout", "20", "--resend-ttl", "120"])
        #expect(r.status == 75, "\(r.err)")
        #expect(r.out.contains(/A→B: [1-9]\d* resends/), "\(r.out)")
        #expect(r.err.contains("1 of 1 messages did not arrive intact"))
        #expect(r.out.contains("0.0 %"))
    }

    @Test(arguments: [
        (["bench"], Int32(64), "--sim"),
        (["bench", "--a", "/dev/x"], 64, "--sim"),
        (["bench", "--sim", "two-radios", "--a", "/dev/x"], 64, "drop --a"),
        (["bench", "--a", "/dev/x", "--b", "/dev/y", "--from", "n1"], 64, "--from"),
        (["bench", "--sim", "two-radios", "--count", "0"], 64, "--count"),
        (["bench", "--sim", "two-radios", "--speed", "0"], 64, "--speed"),
        (["bench", "--sim", "two-radios", "--from", "nobody"], 64, "no radio named"),
        (["bench", "--sim", "nowhere"], 64, "unknown scenario"),
        (["bench", "--a", "/dev/lora-msg-absent", "--b", "/dev/lora-msg-absent2"], 69, "no such port"),
        (["bench", "long-messages", "--hops", "3,9"], 64, "--hops"),
        (["bench", "long-messages", "--seeds", "0"], 64, "--seeds"),
        (["bench", "long-messages", "--seeds", "21"], 64, "--seeds"),
        (["bench", "long-messages", "--hops", "1,,2"], 64, "--hops"),
        (["bench", "long-messages", "--losses", "ten"], 64, "--losses"),
        (["bench", "long-messages", "--losses", "95"], 64, "--losses"),
        (["bench", "long-messages", "--losses", "10,"], 64, "--losses"),
        (["bench", "long-messages", "--losses", ""], 64, "--losses"),
        (["bench", "long-messages", "--text-size", "0"], 64, "--text-size"),
        (["bench", "long-messages", "--text-size", "4097"], 64, "--text-size"),
        (["bench", "long-messages", "--file-size", "16385"], 64, "--file-size"),
        (["bench", "long-messages", "--speed", "1000"], 64, "--speed"),
    ])
    func badInputGivesOneLine(args: [String], status: Int32, message: String) throws {
        let r = try CLI.run(args)
        #expect(r.status == status, "\(r.err)")
        #expect(r.err.contains(message), "\(r.err)")
        #expect(r.err.split(separator: "\n").first.map { $0.hasPrefix("lora-msg: ") || $0.hasPrefix("Error: ") } == true)
    }
}
