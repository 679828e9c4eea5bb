import ArgumentParser
import LoraMessenger

struct SaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Write a received file out (it is kept sealed until you ask).",
        discussion: "ID is the message id 'tail' or 'history --json' shows, or its first characters. The file is written with mode 0600; an existing file is never overwritten."
    )

    @OptionGroup var home: HomeOptions
    @Argument(help: ArgumentHelp("The message id.", valueName: "id")) var id: String
    @Argument(help: ArgumentHelp("Where to write it.", valueName: "path")) var path: String

    func run() throws {
        let f = try home.openMessenger().saveFile(messageID: id, to: path)
        print("saved '\(terminalSafe(f.name))' (\(terminalSafe(f.mediaType)), \(f.size) bytes) to \(path)")
    }
}
