import ArgumentParser
import Dispatch
import Foundation
import LoraMessenger

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print messages as they arrive, until interrupted.",
        discussion: """
        Each message: 'time  name  (hops, RSSI, SNR)  text'; a group post: 'time  #group name  …'. A shared location shows its \
        coordinates, and the distance and bearing from your own last shared fix when there is one. \
        With --json, one JSON object per line with id, contact, group (null unless a post), sender_id, node, kind ("text" or \
        "location"), text, lat, lon, alt, accuracy, fix_time, hops, rssi, snr and received_at \
        (RFC 3339); every key is always present, null when unknown.

        Contact requests are shown on stderr with their safety number; answer with 'lora-msg \
        contact accept'. A message printed to a terminal counts as read (see 'lora-msg config \
        read-receipts'); receipts are sent for every message stored.

        Only messages that authenticate and come from your contacts are shown. Others are counted; \
        --verbose reports them on stderr, with delivery updates and the radio's log lines.

        While it runs, tail holds the radio: it sends what is waiting in the outbox, including \
        messages that 'lora-msg send' hands to it, and reconnects by itself if the radio goes away. \
        It prints 'listening on PORT as !node' on stderr once the radio answered.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @OptionGroup(title: "No radio: over an MQTT broker") var mqtt: MQTTNodeOptions

    @Flag(help: "Print JSON Lines.") var json = false
    @Flag(help: "Report dropped packets, delivery updates and the radio's log on stderr.") var verbose = false
    @Option(help: ArgumentHelp("Exit after this many messages (default: run until interrupted).", valueName: "n")) var count: Int?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let messenger = try home.openMessenger()
        let choice = try mqtt.apply(to: radio.choice, messenger: messenger)
        let listener = try await Listener.start(messenger, radio: choice) { printError("lora-msg: \($0)") }
        signal(SIGPIPE, SIG_IGN)
        let stops = onInterrupt { Task { await listener.stop() } }
        defer { stops.forEach { $0.cancel() } }
        printError("lora-msg: listening on \(choice.describe(listener.endpoint)) as \(listener.radioNodeID)")
        // Without a radio, the broker is the air: say when it refuses us or goes away.
        let brokerWatch = listener.brokerStatus.map { lines in Task { for await line in lines { printError("lora-msg: \(line)") } } }
        defer { brokerWatch?.cancel() }
        var shown = 0
        var printer = TailPrinter(verbose: verbose, json: json)
        let receiving = ProgressLine()
        let toTerminal = isatty(STDOUT_FILENO) == 1
        for await e in listener.events {
            // Read each time: a fix shared since the tail started counts.
            let ownFix: SharedLocation? = if case .message(let m) = e, m.location != nil { listener.courier.messenger.ownLastFix } else { nil }
            var delivered = true
            for line in try printer.lines(for: e, ownFix: ownFix) {
                switch line {
                case .out(let text): receiving.finish(); delivered = emitLine(text) && delivered
                case .err(let text): printError(text)
                case .progress(let text): receiving.show(text, key: "receiving")
                }
            }
            guard case .message(let m) = e else { continue }
            // Whoever read our output has gone (`tail | head -1`): stop, rather than go on
            // taking in messages nobody sees.
            if !delivered { Task { await listener.stop() }; continue }
            if toTerminal { listener.markShown(m.id) }
            shown += 1
            if let count, shown >= count { Task { await listener.stop() } }
        }
        await listener.stop()
        if let summary = printer.summary { printError(summary) }
    }
}

/// One JSON Lines record of `tail --json`; every key is always present.
struct TailLine: CompleteJSON {
    var id: String
    var contact: String
    var group: String?
    var senderId: String
    var node: String
    var body: BodyColumns
    var hops: Int?
    var rssi: Int?
    var snr: Double?
    var receivedAt: String

    init(_ m: IncomingMessage, from own: SharedLocation?) {
        id = m.id; contact = m.contact; group = m.group; senderId = m.senderID; node = m.node
        body = BodyColumns(m.body, from: own)
        hops = m.hops; rssi = m.rssi; snr = m.snr; receivedAt = TimeText.rfc3339(m.receivedAt)
    }
}
