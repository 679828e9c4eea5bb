import Foundation
import MeshtasticWire
import RadioLink
import LoraMessenger
import Testing
import TestSupport
@testable import MeshSim

/// The CLI's side of the hardening review, run as a user would.
@Suite(.serialized) struct HardeningCommandTests {
    /// The README's exit-code table is the one mapping, `ExitStatus`, word for word.
    @Test func readmeExitCodeTableMatchesTheOneMapping() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var table: [Int32: String] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count == 2, let code = Int32(cells[0]) { table[code] = cells[1] }
        }
        for s in ExitStatus.allCases {
            #expect(table[s.rawValue] == s.meaning, "README row for \(s.rawValue)")
        }
        #expect(table.count == ExitStatus.allCases.count)
    }

    @Test func emptyHomeIsAUsageError() throws {
        let r = try CLI.run(["init", "--home", ""])
        #expect(r.status == 64)
        #expect(r.err.hasPrefix("lora-msg: --home is empty"))
    }

    @Test func aHomeUnderAFileIsOneLine73() throws {
        let file = NSTemporaryDirectory() + "lora-msg-f-" + UUID().uuidString.prefix(8)
        FileManager.default.createFile(atPath: file, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try CLI.run(["init", "--home", file + "/h"])
        #expect(r.status == 73)
        #expect(r.err.split(separator: "\n").count == 1 && !r.err.contains("NSCocoaErrorDomain"))
    }

    @Test func idQRWithJSONIsJSONOnly() async throws {
        let home = NSTemporaryDirectory() + "lora-msg-id-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: home) }
        #expect(try CLI.run(["init", "--home", home]).status == 0)
        let r = try CLI.run(["id", "--qr", "--json", "--home", home])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        // A QR code of version v is 17 + 4v modules wide, plus the 4-module quiet zone on each
        // side, drawn two module rows per line. The version depends on the key (libqrencode
        // packs runs of digits tighter), so the size is checked, not fixed.
        let qr = try #require(json["qr"] as? [String])
        let width = try #require(qr.first?.count)
        #expect(qr.allSatisfy { $0.count == width })
        #expect((width - 8 - 17) % 4 == 0 && width >= 29, "\(width) is not a QR code's width")
        #expect(qr.count == (width + 1) / 2)
        #expect((json["public_key"] as? String)?.count == 44)
    }

    @Test func aNameThatLooksLikeFlagsIsNotHelp() throws {
        let r = try CLI.run(["contact", "add", "-dash", "AAAA"])
        #expect(r.status != 0)
    }

    @Test func aNonUTF8ArgumentIsRefused() throws {
        // Process passes String arguments; sh -c gets the raw byte through printf.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "exec \"$0\" send bob \"$(printf 'caf\\351')\" --home /nonexistent", CLI.binary]
        let err = Pipe()
        p.standardError = err; p.standardOutput = Pipe()
        try p.run(); p.waitUntilExit()
        #expect(p.terminationStatus == 65)
        #expect(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("not valid UTF-8"))
    }

    @Test func portWithHostIsAmbiguous() throws {
        let r = try CLI.run(["radio", "info", "--port", "/dev/ttyACM0", "--host", "127.0.0.1"])
        #expect(r.status == 64)
        let e = try CLI.run(["radio", "info", "--host", "127.0.0.1"], environment: ["LORA_MSG_PORT": "/dev/ttyUSB0"])
        #expect(e.status == 64)
    }

    /// A sim must not replace or delete what it did not make, nor take over another's links.
    @Test func simLinkDirRefusesForeignEntriesAndASecondSim() async throws {
        let dir = NSTemporaryDirectory() + "lora-msg-links-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/alice", contents: Data("mine".utf8))
        let r = try CLI.run(["sim", "--scenario", "two-radios", "--link-dir", dir])
        #expect(r.status == 73)
        #expect(r.err.contains("not made by lora-msg sim"))
        #expect(try String(contentsOfFile: dir + "/alice", encoding: .utf8) == "mine")
        try FileManager.default.removeItem(atPath: dir + "/alice")
        let first = try Background(["sim", "--scenario", "two-radios", "--link-dir", dir])
        defer { first.stop() }
        #expect(await first.wait { first.out.contains("ready") })
        let second = try CLI.run(["sim", "--scenario", "two-radios", "--link-dir", dir])
        #expect(second.status == 73)
        #expect(second.err.contains("in use by another running"))
        // The first sim's links survive the refused second one.
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/alice")) != nil)
        first.stop()
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/alice")) == nil)
    }

    /// "in use by" names the process holding the port (tail), not the sim on the pty's far end.
    @Test func busyPortNamesTheRealHolder() async throws {
        let v = try await Valley()
        defer { v.close() }
        let tail = try v.tail("north")
        defer { tail.stop() }
        // The property is who is named, not how fast tail starts: under a loaded CI machine
        // its handshake with the in-process sim once took more than 15 s.
        try #require(await tail.wait(timeout: 60) { tail.err.contains("listening") }, "\(tail.err)")
        let r = try CLI.run(["radio", "info", "--port", v.port("north")])
        #expect(r.status == 69)
        #expect(r.err.contains("(pid \(tail.process.processIdentifier))"), "\(r.err)")
    }
}

