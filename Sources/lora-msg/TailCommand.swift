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
        var dropped: [String: Int] = [:]
        let receiving = ProgressLine()
        let toTerminal = isatty(STDOUT_FILENO) == 1
        for await e in listener.events {
            switch e {
            case .message(let m):
                // Read each time: a fix shared since the tail started counts.
                let ownFix = m.location == nil ? nil : listener.courier.messenger.ownLastFix
                let delivered: Bool
                if json {
                    delivered = emitLine(try jsonLine(TailLine(m, from: ownFix)))
                } else {
                    let body = m.file.map { FileText.line($0, id: m.id) } ?? m.location.map { LocationText.line($0, from: ownFix) } ?? terminalSafe(m.text)
                    receiving.finish()
                    let who = m.group.map { "#\(terminalSafe($0)) \(terminalSafe(m.contact))" } ?? terminalSafe(m.contact)
                    delivered = emitLine("\(TimeText.local(m.receivedAt))  \(who)  \(journey(hops: m.hops, rssi: m.rssi, snr: m.snr))  \(body)")
                }
                // Whoever read our output has gone (`tail | head -1`): stop, rather than go on
                // taking in messages nobody sees.
                if !delivered { Task { await listener.stop() }; continue }
                if toTerminal { listener.markShown(m.id) }
                shown += 1
                if let count, shown >= count { Task { await listener.stop() } }
            case .dropped(let why):
                let key: String
                switch why {
                case .unknownSender(let sid): key = "from an unknown sender"; if verbose { printError("lora-msg: dropped a message from unknown sender \(sid)") }
                case .failedAuthentication(let c): key = "failed authentication"; if verbose { printError("lora-msg: dropped a \(c.hasPrefix("receipt from ") ? "" : "message from ")\(terminalSafe(c)): it failed authentication") }
                case .malformed(let d): key = "malformed"; if verbose { printError("lora-msg: dropped a malformed envelope: \(terminalSafe(d))") }
                case .ignored(let d): key = "ignored"; if verbose { printError("lora-msg: \(terminalSafe(d))") }
                case let .anotherCopy(name, keyID):
                    key = "for another copy of this home"
                    printError("lora-msg: '\(terminalSafe(name))' wrote to ratchet key \(keyID) of yours, which this home never made: another home with your identity (a restored backup used next to its original?) is talking to them. Keep one home per identity; messages to the other cannot be read here")
                case let .requestDropped(name, reason):
                    key = "requests dropped"
                    printError("lora-msg: a contact request from '\(terminalSafe(name))' was not kept: \(terminalSafe(reason)); if these are not people you know, 'lora-msg contact reject --all' clears the waiting ones")
                case .postHeld(let g):
                    key = "held for their group's roster"
                    if verbose { printError("lora-msg: a post\(g.map { " in #\(terminalSafe($0))" } ?? " for a group not known yet") is held until its roster comes") }
                case let .notStored(c, reason):
                    key = "not stored"
                    printError("lora-msg: a message from \(terminalSafe(c)) could not be stored (\(terminalSafe(reason))); not shown, no receipt sent, so their lora-msg sends it again")
                default: key = "other"
                }
                dropped[key, default: 0] += 1
            case let .receipt(contact, ids, read, rebound):
                if verbose {
                    let what = ids.isEmpty ? "a receipt for no message waiting" : ids.map { String($0.prefix(8)) }.joined(separator: ", ") + (read ? " read" : " delivered")
                    printError("lora-msg: \(terminalSafe(contact)): \(what)")
                }
                if let rebound { printError("lora-msg: \(terminalSafe(contact))'s radio is now \(rebound) (their own authenticated receipt says so)") }
            case let .receiving(contact, have, count):
                receiving.show("receiving \(have)/\(count) from \(terminalSafe(contact)) …", key: "receiving")
            case let .transferProgress(id, _, confirmed, count, _, _):
                if verbose { printError("lora-msg: message \(id.prefix(8)): \(confirmed)/\(count) chunks confirmed") }
            case .contactRequest(let r):
                printError("lora-msg: contact \(r.isAnswer ? "answer" : "request") from '\(terminalSafe(r.displayName))' (\(r.node ?? "unknown node")), key \(r.publicKey)")
                printError("lora-msg:   safety number \(r.safetyNumber.split(separator: "\n").joined(separator: " "))")
                let name = shellQuoted(terminalSafe(r.displayName))
                printError("lora-msg:   add with: lora-msg contact accept \(name) [--as NAME]   or: lora-msg contact reject \(name)")
            case .groupChanged(let n):
                printError("lora-msg: \(terminalSafe(n.text))")
            case let .postAcked(group, member, ids, delivered):
                if verbose { printError("lora-msg: #\(terminalSafe(group)): \(terminalSafe(member)) holds \(ids.map { String($0.prefix(8)) }.joined(separator: ", "))") }
                for id in delivered where verbose { printError("lora-msg: post \(id.prefix(8)) delivered to every member of #\(terminalSafe(group))") }
            case let .contactAdded(name, node):
                printError("lora-msg: '\(terminalSafe(name))' answered your contact request and was added" + (node.map { " (radio \($0))" } ?? "") + "; compare safety numbers with 'lora-msg contact show \(terminalSafe(name))'")
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
    var group: String?
    var senderId: String
    var node: String
    var kind: String
    var text: String?
    var fileName: String?
    var mediaType: String?
    var size: Int?
    var lat: Double?
    var lon: Double?
    var alt: Double?
    var accuracy: Double?
    var fixTime: String?
    var distanceM: Double?
    var bearingDeg: Double?
    var hops: Int?
    var rssi: Int?
    var snr: Double?
    var receivedAt: String

    init(_ m: IncomingMessage, from own: SharedLocation?) {
        id = m.id; contact = m.contact; group = m.group; senderId = m.senderID; node = m.node
        kind = m.file != nil ? "file" : m.location == nil ? "text" : "location"
        text = m.location == nil && m.file == nil ? m.text : nil
        fileName = m.file?.name; mediaType = m.file?.mediaType; size = m.file?.size
        if let l = m.location {
            lat = l.lat; lon = l.lon; alt = l.alt; accuracy = l.accuracy; fixTime = TimeText.rfc3339(l.fixTime)
            if let own {
                let d = own.distanceAndBearing(to: l)
                distanceM = d.metres.rounded(); bearingDeg = d.degrees.rounded()
            }
        }
        hops = m.hops; rssi = m.rssi; snr = m.snr; receivedAt = TimeText.rfc3339(m.receivedAt)
    }
}
