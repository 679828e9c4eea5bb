import Foundation
import GRDB
import LoraCrypto
import MeshtasticWire
import Testing
import TestSupport

/// What a thief gets from one home's files: the identity and each contact's ratchet state.
private struct HomeFiles {
    let identity: IdentityKeyPair
    let ratchets: [RatchetState]
    let bytes: Data

    init(_ home: String) throws {
        identity = try IdentityFile.load(from: home + "/identity.key")
        let db = home + "/messages.sqlite"
        let blobs = try RawDB.rows(db, "SELECT state FROM ratchet").map { $0["state"] as Data }
        ratchets = blobs.compactMap { try? RatchetState(stored: [UInt8]($0)) }
        bytes = ((try? Data(contentsOf: URL(fileURLWithPath: db))) ?? Data()) + ((try? Data(contentsOf: URL(fileURLWithPath: db + "-wal"))) ?? Data())
    }

    /// The text inside a recorded 0x06 frame, if anything in these files opens it.
    func open(_ frame: [UInt8], peer: PublicKey) -> String? {
        guard let e = try? RatchetEnvelope(bytes: frame), let k = try? ContactKey(own: identity, peer: peer) else { return nil }
        for state in ratchets {
            var s = state
            if let opened = try? s.open(e, contactKey: k, now: 0) { return String(decoding: opened.plaintext.dropFirst(), as: UTF8.self) }
        }
        return nil
    }
}

/// Copies a home's files, as a thief would at that moment.
private func snapshot(_ home: String, to copy: String) throws {
    try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
    for f in ["identity.key", "messages.sqlite", "messages.sqlite-wal", "messages.sqlite-shm"] where FileManager.default.fileExists(atPath: home + "/" + f) {
        try FileManager.default.copyItem(atPath: home + "/" + f, toPath: copy + "/" + f)
    }
}

@Suite(.serialized) struct ForwardSecrecyCommandTests {
    /// The attacker records the air (`sim --capture`) of a conversation between two homes,
    /// then takes both homes' files after the ratchet moved on and retention expired the
    /// copies: no recorded envelope opens. The files taken while the message was fresh open
    /// it (positive control).
    @Test func recordedAirStaysClosedAfterTheRatchetMovesOn() async throws {
        let c = try await Chain(Chain.pair, speed: 20, scaledTime: true)
        defer { c.close() }
        let aTail = try c.tail("a"), bTail = try c.tail("b")
        defer { aTail.stop(); bTail.stop() }
        try await listening(aTail, bTail)
        func say(_ from: String, _ text: String) throws {
            let r = try c.run(from, ["send", from == "a" ? "b" : "a", text, "--wait", "delivered", "--timeout", "600"])
            try #require(r.status == 0, "\(from): \(text): \(r.err)")
        }
        try say("a", "hello")                              // static key; b's receipt offers its ratchet
        let secret = "the key is under the blue stone"
        try say("a", secret)                               // ratcheted
        let early = c.root + "/stolen-early"
        try snapshot(c.home("b"), to: early)
        for n in 0..<(RatchetState.maxRetiring + 2) {      // enough round trips to retire the old keys
            try say("b", "b \(n)")
            try say("a", "a \(n)")
        }
        for h in ["a", "b"] {
            let r = try CLI.run(["config", "retention", "1m", "--home", c.home(h)], environment: c.environment)
            #expect(r.status == 0, "\(r.err)")
        }
        let history = try CLI.run(["history", "a", "--limit", "100", "--home", c.home("b")], environment: c.environment)
        #expect(history.status == 0 && !history.out.contains("hello") && !history.out.contains("blue stone"), "b's copies expired: \(history.out)")
        aTail.stop(); bTail.stop()

        // The air as recorded: every 0x06 payload a's radio put on it.
        let frames: [[UInt8]] = c.air().compactMap { e in
            guard e["event"] as? String == "transmitted", e["station"] as? String == "a", let hex = e["bytes"] as? String,
                  let packet = try? MeshPacket(decoding: Array(hexBytes(hex))), let d = packet.decoded, d.payload.first == 0x06 else { return nil }
            return d.payload
        }
        #expect(frames.count >= 5, "\(frames.count) ratcheted frames from a")
        let alice = try IdentityFile.load(from: c.home("a") + "/identity.key").publicKey
        let bob = try IdentityFile.load(from: c.home("b") + "/identity.key").publicKey
        // Positive control: b's files of the time open the secret's frame.
        let then = try HomeFiles(early)
        let recorded = frames.filter { then.open($0, peer: alice) == secret }
        #expect(recorded.count >= 1, "the early files open the recorded secret")
        // Now: neither home's files open any recorded copy of it, nor hold its text.
        let now = [try HomeFiles(c.home("a")), try HomeFiles(c.home("b"))]
        for frame in recorded {
            #expect(now[0].open(frame, peer: bob) == nil && now[1].open(frame, peer: alice) == nil)
        }
        for files in now { #expect(files.bytes.range(of: Data("blue stone".utf8)) == nil) }
        #expect(!c.air().contains { ($0["bytes"] as? String)?.contains(Data("blue stone".utf8).map { String(format: "%02x", $0) }.joined()) == true })
    }
}

func hexBytes(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.makeIterator()
    while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16) ?? 0) }
    return out
}