/// The hijack of the hardening review, replayed on the valley sim. North learns east's radio
/// only from east's authenticated receipt; an envelope of east's that north has not seen yet,
/// transmitted by the ridge radio, is shown but binds nothing, and a DM to east is still
/// acknowledged by east.
@Suite(.serialized) struct ReplayFromRidgeTests {
    @Test func aReplayFromTheRidgeDoesNotHijackEast() async throws {
        let v = try await Valley()
        defer { v.close() }
        let tail = try v.tail("north")
        defer { tail.stop() }
        try await listening(tail)
        var eastTail = try v.tail("east")
        try await listening(eastTail)
        // East's receipt for north's message: delivered, and east's radio named inside it.
        let first = try v.run("north", ["send", "east", "first", "--wait", "delivered", "--timeout", "90"])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.hasPrefix("delivered"), "\(first.out)")
        var show = try contactJSON(v, "north", "east")
        #expect(show["node"] as? String == v.node("east"), "bound by east's own receipt")
        eastTail.stop()
        _ = await eastTail.exited(timeout: 10)
        // An envelope of east's that never left east (its radio was not there)...
        let unsent = try v.run("east", ["send", "north", "second, via the ridge", "--port", "/dev/lora-msg-absent"])
        #expect(unsent.status == 69)
        let row = try #require(try RawDB.rows(v.db("east"), "SELECT envelope FROM message WHERE state = 'pending'").first)
        let envelope = [UInt8](row["envelope"] as Data)
        // ...goes on the air from the ridge radio.
        let ridge = try await RadioConnection.connect(to: .serial(v.port("ridge")), options: quickOptions())
        var p = MeshPacket(); p.to = MeshPacket.broadcast
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: envelope))
        _ = try await ridge.send(p)
        #expect(await tail.wait { tail.lines.contains { $0.hasSuffix("second, via the ridge") } }, "north shows it: it is east's, and authentic")
        await ridge.close()
        show = try contactJSON(v, "north", "east")
        #expect(show["node"] as? String == v.node("east"), "east's radio is kept")
        #expect((show["other_nodes"] as? [String]) == [v.node("ridge")], "the ridge is recorded, not used")
        // A DM to east is acknowledged by east, not by the ridge.
        eastTail = try v.tail("east")
        defer { eastTail.stop() }
        try await listening(eastTail)
        let sent = try v.run("north", ["send", "east", "did you get it", "--wait", "ack", "--timeout", "60"])
        #expect(sent.status == 0, "\(sent.err)")
        #expect(sent.out.contains("acked") && sent.out.contains("DM to \(v.node("east"))"), "\(sent.out)")
    }

    private func contactJSON(_ v: Valley, _ home: String, _ name: String) throws -> [String: Any] {
        let show = try v.run(home, ["contact", "show", name, "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any])
    }
}

@Suite(.serialized) struct WaitAndOutputTests {
    /// A duty-cycle wait longer than --timeout ends at once with 75, message kept; `outbox
    /// retry` says what it waits for.
    @Test func aDutyCycleWaitHonoursTimeoutAndShowsProgress() async throws {
        let v = try await Valley()
        defer { v.close() }
        let now = Date().timeIntervalSince1970
        // The whole hour's budget used a minute ago: the next slot is ~59 minutes away.
        try RawDB.execute(v.db("north"), "INSERT INTO airtime (started_at, milliseconds) VALUES (\(now - 60), 360000)")
        let started = Date()
        let r = try v.run("north", ["send", "east", "not this hour", "--timeout", "10", "--port", v.port("north")])
        #expect(r.status == 75, "\(r.err)")
        #expect(Date().timeIntervalSince(started) < 10, "it must not wait for a slot past --timeout")
        #expect(r.err.contains("stays in the outbox"))
        #expect(try RawDB.rows(v.db("north"), "SELECT state FROM message").map { $0["state"] as String } == ["pending"])
        // Just under the budget, the wait fits: retry shows the countdown while it waits.
        try RawDB.execute(v.db("north"), "DELETE FROM airtime; INSERT INTO airtime (started_at, milliseconds) VALUES (\(now - 3600 + 1.5), 2000), (\(now - 60), 357900)")
        let retry = try v.run("north", ["outbox", "retry", "--timeout", "30", "--port", v.port("north")])
        #expect(retry.status == 0, "\(retry.err)")
        #expect(retry.err.contains("waiting — radio duty cycle, next slot in"))
    }

    @Test func stdinLosesOneCRLFAndJSONHasEveryKey() async throws {
        let v = try await Valley()
        defer { v.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["send", "east", "-", "--home", v.home("north"), "--port", "/dev/lora-msg-absent"]
        let input = Pipe()
        p.standardInput = input; p.standardOutput = Pipe(); p.standardError = Pipe()
        try p.run()
        input.fileHandleForWriting.write(Data("dos line\r\n".utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        #expect(p.terminationStatus == 69)
        let h = try v.run("north", ["history", "east", "--json"])
        let line = try #require(try JSONSerialization.jsonObject(with: Data(h.out.utf8)) as? [String: Any])
        #expect(line["text"] as? String == "dos line")
        // Unknown values are null, never missing keys.
        for key in ["hops", "rssi", "snr", "received_at", "failure", "unreadable"] { #expect(line.keys.contains(key), "history lacks \(key)") }
        let c = try v.run("north", ["contact", "list", "--json"])
        for row in c.out.split(separator: "\n") {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
            for key in ["node", "verified_at", "last_heard_at", "safety_number", "other_nodes"] { #expect(obj.keys.contains(key), "contact lacks \(key)") }
            #expect(obj["verified_at"] is NSNull)
        }
    }

    @Test func anUnreachableHostSaysConnectionRefused() throws {
        let home = TempDirectory("refused")
        #expect(try CLI.run(["init", "--home", home.path]).status == 0)
        let other = TempDirectory("refused-b")
        #expect(try CLI.run(["init", "--home", other.path]).status == 0)
        let key = try #require((try JSONSerialization.jsonObject(with: Data(try CLI.run(["id", "--json", "--home", other.path]).out.utf8)) as? [String: Any])?["public_key"] as? String)
        #expect(try CLI.run(["contact", "add", "b", key, "--home", home.path]).status == 0)
        let r = try CLI.run(["send", "b", "hi", "--host", "127.0.0.1:1", "--home", home.path])
        #expect(r.status == 69)
        #expect(r.err.contains("cannot connect to 127.0.0.1:1") && r.err.contains("refused"), "\(r.err)")
        #expect(!r.err.contains("unplugged"))
    }
}

/// Every documented exit code, reached the way a user reaches it (70 and 74 at the mapping:
/// no input reaches them on purpose).
@Suite(.serialized) struct ExitCodeTests {
    @Test func aDroppedTableIsDamage65AndADirectoryIsNotASerialPort69() async throws {
        let v = try await Valley()
        defer { v.close() }
        try RawDB.execute(v.db("north"), "DROP TABLE airtime")
        let r = try v.run("north", ["send", "east", "hi", "--port", v.port("north")])
        #expect(r.status == 65, "\(r.err)")
        #expect(r.err.contains("damaged"))
        let d = try CLI.run(["radio", "info", "--port", NSTemporaryDirectory()])
        #expect(d.status == 69)
        #expect(d.err.contains("not a serial port"))
    }

    @Test func initOverAnIdentityIs73() throws {
        let home = TempDirectory("twice")
        #expect(try CLI.run(["init", "--home", home.path]).status == 0)
        let again = try CLI.run(["init", "--home", home.path])
        #expect(again.status == 73)
        #expect(again.err.contains("--force") || again.err.contains("exists"))
    }

    @Test func theCodesNoInputReachesByDesign() {
        #expect(MessengerError.identity(.io(path: "/x", operation: "write", errno: EIO)).exitStatus == .ioError)
        #expect(MessengerError.store(.diskFull(path: "/x")).exitStatus == .ioError)
        #expect(MessengerError.crypto(.libraryUnavailable).exitStatus == .software)
        #expect(Set(ExitStatus.allCases.map(\.rawValue)) == [0, 64, 65, 66, 69, 70, 73, 74, 75, 77])
    }
}
