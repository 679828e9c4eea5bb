import Foundation
import LoraCrypto
import MeshtasticWire
import Testing
import TestSupport

/// `lora-msg backup` and `restore` as a user runs them.
@Suite(.serialized) struct BackupCommandTests {
    @Test func backupAndRestoreOnAnotherHome() throws {
        let root = NSTemporaryDirectory() + "lora-msg-move-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let old = root + "/old", new = root + "/new", friend = root + "/friend"
        for h in [old, friend] { #expect(try CLI.run(["init", "--home", h]).status == 0) }
        let key = try #require((try JSONSerialization.jsonObject(with: Data(try CLI.run(["id", "--json", "--home", friend]).out.utf8)) as? [String: Any])?["public_key"] as? String)
        #expect(try CLI.run(["contact", "add", "friend", key, "--home", old]).status == 0)
        let pw = root + "/pw"
        try "a long enough passphrase\n".write(toFile: pw, atomically: true, encoding: .utf8)
        chmod(pw, 0o644)
        let file = root + "/home.backup"
        let loose = try CLI.run(["backup", file, "--passphrase-file", pw, "--home", old])
        #expect(loose.status == 64 && loose.err.contains("chmod 600"), "\(loose.err)")
        chmod(pw, 0o600)
        // No terminal and no file: refused, nothing written.
        let noTTY = try CLI.run(["backup", file, "--home", old])
        #expect(noTTY.status == 64 && noTTY.err.contains("--passphrase-file"), "\(noTTY.err)")
        #expect(!FileManager.default.fileExists(atPath: file))
        let b = try CLI.run(["backup", file, "--passphrase-file", pw, "--home", old])
        #expect(b.status == 0 && b.out.contains("backed up 1 contact"), "\(b.out)\(b.err)")
        let r = try CLI.run(["restore", file, "--passphrase-file", pw, "--home", new])
        #expect(r.status == 0 && r.out.contains("restored 1 contact"), "\(r.out)\(r.err)")
        #expect(try CLI.run(["id", "--json", "--home", new]).out == (try CLI.run(["id", "--json", "--home", old]).out), "the same identity")
        // Onto a home with an identity: refused (73) unless --force.
        let again = try CLI.run(["restore", file, "--passphrase-file", pw, "--home", friend])
        #expect(again.status == 73 && again.err.contains("--force"), "\(again.err)")
        // A wrong passphrase, or a damaged file: 65, one line, nothing changed.
        try "the wrong passphrase\n".write(toFile: pw, atomically: true, encoding: .utf8)
        chmod(pw, 0o600)
        let wrong = try CLI.run(["restore", file, "--passphrase-file", pw, "--home", root + "/other"])
        #expect(wrong.status == 65 && wrong.err.contains("wrong passphrase") && wrong.err.split(separator: "\n").count == 1, "\(wrong.err)")
        #expect(!FileManager.default.fileExists(atPath: root + "/other/identity.key"))
        #expect(try CLI.run(["restore", root + "/missing", "--passphrase-file", pw, "--home", root + "/other"]).status == 66)
    }
}

@Suite(.serialized) struct NewRadioTests {
    /// Moving house with a new radio: the first command on it says the radio changed, once.
    @Test func aHomeOnAnotherRadioSaysSoOnce() async throws {
        let v = try await Valley()
        defer { v.close() }
        let first = try v.run("north", ["send", "east", "from the old radio", "--port", v.port("north")])
        #expect(first.status == 0 && !first.err.contains("radio changed"), "\(first.err)")
        let moved = try v.run("north", ["send", "east", "from the ridge radio", "--port", v.port("ridge")])
        #expect(moved.status == 0, "\(moved.err)")
        #expect(moved.err.contains("this home's radio changed: it was \(v.node("north")), now \(v.node("ridge"))"), "\(moved.err)")
        let again = try v.run("north", ["send", "east", "and again", "--port", v.port("ridge")])
        #expect(again.status == 0 && !again.err.contains("radio changed"), "once: \(again.err)")
    }
}

@Suite(.serialized) struct MovingHouseOnTheAirTests {
    /// Issue 32's round trip on virtual radios with the air recorded: a and b talk with the
    /// ratchet moved several times; a backs up, says one more thing, loses her home, restores
    /// the (now stale) backup on an empty one, and both talk again. The safety number is the same, and no two different frames from a
    /// go out under one (s, r, n) of one announced key.
    @Test func aRestoredHomeTalksOnWithoutReusingARatchetNumber() async throws {
        let c = try await Chain(Chain.pair, speed: 20, scaledTime: true)
        defer { c.close() }
        var aTail = try c.tail("a")
        let bTail = try c.tail("b")
        defer { aTail.stop(); bTail.stop() }
        try await listening(aTail, bTail)
        func say(_ from: String, _ text: String) throws {
            // Waits for the receipt (an event); an hour of the radios' time is 3 minutes at 20×,
            // room for a loaded machine whose radios fall behind.
            let r = try c.run(from, ["send", from == "a" ? "b" : "a", text, "--wait", "delivered", "--timeout", "3600"])
            try #require(r.status == 0, "\(from): \(text): \(r.err)")
        }
        func safety(_ home: String, _ name: String) throws -> String? {
            let r = try CLI.run(["contact", "show", name, "--json", "--home", c.home(home)])
            return (try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])?["safety_number"] as? String
        }
        for n in 0..<3 { try say("a", "a before \(n)"); try say("b", "b before \(n)") }
        let before = try safety("b", "a")
        let pw = c.root + "/pw"
        try "a long enough passphrase\n".write(toFile: pw, atomically: true, encoding: .utf8)
        chmod(pw, 0o600)
        let file = c.root + "/a.backup"
        #expect(try CLI.run(["backup", file, "--passphrase-file", pw, "--home", c.home("a")]).status == 0)
        // The original goes on after the backup: the restored ratchet is behind what b saw.
        try say("a", "after the backup, before the loss")
        aTail.stop()
        try FileManager.default.removeItem(atPath: c.home("a"))
        let restored = try CLI.run(["restore", file, "--passphrase-file", pw, "--home", c.home("a")])
        #expect(restored.status == 0, "\(restored.err)")
        aTail = try c.tail("a")
        try await listening(aTail)
        for n in 0..<3 { try say("a", "a after \(n)"); try say("b", "b after \(n)") }
        #expect(try safety("b", "a") == before && before != nil, "the same safety number")
        #expect(await bTail.wait(timeout: 30) { bTail.out.contains("a after 2") })
        #expect(await aTail.wait(timeout: 30) { aTail.out.contains("b after 2") })

        // The air: a's 0x06 frames. One (s, r, n) under one announced key is one frame (sent
        // again as the same bytes at most); the restored home announced a key of its own.
        var seen: [String: [UInt8]] = [:]
        var announced = Set<[UInt8]>()
        for e in c.air() where e["event"] as? String == "transmitted" && e["station"] as? String == "a" {
            guard let hex = e["bytes"] as? String, let packet = try? MeshPacket(decoding: Array(hexBytes(hex))),
                  let d = packet.decoded, d.payload.first == 0x06, let f = try? RatchetEnvelope(bytes: d.payload) else { continue }
            if let k = f.attachedKey { announced.insert(k.bytes) }
            let slot = "\(f.senderKeyID)/\(f.recipientKeyID)/\(f.number)"
            if let earlier = seen[slot] { #expect(earlier == d.payload, "two different frames under \(slot)") }
            seen[slot] = d.payload
        }
        #expect(seen.count >= 4 && announced.count >= 2, "\(seen.count) frames, \(announced.count) keys announced")
    }
}
