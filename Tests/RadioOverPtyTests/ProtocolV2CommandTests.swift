import Foundation
import Glibc
import GRDB
import Testing
import TestSupport

/// Protocol v2 end to end on virtual radios: receipts, contact requests, locations.
@Suite(.serialized) struct ProtocolV2CommandTests {
    /// `delivered` means the recipient's lora-msg stored it: their radio's ACK is not enough.
    /// With east's tail stopped the DM is acked and `--wait delivered` times out (75, kept);
    /// once east's tail starts, its radio hands up the held packet, east answers with a
    /// receipt, and north's tail records `delivered`.
    @Test func deliveredNeedsTheRecipientsLoraMsgNotJustItsRadio() async throws {
        let v = try await Valley()
        defer { v.close() }
        #expect(try v.run("north", ["contact", "set-node", "east", v.node("east")]).status == 0)
        let r = try v.run("north", ["send", "east", "are you there", "--wait", "delivered", "--timeout", "12", "--port", v.port("north")])
        #expect(r.status == 75, "\(r.out) \(r.err)")
        #expect(r.err.contains("receipt"), "\(r.err)")
        let state = try RawDB.rows(v.db("north"), "SELECT state FROM message").map { $0["state"] as String }
        #expect(state == ["acked"], "east's radio acknowledged it")
        let northTail = try v.tail("north")
        defer { northTail.stop() }
        let eastTail = try v.tail("east")
        defer { eastTail.stop() }
        try await listening(northTail, eastTail)
        #expect(await eastTail.wait(timeout: 30) { eastTail.lines.contains { $0.hasSuffix("are you there") } })
        let delivered = await northTail.wait(timeout: 40) {
            ((try? RawDB.rows(v.db("north"), "SELECT state FROM message").first?["state"]) as String?) == "delivered"
        }
        #expect(delivered, "north: \(northTail.err)\neast: \(eastTail.err)")
        let h = try v.run("north", ["history", "east", "--json"])
        #expect(h.out.contains("\"state\":\"delivered\""), "\(h.out)")
    }

