import ArgumentParser
import Foundation
import LoraMessenger

struct ContactRequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Send your public key and a display name over the air, asking to be added.",
        discussion: """
        The key is public, so this is not secret, but it is not private either: anyone in range \
        learns that this key and this name belong to your radio's node. Without --node it is a \
        broadcast to everyone in range.

        The other side sees it in 'lora-msg tail' and 'lora-msg contact requests' and decides; nothing \
        is ever added by itself. When they accept, their answer (authenticated: it proves they hold \
        their key and saw yours) adds them to your contacts if you sent the request to their node \
        (--node), it comes from that node within a day, and their name is free. An answer to a \
        broadcast request (anyone in range heard it and could answer first) waits in 'contact \
        requests' for 'contact accept', as does any other. Compare safety numbers by voice.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @Option(help: ArgumentHelp("Send it to this radio only.", valueName: "!xxxxxxxx")) var node: String?
    @Option(name: .customLong("as"), help: ArgumentHelp("The name you introduce yourself with (at most 32 bytes; remembered).", valueName: "name"))
    var displayName: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds to wait for the radio to take it.", valueName: "s")) var timeout = 60.0

    func validate() throws {
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds") }
    }

    func run() async throws {
        let messenger = try home.openMessenger()
        let line = ProgressLine()
        _ = try await messenger.sendContactRequest(as: displayName, to: node, radio: radio.choice, timeout: timeout) { p in report(p, on: line) }
        line.finish()
        print("contact request sent as '\(terminalSafe(messenger.displayName ?? ""))' " + (node.map { "to \($0)" } ?? "to everyone in range"))
    }
}

/// A waiting request in JSON; every field is always present.
struct RequestRow: CompleteJSON {
    var displayName: String
    var node: String?
    var publicKey: String
    var safetyNumber: String
    var answer: Bool
    var count: Int
    var receivedAt: String

    init(_ r: PendingRequest) {
        displayName = r.displayName; node = r.node; publicKey = r.publicKey
        safetyNumber = r.safetyNumber.filter(\.isNumber); answer = r.isAnswer; count = r.count
        receivedAt = TimeText.rfc3339(r.receivedAt)
    }
}

struct ContactRequests: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "List contact requests heard on the air, waiting for you.",
        discussion: "At most 32 wait, at most 8 new ones an hour are kept, and each is forgotten after a week."
    )

    @OptionGroup var home: HomeOptions
    @Flag(help: "Print JSON Lines.") var json = false

    func run() throws {
        let all = try home.openMessenger().contactRequests()
        if json { for r in all { emitLine(try jsonLine(RequestRow(r))) }; return }
        if all.isEmpty { print("no contact requests waiting"); return }
        for r in all {
            print("'\(terminalSafe(r.displayName))'  \(r.node ?? "unknown node")  \(TimeText.local(r.receivedAt, withDate: true))" +
                  (r.isAnswer ? "  (answer to your request)" : "") + (r.count > 1 ? "  (\(r.count)×)" : ""))
            print("  key \(r.publicKey)")
            print("  safety number " + r.safetyNumber.split(separator: "\n").joined(separator: " "))
        }
    }
}

struct ContactAcceptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept",
        abstract: "Add the sender of a contact request and answer with your own key.",
        discussion: """
        REQUEST is the display name 'contact requests' shows, their node (!xxxxxxxx), or the \
        first 8 or more characters of their key. A name already used by a different key is \
        refused: choose another with --as.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @Argument(help: ArgumentHelp("Which request.", valueName: "request")) var request: String
    @Option(name: .customLong("as"), help: ArgumentHelp("The name to keep them under (default: their display name).", valueName: "name")) var name: String?
    @Option(help: ArgumentHelp("The name you introduce yourself with in the answer (remembered).", valueName: "name")) var me: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds to wait for the radio to take the answer.", valueName: "s")) var timeout = 60.0

    func validate() throws {
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds") }
    }

    func run() async throws {
        let messenger = try home.openMessenger()
        let line = ProgressLine()
        let (c, answered) = try await messenger.acceptRequest(request, as: name, introducingAs: me, radio: radio.choice, timeout: timeout) { p in report(p, on: line) }
        line.finish()
        print("added \(terminalSafe(c.name))  sender id \(Messenger.senderIDText(c))" + (answered ? "; answered with your key" : " (they answered your request: nothing to send)"))
        print("safety number (compare with \(terminalSafe(c.name)) by voice):")
        print(try messenger.safetyDigits(for: c).grouped)
    }
}

struct ContactReject: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Forget a contact request without answering it."
    )

    @OptionGroup var home: HomeOptions
    @Argument(help: ArgumentHelp("Which request (as for accept).", valueName: "request")) var request: String?
    @Flag(help: "Forget every waiting request (after a flood of forged ones).") var all = false

    func validate() throws {
        if all && request != nil { throw ValidationError("give a request or --all, not both") }
        if !all && request == nil { throw ValidationError("name the request to reject (see 'lora-msg contact requests'), or give --all") }
    }

    func run() throws {
        let m = try home.openMessenger()
        if all {
            let n = try m.rejectAllRequests()
            print("rejected \(n) waiting request\(n == 1 ? "" : "s")")
            return
        }
        let r = try m.rejectRequest(request ?? "")
        print("rejected '\(terminalSafe(r.displayName))'")
    }
}
