import ArgumentParser
import LoraMessenger

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Settings of this home.",
        subcommands: [ConfigReadReceipts.self, ConfigRetention.self, ConfigResend.self]
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
    static func seconds(_ text: String, what: String = "retention") throws -> Double? {
        if text == "off" { return nil }
        let units: [Character: Double] = ["m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let n = Int(text.dropLast()), n > 0, Double(n) * unit <= 3650 * 86_400 else {
            throw ValidationError("\(what) is a number of minutes, hours or days (30m, 12h, 7d), or off; got '\(text)'")
        }
        return Double(n) * unit
    }

    func validate() throws { if let value { _ = try Self.seconds(value) } }

    func run() throws {
        let m = try home.openMessenger()
        if let value { try m.setRetention(seconds: try Self.seconds(value)) }
        guard let s = m.retentionSeconds else { print("retention off (messages kept for ever)"); return }
        print("retention \(Self.text(s)): messages older are deleted")
    }

    /// 604800 → "7d", 43200 → "12h", 5400 → "90m".
    static func text(_ s: Double) -> String {
        s.truncatingRemainder(dividingBy: 86_400) == 0 ? "\(Int(s / 86_400))d"
            : s.truncatingRemainder(dividingBy: 3600) == 0 ? "\(Int(s / 3600))h" : "\(Int(s / 60))m"
    }
}

struct ConfigResend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resend",
        abstract: "How often lora-msg sends a message again when no receipt comes back.",
        discussion: """
        A message whose recipient's lora-msg has not answered with its receipt is sent again \
        (the same envelope; the receiver keeps one copy and answers again) by whichever of \
        'tail', 'chat' or 'send --wait' holds the radio. The wait for a receipt is learned per \
        contact from earlier receipts, doubles after each attempt, and stops growing at 30 min; \
        a contact heard again after silence gets their messages at once. After the last attempt, \
        or past the time to live, the message is 'failed' with the reason ('outbox retry' still \
        sends it). Defaults: 6 attempts within 24h; six sends of a 100-byte text cost about 6 s \
        of airtime, 2 % of EU_868's hourly budget.

        Examples: 'lora-msg config resend --attempts 4 --ttl 12h', '… --attempts 1' (never \
        again by itself). With no option, prints the setting.
        """
    )

    @OptionGroup var home: HomeOptions
    @Option(help: ArgumentHelp("Sends in all, the first included (1…20).", valueName: "n")) var attempts: Int?
    @Option(help: ArgumentHelp("Give up after this long (30m, 12h, 7d).", valueName: "duration")) var ttl: String?

    func validate() throws {
        if let ttl, try ConfigRetention.seconds(ttl, what: "the resend ttl") == nil {
            throw ValidationError("the resend ttl is a duration (30m, 12h, 7d); got 'off'")
        }
    }

    func run() throws {
        let m = try home.openMessenger()
        if attempts != nil || ttl != nil {
            try m.setResend(attempts: attempts, timeToLive: try ttl.flatMap { try ConfigRetention.seconds($0, what: "the resend ttl") })
        }
        let p = m.resendPolicy
        print("resend: \(p.maxAttempts) \(p.maxAttempts == 1 ? "attempt (never again by itself)" : "attempts") within \(ConfigRetention.text(p.timeToLive))")
    }
}
