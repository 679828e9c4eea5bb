import ArgumentParser
import Testing
@testable import lora_msg

/// Every command's help, as `lora-msg … --help` prints it: written prose, not source escapes.
@Suite struct HelpTextTests {
    static func commands(_ root: any ParsableCommand.Type = LoraMsg.self) -> [any ParsableCommand.Type] {
        [root] + root.configuration.subcommands.flatMap { commands($0) }
    }

    @Test func everyCommandHasAnAbstractAndNoStrayEscapes() {
        let all = Self.commands()
        #expect(all.count >= 39)   // every verb and subcommand, found through the tree
        for command in all {
            let help = LoraMsg.helpMessage(for: command, columns: 100)
            #expect(!command.configuration.abstract.isEmpty, "\(command) has no abstract")
            // A line continuation written `\\` in a multi-line literal prints a backslash.
            #expect(!help.contains("\\\n") && !help.contains("\\ "), "\(command): \(help)")
        }
    }
}
