import ArgumentParser
import LoraMessenger

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Settings of this home.",
        subcommands: [ConfigReadReceipts.self]
    )
}

struct ConfigReadReceipts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-receipts",
        abstract: "Tell senders when you were shown their messages (off by default).",
        discussion: """
        Delivery receipts always go: they say your lora-msg stored a message. Read receipts say \\
        more (that you looked, and roughly when), so they are off unless you turn them on. A \\
        message counts as read when 'tail' prints it to a terminal or 'history' shows it. With \\
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