    /// Firmware ACKs never cover a broadcast; a receipt does.
    @Test func aBroadcastGetsDelivered() async throws {
        let v = try await Valley()
        defer { v.close() }
        let northTail = try v.tail("north")
        defer { northTail.stop() }
        let eastTail = try v.tail("east")
        defer { eastTail.stop() }
        try await listening(northTail, eastTail)
        let r = try v.run("north", ["send", "east", "to all, for east", "--broadcast", "--wait", "delivered", "--timeout", "90"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("delivered") && r.out.contains("broadcast"), "\(r.out)")
    }

    /// Read receipts are off by default; turned on, `history` showing the message sends one.
    @Test func readReceiptsOnlyWhenTurnedOn() async throws {
        let v = try await Valley()
        defer { v.close() }
        #expect(try v.run("east", ["config", "read-receipts"]).out.contains("off"))
        #expect(try v.run("east", ["config", "read-receipts", "on"]).out.contains("on"))
        #expect(try v.run("east", ["config", "read-receipts", "maybe"]).status == 64)
        let northTail = try v.tail("north")
        defer { northTail.stop() }
        let eastTail = try v.tail("east")
        defer { eastTail.stop() }
        try await listening(northTail, eastTail)
        let r = try v.run("north", ["send", "east", "read me", "--wait", "delivered", "--timeout", "90"])
        #expect(r.status == 0, "\(r.err)")
        // The tail's stdout is a pipe here, not a terminal: not read yet.
        #expect(try RawDB.rows(v.db("north"), "SELECT state FROM message").first?["state"] as String? == "delivered")
        #expect(try v.run("east", ["history", "north"]).out.contains("read me"))
        let read = await northTail.wait(timeout: 40) {
            ((try? RawDB.rows(v.db("north"), "SELECT state FROM message").first?["state"]) as String?) == "read"
        }
        #expect(read, "north: \(northTail.err)\neast: \(eastTail.err)")
    }

    /// Two strangers: a request over the air, an accept, and both can message, with the same
    /// safety number on both sides.
    @Test func contactRequestAcceptAndBothCanMessage() async throws {
        let v = try await Valley()
        defer { v.close() }
        let a = v.root + "/farm-a", b = v.root + "/farm-b"
        for h in [a, b] { #expect(try CLI.run(["init", "--home", h]).status == 0) }
        let tailB = try Background(["tail", "--home", b, "--port", v.port("east")])
        defer { tailB.stop() }
        let tailA = try Background(["tail", "--home", a, "--port", v.port("north")])
        defer { tailA.stop() }
        try await listening(tailA, tailB)
        let noName = try CLI.run(["contact", "request", "--home", a])
        #expect(noName.status == 64 && noName.err.contains("--as"), "\(noName.err)")
        // To east's radio: an answer from that radio is then added by itself (an answer to a
        // broadcast request waits for 'contact accept', since strangers heard it too).
        let req = try CLI.run(["contact", "request", "--as", "north farm", "--node", v.node("east"), "--home", a])
        #expect(req.status == 0, "\(req.err)")
        #expect(await tailB.wait(timeout: 40) { tailB.err.contains("contact request from 'north farm'") }, "\(tailB.err)")
        let listed = try CLI.run(["contact", "requests", "--json", "--home", b])
        let row = try #require(try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as? [String: Any])
        #expect(row["display_name"] as? String == "north farm" && row["node"] as? String == v.node("north"))
        #expect(try CLI.run(["contact", "list", "--home", b]).out.contains("no contacts"), "never added by itself")
        let acc = try CLI.run(["contact", "accept", "north farm", "--me", "east farm", "--home", b])
        #expect(acc.status == 0, "\(acc.err)")
        #expect(await tailA.wait(timeout: 40) { tailA.err.contains("'east farm' answered your contact request and was added") }, "\(tailA.err)")
        let sa = try contactJSON(a, "east farm"), sb = try contactJSON(b, "north farm")
        #expect(sa["safety_number"] as? String != nil && sa["safety_number"] as? String == sb["safety_number"] as? String)
        #expect(sa["node"] as? String == v.node("east"), "the accept names east's radio, authenticated")
        let there = try CLI.run(["send", "east farm", "hello neighbour", "--wait", "delivered", "--timeout", "90", "--home", a])
        #expect(there.status == 0, "\(there.err)")
        let back = try CLI.run(["send", "north farm", "hello back", "--wait", "delivered", "--timeout", "90", "--home", b])
        #expect(back.status == 0, "\(back.err)")
        #expect(try CLI.run(["contact", "requests", "--home", b]).out.contains("no contact requests"))
        // Accepting again, or a request that is not there, is a clear error.
        #expect(try CLI.run(["contact", "accept", "nobody", "--home", b]).status == 66)
    }

    /// A location round trip: sealed for one contact, shown with distance and bearing from the
    /// receiver's own last fix, with the JSON fields, and never stored as plaintext.
    @Test func locationRoundTripWithJSONFields() async throws {
        let v = try await Valley()
        defer { v.close() }
        let northTail = try v.tail("north")
        defer { northTail.stop() }
        let eastTail = try v.tail("east", ["--json"])
        defer { eastTail.stop() }
        try await listening(northTail, eastTail)
        // East's own fix first (Lausanne cathedral), for distance and bearing.
        let own = try v.run("east", ["share-location", "north", "--lat", "46.5225", "--lon", "6.6355", "--timeout", "60"])
        #expect(own.status == 0, "\(own.err)")
        let r = try v.run("north", ["share-location", "east", "--lat", "46.5197", "--lon", "6.6323", "--alt", "512", "--accuracy", "4", "--timeout", "60"])
        #expect(r.status == 0, "\(r.err)")
        #expect(await eastTail.wait(timeout: 40) { eastTail.lines.contains { $0.contains("\"kind\":\"location\"") } }, "\(eastTail.err)")
        let line = try #require(eastTail.lines.first { $0.contains("\"kind\":\"location\"") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(abs((json["lat"] as? Double ?? 0) - 46.5197) < 1.1e-5)
        #expect(abs((json["lon"] as? Double ?? 0) - 6.6323) < 2.2e-5)
        #expect(json["alt"] as? Double == 512 && json["accuracy"] as? Double == 4)
        #expect((json["fix_time"] as? String)?.hasSuffix("Z") == true)
        #expect(json["text"] is NSNull)
        let d = json["distance_m"] as? Double ?? 0
        #expect((350...450).contains(d), "about 400 m from the cathedral: \(d)")
        #expect(json["bearing_deg"] as? Double != nil)
        let h = try v.run("east", ["history", "north"])
        #expect(h.out.contains("location 46.5197"), "\(h.out)")
        for home in ["north", "east"] {
            let raw = try Data(contentsOf: URL(fileURLWithPath: v.db(home)))
            #expect(raw.range(of: Data("46.5197".utf8)) == nil && raw.range(of: Data("6.632".utf8)) == nil)
        }
        #expect(try v.run("north", ["share-location", "east", "--lat", "91", "--lon", "0"]).status == 64)
        #expect(try v.run("north", ["share-location", "east", "--lat", "1"]).status == 64)
        #expect(try v.run("north", ["share-location", "east", "--lat", "1", "--lon", "1", "--every", "1s"]).status == 64)
    }

    /// A real gpsd, fed an NMEA file by gpsfake, gives the fix.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gpsfake")))
    func shareLocationFromGpsdReplay() async throws {
        let v = try await Valley()
        defer { v.close() }
        let port = 29_470 + Int.random(in: 0..<500)
        let nmea = try #require(Bundle.module.path(forResource: "Fixtures/lausanne", ofType: "nmea"))
        // gpsfake ignores SIGTERM and starts a gpsd of its own; Process makes it the leader of
        // its own process group, so the whole group is killed at the end.
        let fake = Process()
        fake.executableURL = URL(fileURLWithPath: "/usr/bin/gpsfake")
        fake.arguments = ["-q", "-c", "0.2", "-P", String(port), nmea]
        fake.currentDirectoryURL = URL(fileURLWithPath: NSTemporaryDirectory())
        fake.standardOutput = FileHandle.nullDevice; fake.standardError = FileHandle.nullDevice
        try fake.run()
        defer { Glibc.kill(-fake.processIdentifier, SIGKILL); fake.waitUntilExit() }
        let eastTail = try v.tail("east", ["--json"])
        defer { eastTail.stop() }
        try await listening(eastTail)
        var r = try v.run("north", ["share-location", "east", "--gpsd-at", "127.0.0.1:\(port)", "--timeout", "30", "--port", v.port("north")])
        if r.status == 69 {   // gpsfake still starting its gpsd
            try await Task.sleep(nanoseconds: 2_000_000_000)
            r = try v.run("north", ["share-location", "east", "--gpsd-at", "127.0.0.1:\(port)", "--timeout", "30", "--port", v.port("north")])
        }
        #expect(r.status == 0, "\(r.err)")
        #expect(await eastTail.wait(timeout: 40) { eastTail.lines.contains { $0.contains("\"kind\":\"location\"") } })
        let line = try #require(eastTail.lines.first { $0.contains("\"kind\":\"location\"") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(abs((json["lat"] as? Double ?? 0) - 46.5197) < 1.1e-5)
        #expect(abs((json["lon"] as? Double ?? 0) - 6.6323) < 2.2e-5)
        #expect(json["alt"] as? Double == 512)
        // Nobody listening on a port: one line, exit 69.
        let none = try v.run("north", ["share-location", "east", "--gpsd-at", "127.0.0.1:1", "--timeout", "3"])
        #expect(none.status == 69 && none.err.hasPrefix("lora-msg: cannot read a position from gpsd"), "\(none.err)")
    }

    private func contactJSON(_ home: String, _ name: String) throws -> [String: Any] {
        let show = try CLI.run(["contact", "show", name, "--json", "--home", home])
        return try #require(try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any])
    }
}
