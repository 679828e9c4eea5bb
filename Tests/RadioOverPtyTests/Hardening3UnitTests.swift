import Foundation
import Testing
@testable import LoraMessenger
import LoraCrypto
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

@Suite struct LocationTextTests {
    /// 6.63 sent reads 6.63 in the sender's own history (it came back as 6.629992, shown as
    /// 6.62999); a real fix keeps its 5 decimals; a fix from another day shows its date.
    @Test func coordinatesReadAsSentAndOldFixesShowTheirDate() throws {
        let fix = try LocationFix(latitude: 46.52, longitude: 6.63, fixTime: 1_790_000_000)
        let l = SharedLocation(lat: fix.latitude, lon: fix.longitude, alt: nil, accuracy: nil, fixTime: Double(fix.fixTime))
        let line = LocationText.line(l, from: nil, now: Double(fix.fixTime) + 60)
        #expect(line.hasPrefix("location 46.52, 6.63,"), "\(line)")
        #expect(!line.contains("2026-"), "today's fix shows only its time: \(line)")
        let precise = try LocationFix(latitude: 46.519734, longitude: -0.571283, fixTime: 0)
        let p = SharedLocation(lat: precise.latitude, lon: precise.longitude, alt: nil, accuracy: nil, fixTime: 4_294_967_295)
        let far = LocationText.line(p, from: nil, now: 1_790_000_000)
        #expect(far.contains("46.51973, -0.57129"), "within the 2.1e-5° step of -0.571283: \(far)")
        #expect(far.contains("2106-02-07"), "a fix dated 2106 says so: \(far)")
    }
}

@Suite struct ChatWrapTests {
    /// Minor: chat counted a raw control character in a file's media type as 0 columns while
    /// the terminal drew it as two (^[), so the line overflowed and the message id was cut.
    /// Now nothing raw reaches the wrap, and each row's columns are what the terminal draws.
    @Test func aHostileMediaTypeCannotPushTheIdOffTheRow() {
        let f = IncomingFile(name: "map.png", mediaType: "image/png\u{1B}[2J\u{07}", size: 10)
        let rows = ChatScreen.conversation([("12:00 bob:", FileText.line(f, id: "1a2b3c4d-0000"), 0)], width: 40, height: 20)
        #expect(rows.allSatisfy { r in !r.text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
        #expect(rows.allSatisfy { ChatScreen.columns($0.text) <= 40 })
        #expect(rows.contains { $0.text.contains("1a2b3c4d") })
    }
}

@Suite struct ConfigResendArgumentTests {
    @Test(arguments: ["off", "5x", "0m", "", "-3h"])
    func aBadTimeToLiveIsOneLine(ttl: String) {
        #expect(throws: (any Error).self) { try ConfigResend.parse(["--ttl", ttl]) }
    }

    @Test func goodValuesParse() throws {
        let c = try ConfigResend.parse(["--attempts", "4", "--ttl", "12h"])
        #expect(c.attempts == 4 && c.ttl == "12h")
    }
}
