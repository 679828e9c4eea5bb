import Foundation
import LoraMessenger
import Testing
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
        #expect((json["qr"] as? [String])?.count == 21)
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
        #expect(await tail.wait { tail.err.contains("listening") })
        let r = try CLI.run(["radio", "info", "--port", v.port("north")])
        #expect(r.status == 69)
        #expect(r.err.contains("(pid \(tail.process.processIdentifier))"), "\(r.err)")
    }
}
