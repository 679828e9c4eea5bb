import ArgumentParser
import LoraMessenger

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the conversation with a contact.",
        discussion: """
        Envelopes are decrypted now, for display; the database holds only ciphertext. A stored \
        envelope that no longer authenticates is shown as a one-line marker. Your own messages show \
        their state: delivered (their lora-msg stored it) and read come from their receipts.
        """
    )

    @OptionGroup var home: HomeOptions
    @Argument var name: String
    @Flag(help: "Print JSON Lines.") var json = false
    @Option(help: ArgumentHelp("Show the newest N messages.", valueName: "n")) var limit = 50

    func validate() throws {
        guard limit >= 1, limit <= 1_000_000 else { throw ValidationError("--limit must be between 1 and 1000000") }
    }

    func run() throws {
        let messenger = try home.openMessenger()
        let own = messenger.ownLastFix
        let entries = name.hasPrefix("#") ? try messenger.groupHistory(name, limit: limit) : try messenger.history(with: name, limit: limit)
        for problem in messenger.takeStoreProblems() { printError(problem) }
        for e in entries {
            if json {
                emitLine(try jsonLine(HistoryLine(e, from: own)))
                continue
            }
            let s = e.message
            let time = TimeText.local(s.receivedAt ?? s.createdAt, withDate: true)
            let who: String
            let extra: String
            if let group = e.group {
                if s.direction == .incoming {
                    who = "#\(terminalSafe(group)) \(terminalSafe(e.contact)) →"
                    extra = journey(hops: s.hops, rssi: s.rssi, snr: s.snr)
                } else {
                    who = "→ #\(terminalSafe(group))"
                    let acks = messenger.postDelivery(s).map { ", \($0.acked) of \($0.of) hold it" } ?? ""
                    extra = "[\(s.state.rawValue)\(s.state == .delivered ? "" : acks)\(s.failure.map { ": \($0)" } ?? "")]"
                }
            } else if s.direction == .incoming {
                who = "\(terminalSafe(e.contact)) →"
                extra = journey(hops: s.hops, rssi: s.rssi, snr: s.snr)
            } else {
                who = "→ \(terminalSafe(e.contact))"
                extra = "[\(s.state.rawValue)\(s.failure.map { ": \($0)" } ?? "")]"
            }
            print("\(time)  \(who)  \(extra)  \(BodyText.line(e.body, id: s.id, from: s.direction == .incoming ? own : nil))")
        }
    }
}

/// A history entry in JSON; every field is always present (`null` when unknown).
struct HistoryLine: CompleteJSON {
    var id: String
    var contact: String
    var group: String?
    var direction: String
    var body: BodyColumns
    var state: String
    var failure: String?
    var node: String?
    var hops: Int?
    var rssi: Int?
    var snr: Double?
    var createdAt: String
    var receivedAt: String?

    init(_ e: HistoryEntry, from own: SharedLocation? = nil) {
        let s = e.message
        id = s.id; contact = e.contact; group = e.group; direction = s.direction == .incoming ? "in" : "out"
        body = BodyColumns(e.body, from: own)
        state = s.state.rawValue; failure = s.failure
        node = (s.direction == .incoming ? s.fromNode : s.toNode).map(nodeID)
        hops = s.hops; rssi = s.rssi; snr = s.snr
        createdAt = TimeText.rfc3339(s.createdAt); receivedAt = s.receivedAt.map(TimeText.rfc3339)
    }
}
