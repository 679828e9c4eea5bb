import ArgumentParser
import Foundation
import Glibc
import LoraMessenger

@main
struct LoraMsg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lora-msg",
        abstract: "End-to-end encrypted short texts over a Meshtastic LoRa mesh.",
        discussion: """
        Each message is sealed for one contact (X25519 + XChaCha20-Poly1305) before it \
        reaches the radio, so relays and the air only ever carry ciphertext.

        Start with 'lora-msg init' to create your identity, then 'lora-msg id' to show the \
        public key your contacts need.
        """,
        version: LoraMsgVersion.string,
        // Grouped in --help by what a user is doing: getting started, talking, looking back,
        // the radio, the home itself, and the tools.
        groupedSubcommands: [
            CommandGroup(name: "Start", subcommands: [InitCommand.self, IdCommand.self, ContactCommand.self, GroupCommand.self]),
            CommandGroup(name: "Talk", subcommands: [SendCommand.self, TailCommand.self, ChatCommand.self, ShareLocationCommand.self, MailboxCommand.self]),
            CommandGroup(name: "Look back", subcommands: [HistoryCommand.self, OutboxCommand.self, SaveCommand.self]),
            CommandGroup(name: "Radio", subcommands: [RadioCommand.self, GatewayCommand.self]),
            CommandGroup(name: "Home", subcommands: [ConfigCommand.self, BackupCommand.self, RestoreCommand.self]),
            CommandGroup(name: "Tools", subcommands: [SimCommand.self, BenchCommand.self]),
        ],
        // No -h: a contact name like "-dash" would otherwise parse as the flags -d -a -s -h
        // and print help with exit 0 instead of an error.
        helpNames: [.long]
    )

    /// The one error path: every command throws, and here each error becomes one line on
    /// stderr and its exit status (`ExitStatus`); argument-parser reports its own errors.
    static func main() async {
        unblockStopSignals()
        if let bad = firstNonUTF8Argument() {
            printError("lora-msg: argument \(bad) is not valid UTF-8; messages and names must be UTF-8 text")
            Glibc.exit(ExitStatus.dataError.rawValue)
        }
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let e as any ReportableError {
            printError("lora-msg: \(e.message)")
            Glibc.exit(e.exitStatus.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// Swift repairs bad UTF-8 in argv to U+FFFD; a message must not be sent altered.
    static func firstNonUTF8Argument() -> Int? {
        for i in 1..<Int(CommandLine.argc) {
            guard let p = CommandLine.unsafeArgv[i] else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p))
            if String(validating: bytes, as: UTF8.self) == nil { return i }
        }
        return nil
    }
}

enum LoraMsgVersion {
    static let number = "0.3.0"
    /// What `--version` prints: the build and the protocol it speaks (docs/PROTOCOL.md).
    static let string = "lora-msg \(number) (envelope v1; v2 frames 0x02-0x05; ratcheted envelope 0x06)"
}

/// A parent may have started us with signals blocked (a thread pool's mask is inherited
/// through exec); Ctrl-C and SIGTERM must reach `tail` and `sim`. Per thread: call it on the
/// thread that should take them.
func unblockStopSignals() {
    var unblock = sigset_t()
    sigemptyset(&unblock)
    for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&unblock, s) }
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
}
