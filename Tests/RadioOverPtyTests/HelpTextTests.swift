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

    /// The root's verbs are grouped in --help, and each appears in exactly one group.
    @Test func theRootsVerbsAreGroupedOnce() {
        let groups = LoraMsg.configuration.groupedSubcommands
        #expect(groups.map(\.name) == ["Start", "Talk", "Look back", "Radio", "Home", "Tools"])
        let names = groups.flatMap { $0.subcommands.map { $0._commandName } }
        #expect(Set(names).count == names.count && names.count == LoraMsg.configuration.subcommands.count)
        #expect(LoraMsg.configuration.ungroupedSubcommands.isEmpty)
        let help = LoraMsg.helpMessage(for: LoraMsg.self, columns: 100)
        for header in ["START SUBCOMMANDS:", "TALK SUBCOMMANDS:", "LOOK BACK SUBCOMMANDS:", "RADIO SUBCOMMANDS:", "HOME SUBCOMMANDS:", "TOOLS SUBCOMMANDS:"] {
            #expect(help.contains(header), "\(help)")
        }
    }
}
