import ArgumentParser
import Foundation
import LoraMessenger

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Show messages not yet sent, those that failed, and those with no receipt yet.",
        discussion: "A message the radio took but whose recipient has not sent a receipt yet is listed as \"no receipt yet\" (for a week), with its next attempt while lora-msg still sends it again by itself ('config resend'). 'lora-msg outbox retry' sends them all again: the same envelope in a new mesh packet, so a recipient who already has it shows it once (and answers with a receipt again). 'outbox cancel' deletes unsent ones.",
        subcommands: [OutboxList.self, OutboxRetry.self, OutboxCancel.self],
        defaultSubcommand: OutboxList.self
    )
}

/// An outbox message in JSON; every field is always present (`null` when unknown).
struct OutboxRow: CompleteJSON {
    var id: String
    var contact: String
    var state: String
    var failure: String?
    var attempts: Int
    var to: String
    var receiptMissing: Bool
    var createdAt: String
    /// A long message or file: chunks the receiver confirmed, of all.
    var chunksConfirmed: Int?
    var chunkCount: Int?
    /// Followed by the resend engine: "attempt 2 of 6, next in 3 min", and when.
    var resend: String?
    var nextAttemptAt: String?

    init(_ item: Messenger.OutboxItem) {
        let m = item.message
        id = m.id; contact = item.contact; state = m.state.rawValue; failure = m.failure; attempts = m.attempts
        to = m.toNode.map(nodeID) ?? "broadcast"; createdAt = TimeText.rfc3339(m.createdAt)
        // A transfer on its way is not missing a receipt: it is partial.
        receiptMissing = !m.state.isRetryable && item.chunks == nil
        chunksConfirmed = item.chunks?.confirmed; chunkCount = item.chunks?.count
        resend = item.resend; nextAttemptAt = m.nextAttemptAt.map(TimeText.rfc3339)
    }
}

struct OutboxList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the outbox (the default).")

    @OptionGroup var home: HomeOptions
    @Flag(help: "Print JSON Lines.") var json = false

    func run() throws {
        let items = try home.openMessenger().outbox()
        if json {
            for i in items { emitLine(try jsonLine(OutboxRow(i))) }
            return
        }
        if items.isEmpty { print("outbox is empty"); return }
        for i in items {
            let r = OutboxRow(i)
            let state = if let c = i.chunks { "\(r.state), \(c.confirmed)/\(c.count) chunks confirmed" }
                        else if i.message.state.isRetryable { r.state } else { "\(r.state), no receipt yet" }
            print("\(r.id.prefix(8))  \(TimeText.local(i.message.createdAt, withDate: true))  → \(terminalSafe(r.contact))  \(state)" +
                  (r.failure.map { ": \($0)" } ?? "") + "  (" + (r.resend ?? i.chunksSent.map { "\($0) of \(i.chunks?.count ?? $0) chunks sent" } ?? "\(r.attempts) sent") + ")")
        }
    }
}

struct OutboxRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send every outbox message again (failed, unsent, no receipt yet) and wait until the radio accepts each.",
        discussion: "If 'lora-msg tail' is running for this home, the messages are handed to it instead."
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @OptionGroup(title: "No radio: over an MQTT broker") var mqtt: MQTTNodeOptions
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds to wait for each, duty-cycle pauses included.", valueName: "s")) var timeout = 60.0

    func validate() throws {
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds") }
    }

    func run() async throws {
        let messenger = try home.openMessenger()
        let pending = try messenger.requeueOutbox()
        if pending.isEmpty { print("outbox is empty"); return }
        var plan = SendPlan()
        plan.timeout = timeout
        let line = ProgressLine()
        let results = try await messenger.deliver(pending.map(\.id), plan: plan, radio: try mqtt.apply(to: radio.choice, messenger: messenger)) { p in report(p, on: line) }
        line.finish()
        var failures = 0
        for (m, r) in zip(pending, results) {
            switch r {
            case .success(let o): emitLine("\(o.state.rawValue)  \(m.id.prefix(8))")
            case .failure(let e): printError("lora-msg: \(e.message)"); failures += 1
            }
        }
        if failures > 0 {
            throw CLIError(.temporaryFailure, "\(failures) of \(pending.count) messages not accepted; they stay in the outbox")
        }
    }
}

struct OutboxCancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Delete an unsent message (by id, or the first characters of it), or all with --all."
    )

    @OptionGroup var home: HomeOptions
    @Argument(help: ArgumentHelp("The message id as 'outbox' shows it.", valueName: "id")) var id: String?
    @Flag(help: "Cancel every message in the outbox.") var all = false

    func validate() throws {
        if all == (id != nil) { throw ValidationError("give a message id or --all") }
    }

    func run() throws {
        let ids = try home.openMessenger().cancelOutbox(id: id)
        print(ids.isEmpty ? "outbox is empty" : "cancelled " + ids.map { String($0.prefix(8)) }.joined(separator: ", "))
    }
}
