import Foundation
import Testing
import TestSupport

/// Offline delivery over brokers (issue 30, item 3): a radio-less home's session outlives it
/// and the broker's restart; two valleys on two bridged brokers talk both ways.
@Suite(.serialized) struct BrokerSessionTests {
    /// Two radio-less homes that know each other.
    static func homes() throws -> (root: String, home: (String) -> String) {
        let root = NSTemporaryDirectory() + "lora-msg-sessions-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let home = { (n: String) in root + "/" + n }
        try TestHomes.pair("city", "farm", at: home)
        return (root, home)
    }

    private func tail(_ home: String, _ url: String) throws -> Background {
        try Background(["tail", "--json", "--home", home, "--mqtt", url, "--via", "mqtt"])
    }

    private func connected(_ t: Background) async -> Bool {
        await t.wait(timeout: 30) { t.err.contains("connected") }
    }

    @Test func aRadioLessHomeAwayAcrossABrokerRestartGetsWhatItMissed() async throws {
        let broker = try MosquittoBroker(persistent: true)
        defer { broker.stop() }
        let (root, home) = try Self.homes()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The farm's session starts, then the farm goes away.
        let first = try tail(home("farm"), broker.url)
        #expect(await connected(first), "\(first.err)")
        first.stop()
        let texts = ["while you were away 1", "while you were away 2", "while you were away 3"]
        for t in texts {
            let r = try CLI.run(["send", "farm", t, "--home", home("city"), "--mqtt", broker.url, "--via", "mqtt", "--timeout", "30"])
            #expect(r.status == 0, "\(r.err)")
        }
        // The broker dies hard and comes back from its persistence file.
        broker.kill()
        try broker.start()
        let back = try tail(home("farm"), broker.url)
        defer { back.stop() }
        #expect(await back.wait(timeout: 60) { texts.allSatisfy { t in back.out.contains(t) } }, "\(back.out)\n\(back.err)")
        // A message sent now arrives after any second copy of the old ones would have.
        let marker = try CLI.run(["send", "farm", "marker", "--home", home("city"), "--mqtt", broker.url, "--via", "mqtt", "--timeout", "30"])
        #expect(marker.status == 0, "\(marker.err)")
        #expect(await back.wait(timeout: 60) { back.out.contains("marker") })
        for t in texts { #expect(back.lines.filter { $0.contains(t) }.count == 1, "once: \(t)") }
    }

    @Test func twoValleysOnBridgedBrokersTalkBothWaysWithoutLossOrDuplicate() async throws {
        let west = try MosquittoBroker()
        defer { west.stop() }
        let east = try MosquittoBroker(bridgeTo: west.port)
        defer { east.stop() }
        let (root, home) = try Self.homes()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let city = try tail(home("city"), west.url), farm = try tail(home("farm"), east.url)
        defer { city.stop(); farm.stop() }
        let up = await connected(city), up2 = await connected(farm)
        #expect(up && up2, "\(city.err)\n\(farm.err)")
        // No wait for the bridge's own connection: a message it missed is sent again (--wait delivered).
        let toFarm = (1...5).map { "west to east \($0)" }, toCity = (1...5).map { "east to west \($0)" }
        var seconds: [Double] = []
        for (t, u) in zip(toFarm, toCity) {
            for (text, to, from) in [(t, "farm", "city"), (u, "city", "farm")] {
                let began = Date()
                let r = try CLI.run(["send", to, text, "--home", home(from), "--wait", "delivered", "--timeout", "60"])
                #expect(r.status == 0, "\(r.err)")
                seconds.append(Date().timeIntervalSince(began))
            }
        }
        let sorted = seconds.sorted()
        print(String(format: "[bridged brokers] send until the receipt came back across the bridge, 10 messages: median %.2f s, max %.2f s (the receiver batches receipts for 2 s)",
                     sorted[sorted.count / 2], sorted.last ?? 0))
        #expect(await farm.wait(timeout: 30) { toFarm.allSatisfy { farm.out.contains($0) } })
        #expect(await city.wait(timeout: 30) { toCity.allSatisfy { city.out.contains($0) } })
        // A last message each way: once it is in, any second copy of the others would be too.
        for (to, from, tail) in [("farm", "city", farm), ("city", "farm", city)] {
            let r = try CLI.run(["send", to, "marker to \(to)", "--home", home(from), "--wait", "delivered", "--timeout", "60"])
            #expect(r.status == 0, "\(r.err)")
            #expect(await tail.wait(timeout: 30) { tail.out.contains("marker to \(to)") })
        }
        for t in toFarm { #expect(farm.lines.filter { $0.contains(t) }.count == 1, "once: \(t)") }
        for t in toCity { #expect(city.lines.filter { $0.contains(t) }.count == 1, "once: \(t)") }
    }
}
