import Foundation
import Testing
import TestSupport

/// Hardening 3, item 6: without a radio, the broker is the air. `send --mqtt` printed
/// "queued" and exited 0 with no broker, a wrong password or a TLS mismatch; `tail --mqtt`
/// said "listening" and then nothing.
@Suite(.serialized) struct BrokerFailureTests {
    static func home() throws -> (root: String, home: String) {
        let root = NSTemporaryDirectory() + "lora-msg-brokerfail-" + UUID().uuidString.prefix(8)
        let home = root + "/city"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        #expect(try CLI.run(["init", "--home", home]).status == 0)
        let other = root + "/east"
        #expect(try CLI.run(["init", "--home", other]).status == 0)
        let id = try CLI.run(["id", "--json", "--home", other])
        let key = try #require((try JSONSerialization.jsonObject(with: Data(id.out.utf8)) as? [String: Any])?["public_key"] as? String)
        #expect(try CLI.run(["contact", "add", "east", key, "--home", home]).status == 0)
        return (root, home)
    }

    @Test func sendWithNoBrokerFails69AndKeepsTheMessage() throws {
        let (root, home) = try Self.home()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let url = "mqtt://127.0.0.1:\(MosquittoBroker.freePort())"
        let r = try CLI.run(["send", "east", "is anyone there", "--mqtt", url, "--via", "mqtt", "--timeout", "20", "--home", home])
        #expect(r.status == 69, "\(r.out)\(r.err)")
        #expect(r.err.contains("broker") && r.err.contains("kept in the outbox"), "\(r.err)")
        #expect(!r.out.contains("queued"), "\(r.out)")
        let outbox = try CLI.run(["outbox", "--home", home])
        #expect(outbox.out.contains("failed") && outbox.out.contains("the broker never took it"), "\(outbox.out)")
    }

    @Test func sendWithAWrongPasswordFails69AndTailSaysWhy() async throws {
        let broker = try MosquittoBroker(user: (name: "valley", password: "right"))
        defer { broker.stop() }
        let (root, home) = try Self.home()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pw = root + "/pw"
        try "wrong\n".write(toFile: pw, atomically: true, encoding: .utf8)
        chmod(pw, 0o600)
        let r = try CLI.run(["send", "east", "let me in", "--mqtt", broker.url, "--user", "valley", "--password-file", pw,
                             "--via", "mqtt", "--timeout", "30", "--home", home])
        #expect(r.status == 69, "\(r.out)\(r.err)")
        #expect(r.err.lowercased().contains("not authori"), "\(r.err)")
        let tail = try Background(["tail", "--home", home, "--mqtt", broker.url, "--user", "valley", "--password-file", pw, "--via", "mqtt"])
        defer { tail.stop() }
        #expect(await tail.wait(timeout: 30) { tail.err.lowercased().contains("not authori") && tail.err.contains("retrying") }, "\(tail.err)")
        // With the right password the same message goes.
        try "right\n".write(toFile: pw, atomically: true, encoding: .utf8)
        chmod(pw, 0o600)
        tail.stop()
        let retry = try CLI.run(["outbox", "retry", "--mqtt", broker.url, "--user", "valley", "--password-file", pw, "--via", "mqtt",
                                 "--timeout", "30", "--home", home])
        #expect(retry.status == 0, "\(retry.out)\(retry.err)")
    }
}
