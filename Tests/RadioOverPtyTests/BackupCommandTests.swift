import Foundation
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
