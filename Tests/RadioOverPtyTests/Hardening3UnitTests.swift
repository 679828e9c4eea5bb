import Foundation
import Testing
@testable import LoraMessenger
@testable import lora_msg

/// Hardening 3, items 3 and 4: what `tail`, `history` and `save` print of a stranger's words.
@Suite struct Hardening3UnitTests {
    /// A suggested command, pasted into a shell, names exactly the stranger's display name and
    /// runs nothing else.
    @Test(arguments: ["a';touch pwned;'", "carol's farm", "north farm", "$(reboot)", "`id`", "back\\slash", "''"])
    func aSuggestedNameIsOneShellWord(name: String) throws {
        let dir = NSTemporaryDirectory() + "lora-msg-quote-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.currentDirectoryURL = URL(fileURLWithPath: dir)
        sh.arguments = ["-c", "printf '%s' " + shellQuoted(name)]
        let out = Pipe()
        sh.standardOutput = out
        try sh.run()
        sh.waitUntilExit()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed == name)
        #expect(!FileManager.default.fileExists(atPath: dir + "/pwned"))
    }

    /// A media type with terminal escapes (set the title, clear the screen) is printed inert.
    @Test func aFilesMediaTypeCannotDriveTheTerminal() {
        let hostile = IncomingFile(name: "map.png", mediaType: "image/png\u{1B}]0;owned\u{07}\u{1B}[2J", size: 10)
        let line = FileText.line(hostile, id: "1a2b3c4d")
        #expect(!line.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(line)")
        #expect(line.contains("\\u{1b}]0;owned"))
    }
}

/// Found by implementing PROTOCOL.md from the document alone: half the world is south or west
/// of zero, and the command line must take it.
@Suite struct NegativeCoordinateTests {
    @Test func negativeLatitudeLongitudeAndAltitudeParse() throws {
        let c = try ShareLocationCommand.parse(["carol", "--lat", "-33.87", "--lon", "-0.57", "--alt", "-3", "--home", "/tmp/x"])
        #expect(c.lat == -33.87 && c.lon == -0.57 && c.alt == -3)
        let e = try ShareLocationCommand.parse(["carol", "--lon", "151.21", "--lat", "-33.87"])
        #expect(e.lat == -33.87 && e.lon == 151.21)
        // A value is still required: '--lat' last is an error, not a silent nil.
        #expect(throws: (any Error).self) { try ShareLocationCommand.parse(["carol", "--lat"]) }
    }
}

@Suite struct TimeoutOptionTests {
    /// `--timeout 0` was refused as "between 0 and 86400", a negative one as "Missing value".
    @Test(arguments: ["0", "-5", "86401"])
    func anOutOfRangeTimeoutSaysTheRange(value: String) {
        do {
            _ = try SendCommand.parse(["east", "hi", "--timeout", value])
            Issue.record("accepted \(value)")
        } catch {
            let text = SendCommand.message(for: error)
            #expect(text.contains("more than 0 and at most 86400"), "\(text)")
        }
    }
}
