import ArgumentParser
import Foundation
import LoraMessenger
import MeshtasticWire
import MessageStore
import RadioLink

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Show messages no radio has accepted yet, and those that failed.",
        discussion: "'lora-msg outbox retry' sends them again: the same envelope in a new mesh packet, so a recipient who already has it shows it once.",
        subcommands: [OutboxList.self, OutboxRetry.self],
        defaultSubcommand: OutboxList.self
    )
}

struct OutboxRow: Encodable {
    var id: String
    var contact: String
    var state: String
    var failure: String?
    var attempts: Int
    var to: String
    var createdAt: String

    init(_ m: StoredMessage, contact: String) {
        id = m.id; self.contact = contact; state = m.state.rawValue; failure = m.failure; attempts = m.attempts
        to = m.toNode.map(User.nodeID) ?? "broadcast"; createdAt = TimeText.rfc3339(m.createdAt)
    }
}

struct OutboxList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the outbox (the default).")

    @OptionGroup var home: HomeOptions
    @Flag(help: "Print JSON Lines.") var json = false

    func run() throws {
        try runReportingErrors {
            let m = try home.openMessenger()
            let items: [(message: StoredMessage, contact: String)]
            do throws(MessengerError) { items = try m.outbox() } catch { throw CLIError(error) }
            if json {
                for i in items { emitLine(try jsonLine(OutboxRow(i.message, contact: i.contact))) }
                return
            }
            if items.isEmpty { print("outbox is empty"); return }
            for i in items {
                let r = OutboxRow(i.message, contact: i.contact)
                print("\(r.id.prefix(8))  \(TimeText.local(i.message.createdAt, withDate: true))  → \(r.contact)  \(r.state)" +
                      (r.failure.map { ": \($0)" } ?? "") + "  (\(r.attempts) sent)")
            }
        }
    }
}

struct OutboxRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send every outbox message again and wait until the radio accepts each.",
        discussion: "If 'lora-msg tail' is running for this home, the messages are handed to it instead."
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup var radio: RadioOptions
    @Option(help: ArgumentHelp("Seconds to wait for the radio to accept each.", valueName: "s")) var timeout = 60.0

    func validate() throws {
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be between 0 and 86400 seconds") }
    }

    func run() async throws {
        try await runReportingErrors { () async throws(CLIError) in
            let messenger = try home.openMessenger()
            let pending: [StoredMessage]
            do throws(MessengerError) { pending = try messenger.requeueOutbox() } catch { throw CLIError(error) }
            if pending.isEmpty { print("outbox is empty"); return }
            var failures = 0
            if let pid = TailPresence.runningTail(home: messenger.home) {
                printError("lora-msg: handed to the running 'lora-msg tail' (pid \(pid))")
                for m in pending { failures += await report(m, messenger: messenger, wait: nil) }
            } else {
                let endpoint = try radio.endpoint()
                let courier: MessageCourier
                do throws(MessengerError) { courier = try await MessageCourier.connect(messenger: messenger, endpoint: endpoint, reconnectForSeconds: 10) } catch { throw CLIError(error) }
                for m in pending {
                    do throws(MessengerError) { try await courier.transmit(messageID: m.id, duty: .wait) } catch {
                        printError("lora-msg: \(error.description)")
                        failures += 1
                        continue
                    }
                    failures += await report(m, messenger: messenger, wait: courier)
                }
                await courier.close()
            }
            if failures > 0 {
                throw CLIError(.temporaryFailure, "\(failures) of \(pending.count) messages not accepted; they stay in the outbox")
            }
        }
    }

    private func report(_ m: StoredMessage, messenger: Messenger, wait courier: MessageCourier?) async -> Int {
        do {
            let state = try await MessageCourier.waitFor(store: messenger.store, messageID: m.id, goal: .queued, timeout: timeout, clock: { messenger.now })
            emitLine("\(state.rawValue)  \(m.id.prefix(8))")
            return 0
        } catch {
            printError("lora-msg: \(error.description)")
            return 1
        }
    }
}
