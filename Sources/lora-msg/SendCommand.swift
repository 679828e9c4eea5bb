import ArgumentParser
import Foundation
import LoraMessenger
import MeshtasticWire
import MessageStore
import RadioLink

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Encrypt a short text for a contact and hand it to the radio.",
        discussion: """
        The message is sealed for NAME, stored in the outbox, then sent on PRIVATE_APP (port 256): \
        as a direct message with an acknowledgement when their radio's node is known, else as a \
        broadcast that only they can open. At most 151 bytes of UTF-8.

        Exit codes: 0 done; 65 too long or bad input; 66 unknown contact or no identity; 69 radio \
        unavailable (the message stays in the outbox); 75 duty-cycle wait, NAK or no ACK in time.

        If 'lora-msg tail' is running for this home it holds the radio: the message is handed to it \
        through the outbox, and this command waits for the same delivery state.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup var radio: RadioOptions

    @Argument(help: "The contact's name.") var name: String
    @Argument(help: "The text, or '-' to read it from stdin.") var text: String

    @Option(help: ArgumentHelp("Channel index on the radio (0-7).", valueName: "n")) var channel = 0
    @Option(help: ArgumentHelp("Relays allowed (0-7); the radio's own setting when omitted.", valueName: "n")) var hopLimit: Int?
    @Flag(help: "Broadcast even when the contact's node is known (only they can open it).") var broadcast = false
    @Option(help: ArgumentHelp("Wait until the radio accepted it (queued), a neighbour repeated it (relayed), or the recipient's radio acknowledged it (ack).", valueName: "queued|relayed|ack"))
    var wait: MessageCourier.Goal = .queued
    @Option(help: ArgumentHelp("Seconds to wait for that.", valueName: "s")) var timeout = 120.0
    @Flag(help: "If the duty cycle needs a pause, exit 75 with the time to wait instead of waiting.") var noWait = false

    func validate() throws {
        guard (0...7).contains(channel) else { throw ValidationError("--channel must be 0-7") }
        if let h = hopLimit, !(0...7).contains(h) { throw ValidationError("--hop-limit must be 0-7") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be between 0 and 86400 seconds") }
        if broadcast, wait == .ack {
            throw ValidationError("a broadcast is never acknowledged by its recipient; use --wait relayed")
        }
    }

    func run() async throws {
        try await runReportingErrors { () async throws(CLIError) in
            let messenger = try home.openMessenger()
            let body = try readText()
            let m: StoredMessage
            do throws(MessengerError) { m = try messenger.compose(to: name, text: body, broadcast: broadcast, channel: channel, hopLimit: hopLimit) } catch { throw CLIError(error) }
            do throws(MessengerError) {
                try await deliver(m, messenger: messenger)
            } catch {
                throw CLIError(error)
            }
        }
    }

    private func readText() throws(CLIError) -> String {
        guard text == "-" else { return text }
        // A message holds 151 bytes; read a little more than that can matter and no further,
        // so a file piped in by mistake is refused without being read whole.
        let limit = 64 * 1024
        let data = FileHandle.standardInput.readData(ofLength: limit + 1)
        if data.count > limit {
            throw CLIError(.dataError, "stdin holds more than \(limit) bytes; a message is at most 151 bytes of UTF-8")
        }
        guard let s = String(validating: Array(data), as: UTF8.self) else {
            throw CLIError(.dataError, "stdin is not UTF-8 text")
        }
        return s.hasSuffix("\n") ? String(s.dropLast()) : s
    }

    private func deliver(_ m: StoredMessage, messenger: Messenger) async throws(MessengerError) {
        let short = String(m.id.prefix(8))
        if let pid = TailPresence.runningTail(home: messenger.home) {
            printError("lora-msg: handed to the running 'lora-msg tail' (pid \(pid)) through the outbox")
            let state = try await MessageCourier.waitFor(store: messenger.store, messageID: m.id, goal: wait, timeout: timeout, clock: { messenger.now })
            emitLine("\(state.rawValue)  \(short)  to \(name)")
            return
        }
        let endpoint: RadioEndpoint
        do { endpoint = try radio.locate() } catch {
            throw .notSent(error, messageID: m.id)
        }
        let courier: MessageCourier
        do { courier = try await MessageCourier.connect(messenger: messenger, endpoint: endpoint, reconnectForSeconds: 10) } catch {
            if case .radio(let e) = error { throw .notSent(e, messageID: m.id) }
            throw error
        }
        let printer = Task { await Self.report(courier.events, messageID: m.id) }
        let countdown = DutyCountdown()
        do {
            try await courier.transmit(messageID: m.id, broadcast: broadcast, duty: noWait ? .fail : .wait) { countdown.show($0) }
            countdown.finish()
            let state = try await courier.waitFor(messageID: m.id, goal: wait, timeout: timeout)
            let sent = try? messenger.store.message(id: m.id)
            let how = sent?.toNode.map { "DM to \(User.nodeID($0))" } ?? "broadcast"
            emitLine("\(state.rawValue)  \(short)  to \(name)  (\(how))")
        } catch {
            countdown.finish()
            await courier.close()
            printer.cancel()
            throw error
        }
        await courier.close()
        printer.cancel()
    }

    /// Side notes while sending: a fallback to broadcast, the firmware's own notices.
    private static func report(_ events: AsyncStream<MessengerEvent>, messageID: String) async {
        for await e in events {
            switch e {
            case .fellBackToBroadcast(let id) where id == messageID:
                printError("lora-msg: the radio has no public key for that node; sending as a broadcast instead")
            case .notice(let text):
                printError("lora-msg: radio says: \(text)")
            case .disconnected(let why):
                printError("lora-msg: \(why); reconnecting")
            default:
                break
            }
        }
    }
}

extension MessageCourier.Goal: ExpressibleByArgument {}

/// "waiting — radio duty cycle, next slot in 37 s", redrawn in place on a terminal, printed
/// once otherwise.
final class DutyCountdown: @unchecked Sendable {
    private let tty = isatty(2) == 1
    private var shown = false

    func show(_ seconds: Int) {
        if tty {
            printErrorRaw("\r\u{1B}[Kwaiting — radio duty cycle, next slot in \(seconds) s")
        } else if !shown {
            printError("waiting — radio duty cycle, next slot in \(seconds) s")
        }
        shown = true
    }

    func finish() {
        if tty && shown { printErrorRaw("\r\u{1B}[K") }
        shown = false
    }
}

func printErrorRaw(_ s: String) {
    var e = StandardError()
    e.write(s)
}
