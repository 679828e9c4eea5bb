import ArgumentParser
import Foundation
import Glibc
import LoraMessenger

/// Where a passphrase comes from: a file only its owner can read, or the terminal with echo
/// off. Never the command line, where `ps` and the shell's history would keep it.
struct PassphraseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("File holding the passphrase on its first line (mode 600). Without it, asked on the terminal.", valueName: "path"))
    var passphraseFile: String?

    func read(confirm: Bool) throws -> [UInt8] {
        if let path = passphraseFile {
            var st = stat()
            guard stat(path, &st) == 0 else { throw CLIError(.noInput, "cannot read the passphrase file \(path)") }
            guard st.st_mode & 0o077 == 0 else { throw CLIError(.usage, "the passphrase file \(path) can be read by others; run 'chmod 600 \(path)'") }
            guard st.st_size <= 4096, let data = FileManager.default.contents(atPath: path) else {
                throw CLIError(.usage, "the passphrase file \(path) must be a short text file")
            }
            let line = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? Data()
            return [UInt8](line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIError(.usage, "no terminal to ask for the passphrase on; give --passphrase-file FILE (mode 600)")
        }
        let first = try Self.ask("passphrase: ")
        if confirm, try Self.ask("again: ") != first { throw CLIError(.usage, "the two passphrases differ; nothing was written") }
        return first
    }

    /// Reads one line from the terminal with echo off, restoring the terminal after.
    private static func ask(_ prompt: String) throws -> [UInt8] {
        printErrorRaw(prompt)
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw CLIError(.ioError, "cannot read the terminal") }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved); printErrorRaw("\n") }
        var bytes: [UInt8] = []
        var c: UInt8 = 0
        while Glibc.read(STDIN_FILENO, &c, 1) == 1, c != UInt8(ascii: "\n") { bytes.append(c) }
        return bytes
    }
}

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write this home to one file sealed under a passphrase, to move house or keep safe.",
        discussion: """
        The file holds your identity, contacts (with their safety-number verification), \
        settings, ratchets and outbox; with --history, every stored message too. It is sealed \
        with a key derived from the passphrase by Argon2id (3 passes over 256 MiB: about a \
        second here, each guess as dear to an attacker) and XChaCha20-Poly1305, written 0600 \
        and atomically. The passphrase is asked on the terminal, or read from \
        --passphrase-file; never give it as an argument. 'lora-msg restore FILE' brings it \
        back on another machine.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: ArgumentHelp("Where to write the backup.", valueName: "file")) var file: String
    @Flag(help: "Include every stored message (they stay sealed in the backup).") var history = false

    func run() throws {
        let messenger = try home.openMessenger()
        let secret = try passphrase.read(confirm: true)
        let s = try messenger.backup(to: file, passphrase: secret, history: history)
        print("backed up \(Self.contents(s)) to \(file) (\(s.bytes) bytes)")
    }
}

extension BackupCommand {
    /// "3 contacts and 1 message".
    static func contents(_ s: HomeBackup.Summary) -> String {
        "\(s.contacts) contact\(s.contacts == 1 ? "" : "s") and \(s.messages) message\(s.messages == 1 ? "" : "s")"
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring a home back from a 'lora-msg backup' file.",
        discussion: """
        Restores into an empty home (--home DIR, or the default). A home that already has an \
        identity is refused unless --force, and then its identity and database are kept beside \
        it as *.before-restore-TIME. A wrong passphrase, or a truncated, altered or unknown \
        file changes nothing. After a restore lora-msg starts fresh ratchet keys before it \
        sends, so it never reuses a key the backup's original may have used since.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: ArgumentHelp("The backup file.", valueName: "file")) var file: String
    @Flag(help: "Replace an existing identity (it is kept beside the restored one).") var force = false

    func run() throws {
        let dir = try home.directory()
        let secret = try passphrase.read(confirm: false)
        let s = try Messenger.restore(from: file, into: dir, passphrase: secret, force: force)
        print("restored \(BackupCommand.contents(s)) into \(dir)")
        if let old = s.replacedIdentity { print("the identity it replaced is kept in \(old)") }
    }
}
