import ArgumentParser
import LoraMessenger

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Settings of this home.",
        subcommands: [ConfigReadReceipts.self, ConfigRetention.self]
    )
}

struct ConfigReadReceipts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-receipts",
        abstract: "Tell senders when you were shown their messages (off by default).",
        discussion: """
        Delivery receipts always go: they say your lora-msg stored a message. Read receipts say \
        more (that you looked, and roughly when), so they are off unless you turn them on. A \
        message counts as read when 'tail' prints it to a terminal or 'history' shows it. With \
        no argument, prints the setting.
        """
    )

    enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off }

    @OptionGroup var home: HomeOptions
    @Argument(help: ArgumentHelp("on or off.", valueName: "on|off")) var value: Switch?

    func run() throws {
        let m = try home.openMessenger()
        if let value { try m.setReadReceipts(value == .on) }
        print("read receipts \(m.readReceiptsEnabled ? "on" : "off")")
    }
}

struct ConfigRetention: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Delete messages older than this (off by default: kept for ever).",
        discussion: """
        With contacts that ratchet (lora-msg 0.3 and later on both sides), an envelope recorded \
        from the air can no longer be opened once both sides have moved to new ratchet keys (one \
        round trip, then an hour). What this home still stores it can still show: retention \
        deletes it when it is older than the time given, and with it the last way to read it. \
        Messages never handed to a radio stay. Applied now, and whenever lora-msg runs.

        Examples: 'lora-msg config retention 7d', '… 12h', '… 90m', '… off'. With no \
        argument, prints the setting.
        """
    )

    @OptionGroup var home: HomeOptions
    @Argument(help: ArgumentHelp("A duration (30m, 12h, 7d) or off.", valueName: "duration|off")) var value: String?

    /// "7d" → 604800; "off" → nil. Minutes, hours or days; at least a minute, at most ten years.
    static func seconds(_ text: String) throws -> Double? {
        if text == "off" { return nil }
        let units: [Character: Double] = ["m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let n = Int(text.dropLast()), n > 0, Double(n) * unit <= 3650 * 86_400 else {
            throw ValidationError("retention is a number of minutes, hours or days (30m, 12h, 7d), or off; got '\(text)'")
        }
        return Double(n) * unit
    }

    func validate() throws { if let value { _ = try Self.seconds(value) } }

    func run() throws {
        let m = try home.openMessenger()
        if let value { try m.setRetention(seconds: try Self.seconds(value)) }
        guard let s = m.retentionSeconds else { print("retention off (messages kept for ever)"); return }
        let text = s.truncatingRemainder(dividingBy: 86_400) == 0 ? "\(Int(s / 86_400))d"
            : s.truncatingRemainder(dividingBy: 3600) == 0 ? "\(Int(s / 3600))h" : "\(Int(s / 60))m"
        print("retention \(text): messages older are deleted")
    }
}
