import Foundation
import Testing
import TestSupport

/// `lora-msg config retention`: the setting, and durations it refuses with one line.
@Suite struct RetentionCommandTests {
    @Test func retentionIsSetShownAndTurnedOff() throws {
        let dir = TempDirectory("retention")
        let home = dir.file("home")
        try #require(try CLI.run(["init", "--home", home]).status == 0)
        #expect(try CLI.run(["config", "retention", "--home", home]).out.hasPrefix("retention off"))
        let week = try CLI.run(["config", "retention", "7d", "--home", home])
        #expect(week.status == 0 && week.out.hasPrefix("retention 7d"), "\(week.err)")
        #expect(try CLI.run(["config", "retention", "--home", home]).out.hasPrefix("retention 7d"), "kept")
        #expect(try CLI.run(["config", "retention", "90m", "--home", home]).out.hasPrefix("retention 90m"))
        #expect(try CLI.run(["config", "retention", "off", "--home", home]).out.hasPrefix("retention off"))
        // A negative number reads as an option: the parser refuses it.
        #expect(try CLI.run(["config", "retention", "-1d", "--home", home]).status == 64)
    }

    @Test(arguments: ["7x", "0d", "d", "", "99999d", "7 d", "1.5h"])
    func badDurationsGiveOneLine(_ value: String) throws {
        let dir = TempDirectory("retention")
        let home = dir.file("home")
        try #require(try CLI.run(["init", "--home", home]).status == 0)
        let r = try CLI.run(["config", "retention", value, "--home", home])
        #expect(r.status == 64, "\(value): \(r.err)")
        #expect(r.err.contains("retention is a number"), "\(value): \(r.err)")
        #expect(!r.err.contains("Fatal") && !r.err.contains("Stack"))
        #expect(try CLI.run(["config", "retention", "--home", home]).out.hasPrefix("retention off"), "nothing changed")
    }
}

@Suite struct VersionCommandTests {
    @Test func versionSaysTheProtocolsItSpeaks() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.out.hasPrefix("lora-msg 0.3.0") && r.out.contains("envelope v1") && r.out.contains("0x06"), "\(r.out)")
    }
}
