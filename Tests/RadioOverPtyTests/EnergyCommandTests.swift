import Foundation
import MessageStore
import Testing
import TestSupport

@Suite(.serialized) struct EnergyCommandTests {
    /// The home's own airtime is read from its ledger: 86.4 s in the last day is 0.1 % of it.
    @Test func aHomesLedgerGivesItsRadiosDailyAirtime() throws {
        let home = TempDirectory("energy")
        #expect(try CLI.run(["init", "--home", home.path]).status == 0)
        let store = try MessageStore(path: home.file("messages.sqlite"))
        let now = Date().timeIntervalSince1970
        for i in 0..<4 { try store.recordAirtime(AirtimeRecord(startedAt: now - 1800 - 3600 * Double(i), milliseconds: 21_600)) }
        // Older than the day asked for: not counted.
        try store.recordAirtime(AirtimeRecord(startedAt: now - 30 * 3600, milliseconds: 99_000))
        let r = try CLI.run(["bench", "energy", "--home", home.path, "--board", "t-echo", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(json["modelled"] as? Bool == true)
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.map { $0["radio"] as? String } == ["no traffic", "this home's radio"])
        let own = rows[1]
        #expect(abs((own["transmit_seconds_per_day"] as? Double ?? 0) - 86.4) < 0.01)
        #expect(abs((own["transmit_percent"] as? Double ?? 0) - 0.1) < 1e-6)
        #expect((own["average_milliamps"] as? Double ?? 0) > (rows[0]["average_milliamps"] as? Double ?? .infinity))
        // Over the last 2 hours only: 43.2 s there, scaled to 518.4 s a day.
        let two = try CLI.run(["bench", "energy", "--home", home.path, "--board", "t-echo", "--hours", "2", "--json"])
        let twoRows = try #require((try JSONSerialization.jsonObject(with: Data(two.out.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(abs((twoRows[1]["transmit_seconds_per_day"] as? Double ?? 0) - 518.4) < 0.01)
    }

    /// On virtual radios every radio's airtime counts, the relays' too, and the report says
    /// it is modelled and how to measure.
    @Test func aSimulatedLineGivesEveryRadioItsLoadAndWritesTheReport() throws {
        let dir = TempDirectory("energy-sim")
        let r = try CLI.run(["bench", "energy", "--sim", "line-5", "--count", "2", "--messages-per-day", "100", "--report", dir.file("b.md")])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("MODELLED, not measured"))
        let md = try String(contentsOfFile: dir.file("b.md"), encoding: .utf8)
        #expect(md.hasPrefix("# Battery life (modelled)") && md.contains("## Measuring it for real"))
        #expect(md.contains("startReceiveDutyCycleAuto") && md.contains("DS_SX1261-2"))
        for relay in ["n2", "n3", "n4"] {
            let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("| \(relay) | t-echo |") }, "\(relay)")
            let seconds = try #require(Double(row.split(separator: "|")[2].trimmingCharacters(in: .whitespaces)))
            #expect(seconds > 0, "a relay transmits: \(row)")
        }
    }

    @Test(arguments: [
        (["bench", "energy", "--board", "t-beam"], "no board 't-beam'"),
        (["bench", "energy", "--hours", "30"], "--hours must be 1-24"),
        (["bench", "energy", "--battery-mah", "0"], "--battery-mah must be 10-100000"),
        (["bench", "energy", "--sim", "line-5", "--count", "0"], "--count must be 1-1000"),
        (["bench", "energy", "--messages-per-day=-1"], "--messages-per-day must be 0-100000"),
    ])
    func badArgumentsAreRefusedInOneLine(args: [String], message: String) throws {
        let r = try CLI.run(args)
        #expect(r.status == 64 && r.err.contains(message), "\(r.err)")
        #expect(!r.err.contains("Fatal") && r.out.isEmpty)
    }

    @Test func aHomeWithoutIdentitySaysWhatToDo() throws {
        let home = TempDirectory("energy-none")
        let r = try CLI.run(["bench", "energy", "--home", home.path])
        #expect(r.status != 0 && r.err.contains("lora-msg init"))
    }
}
