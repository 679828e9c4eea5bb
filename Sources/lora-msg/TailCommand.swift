import ArgumentParser
import Dispatch
import Foundation
import LoraMessenger

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print messages as they arrive, until interrupted.",
        discussion: """
        Each message: 'time  name  (hops, RSSI, SNR)  text'. With --json, one JSON object per line \
        with id, contact, sender_id, node, text, hops, rssi, snr and received_at (RFC 3339); \
        every key is always present, null when unknown.

        Only messages that authenticate and come from your contacts are shown. Others are counted; \
        --verbose reports them on stderr, with delivery updates and the radio's log lines.

        While it runs, tail holds the radio: it sends what is waiting in the outbox, including \
        messages that 'lora-msg send' hands to it, and reconnects by itself if the radio goes away. \
        It prints 'listening on PORT as !node' on stderr once the radio answered.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions

    @Flag(help: "Print JSON Lines.") var json = false
    @Flag(help: "Report dropped packets, delivery updates and the radio's log on stderr.") var verbose = false
    @Option(help: ArgumentHelp("Exit after this many messages (default: run until interrupted).", valueName: "n")) var count: Int?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let messenger = try home.openMessenger()
        let listener = try await Listener.start(messenger, radio: radio.choice)
        signal(SIGPIPE, SIG_IGN)
        let stops = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig)
            s.setEventHandler { Task { await listener.stop() } }
            s.resume()
            return s
        }
        defer { stops.forEach { $0.cancel() } }
        printError("lora-msg: listening on \(listener.endpoint) as \(listener.radioNodeID)")
        var shown = 0
        var dropped: [String: Int] = [:]
        for await e in listener.events {
            switch e {
            case .message(let m):
                if json {
                    emitLine(try jsonLine(TailLine(m)))
                } else {
                    emitLine("\(TimeText.local(m.receivedAt))  \(terminalSafe(m.contact))  \(journey(hops: m.hops, rssi: m.rssi, snr: m.snr))  \(terminalSafe(m.text))")
                }
                shown += 1
                if let count, shown >= count { Task { await listener.stop() } }
            case .dropped(let why):
                let key: String
                switch why {
                case .unknownSender(let sid): key = "from an unknown sender"; if verbose { printError("lora-msg: dropped a message from unknown sender \(sid)") }
                case .failedAuthentication(let c): key = "failed authentication"; if verbose { printError("lora-msg: dropped a message claiming to be from \(terminalSafe(c)): it failed authentication") }
                case .malformed(let d): key = "malformed"; if verbose { printError("lora-msg: dropped a malformed envelope: \(d)") }
                default: key = "other"
                }
                dropped[key, default: 0] += 1
            case .duplicate:
                if verbose { printError("lora-msg: a copy of a message already shown (relayed twice or replayed)") }
            case .transmitted(let id, let packet, let broadcast):
                if verbose { printError("lora-msg: sending \(id.prefix(8)) as packet \(packet) (\(broadcast ? "broadcast" : "DM"))") }
            case .delivery(let id, let state, let detail):
                if verbose || state == .failed {
                    printError("lora-msg: message \(id.prefix(8)) \(state.rawValue)" + (detail.map { ": \($0)" } ?? ""))
                }
            case .fellBackToBroadcast(let id):
                printError("lora-msg: message \(id.prefix(8)): the radio has no key for that node; sent as a broadcast")
            case .waitingForDutyCycle(let id, let s):
                if verbose || s % 30 == 0 { printError("lora-msg: message \(id.prefix(8)) waits for the duty cycle, next slot in \(s) s") }
            case .waitingForRadioQueue(let id):
                if verbose { printError("lora-msg: message \(id.prefix(8)) waits for a free slot in the radio's transmit queue") }
            case .notice(let text):
                printError("lora-msg: \(text)")
            case .radioLog(let line):
                if verbose { printError("radio: \(terminalSafe(line))") }
            case .disconnected(let why):
                printError("lora-msg: \(why); reconnecting")
            case .reconnected:
                printError("lora-msg: radio back")
            case .closed(let why):
                if let why { printError("lora-msg: \(why.description)") }
            }
        }
        await listener.stop()
        if verbose, !dropped.isEmpty {
            printError("lora-msg: not shown: " + dropped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
    }
}

/// One JSON Lines record of `tail --json`; every key is always present.
struct TailLine: CompleteJSON {
    var id: String
    var contact: String
    var senderId: String
    var node: String
    var text: String
    var hops: Int?
    var rssi: Int?
    var snr: Double?
    var receivedAt: String

    init(_ m: IncomingMessage) {
        id = m.id; contact = m.contact; senderId = m.senderID; node = m.node; text = m.text
        hops = m.hops; rssi = m.rssi; snr = m.snr; receivedAt = TimeText.rfc3339(m.receivedAt)
    }
}
