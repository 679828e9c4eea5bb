import ArgumentParser
import Foundation
import LoraMessenger

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Encrypt a short text for a contact and hand it to the radio.",
        discussion: """
        The message is sealed for NAME, stored in the outbox, then sent on PRIVATE_APP (port 256): \
        as a direct message with an acknowledgement when their radio's node is known, else as a \
        broadcast that only they can open. Up to 151 bytes of UTF-8 go in one envelope; a longer \
        text (up to 4096 bytes) or a --file (up to 16 KiB) goes in chunks of 144 bytes, deflated \
        first when that is shorter, each its own envelope. The receiver says which chunks it \
        holds and only those missing are sent again; progress shows chunks confirmed and the \
        airtime still needed.

        When their lora-msg stores it, it answers with a receipt (32 bytes, authenticated with your \
        shared key): the message becomes 'delivered'. Until a receipt comes, 'outbox' lists it as \
        "no receipt yet"; nothing is re-sent by itself.

        --timeout covers everything: a duty-cycle pause, a full radio queue and the wait for \
        --wait. Past it, the command exits 75 and the message stays in the outbox.

        If 'lora-msg tail' is running for this home it holds the radio: the message is handed to it \
        through the outbox, and this command waits for the same delivery state.

        To post to a group, name it with '#' ('lora-msg send '#valley' TEXT', quoted for the shell): \
        one broadcast frame of at most 165 bytes, so the text holds 111 bytes in a group of three \
        and 71 in a group of eight. Each member acknowledges it; '--wait delivered' waits for all.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @OptionGroup(title: "No radio: over an MQTT broker") var mqtt: MQTTNodeOptions

    @Argument(help: "The contact's name, or '#GROUP' for a group.") var name: String
    @Argument(help: "The text, or '-' to read it from stdin (one trailing newline is dropped). Omit with --file.") var text: String?
    @Option(help: ArgumentHelp("Send this file (at most 16 KiB) instead of a text; the receiver writes it out with 'lora-msg save'.", valueName: "path"))
    var file: String?

    @Option(help: ArgumentHelp("Channel index on the radio (0-7).", valueName: "n")) var channel = 0
    @Option(help: ArgumentHelp("Relays allowed (0-7); the radio's own setting when omitted.", valueName: "n")) var hopLimit: Int?
    @Flag(help: "Broadcast even when the contact's node is known (only they can open it).") var broadcast = false
    @Option(help: ArgumentHelp("Wait until the radio accepted it (queued), a neighbour repeated it (relayed), the recipient's radio acknowledged it (ack; needs their node), their lora-msg stored it (delivered: its receipt came back; also for broadcasts), or they were shown it (read; only if they turned read receipts on).", valueName: "queued|relayed|ack|delivered|read"))
    var wait: MessageCourier.Goal = .queued
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds to wait in all. Default 120; with --wait ack or later, as long as the radio keeps trying on its preset (120 on LongFast, 315 on LongSlow).", valueName: "s")) var timeout: Double?
    @Flag(help: "If the duty cycle needs a pause, exit 75 with the time to wait instead of waiting.") var noWait = false
    @Flag(help: "Also leave a copy with the contact's mailbox now (they told you one; see 'lora-msg mailbox'). Otherwise a copy goes there only after two sends without a receipt.")
    var viaMailbox = false

    func validate() throws {
        if (text == nil) == (file == nil) { throw ValidationError("give a text or --file PATH, not both") }
        guard (0...7).contains(channel) else { throw ValidationError("--channel must be 0-7") }
        if let h = hopLimit, !(0...7).contains(h) { throw ValidationError("--hop-limit must be 0-7") }
        if let timeout, !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds") }
    }

    func run() async throws {
        let messenger = try home.openMessenger()
        var plan = SendPlan()
        plan.broadcast = broadcast; plan.channel = channel; plan.hopLimit = hopLimit
        plan.goal = wait; plan.timeout = timeout; plan.duty = noWait ? .fail : .wait
        plan.viaMailbox = viaMailbox
        let line = ProgressLine()
        let outcome: SendOutcome
        if name.hasPrefix("#") {
            if file != nil { throw CLIError(.usage, "a file cannot be posted to a group (a post is one frame); send it to each member") }
            if broadcast { throw CLIError(.usage, "--broadcast is implied for a group post; drop it") }
            outcome = try await messenger.post(try readText(), to: name, plan: plan, radio: try mqtt.apply(to: radio.choice, messenger: messenger)) { p in report(p, on: line) }
            line.finish()
            emitLine("\(outcome.state.rawValue)  \(outcome.messageID.prefix(8))  to \(name)  (broadcast)")
            return
        } else if let file {
            outcome = try await messenger.sendFile(at: file, to: name, plan: plan, radio: try mqtt.apply(to: radio.choice, messenger: messenger)) { p in report(p, on: line) }
        } else {
            outcome = try await messenger.send(try readText(), to: name, plan: plan, radio: try mqtt.apply(to: radio.choice, messenger: messenger)) { p in report(p, on: line) }
        }
        line.finish()
        emitLine("\(outcome.state.rawValue)  \(outcome.messageID.prefix(8))  to \(name)  (\(outcome.toNodeID.map { "DM to \($0)" } ?? "broadcast"))")
    }

    private func readText() throws -> String {
        guard let text, text == "-" else { return text ?? "" }
        // A message holds 151 bytes; read a little more than that can matter and no further,
        // so a file piped in by mistake is refused without being read whole.
        let limit = 64 * 1024   // the text limit is 4096 bytes; read a little more and no further
        let data = FileHandle.standardInput.readData(ofLength: limit + 1)
        if data.count > limit {
            throw CLIError(.dataError, "stdin holds more than \(limit) bytes; a text is at most \(Messenger.maxLongTextBytes) bytes of UTF-8 (send a file with --file)")
        }
        guard var s = String(validating: Array(data), as: UTF8.self) else {
            throw CLIError(.dataError, "stdin is not UTF-8 text")
        }
        // One line ending, Unix or DOS ("\r\n" is one Character in Swift).
        if s.hasSuffix("\r\n") || s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}

/// What a waiting `send` or `outbox retry` says on stderr.
func report(_ p: SendProgress, on line: ProgressLine) {
    switch p {
    case .handedToTail(let pid):
        printError("lora-msg: handed to the running 'lora-msg tail' (pid \(pid)) through the outbox")
    case .dutyCycleWait(let s):
        line.show("waiting — radio duty cycle, next slot in \(s) s", key: "duty")
    case .radioQueueFull:
        line.show("waiting — the radio's transmit queue is full, for a free slot", key: "queue")
    case .fellBackToBroadcast:
        line.finish(); printError("lora-msg: the radio has no public key for that node; sending as a broadcast instead")
    case .notice(let text):
        line.finish(); printError("lora-msg: radio says: \(text)")
    case .reconnecting(let why):
        line.finish(); printError("lora-msg: \(why); reconnecting")
    case .waitingForRadio(let what):
        line.show("waiting — \(what)", key: what)
    case .done:
        line.finish()
    case let .transfer(sent, confirmed, count, left, next):
        let slot = next >= 1 ? "next slot in \(TimeText.span(next))" : "\(sent) sent this pass"
        line.show("\(confirmed)/\(count) confirmed, \(slot), about \(TimeText.span(left)) left", key: "transfer")
    }
}

extension MessageCourier.Goal: ExpressibleByArgument {}
