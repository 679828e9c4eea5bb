import LoraMessenger

/// What `tail` prints for each of the courier's events: a pure value, so every line is tested
/// without a pty or a radio. The command only writes the lines and acts on a message shown.
struct TailPrinter {
    enum Line: Equatable {
        /// A message, on stdout.
        case out(String)
        /// Everything else, on stderr.
        case err(String)
        /// The one "receiving n/m" line that rewrites itself.
        case progress(String)
    }

    let verbose: Bool
    let json: Bool
    /// Drops by reason, for the closing summary.
    private(set) var dropped: [String: Int] = [:]

    init(verbose: Bool, json: Bool) { self.verbose = verbose; self.json = json }

    /// "not shown: 2 failed authentication, 1 malformed" under --verbose, once tail ends.
    var summary: String? {
        guard verbose, !dropped.isEmpty else { return nil }
        return "lora-msg: not shown: " + dropped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    mutating func lines(for e: MessengerEvent, ownFix: SharedLocation?) throws -> [Line] {
        func say(_ text: String) -> [Line] { [.err("lora-msg: " + text)] }
        func ifVerbose(_ text: @autoclosure () -> String) -> [Line] { verbose ? say(text()) : [] }
        switch e {
        case .message(let m):
            if json { return [.out(try jsonLine(TailLine(m, from: ownFix)))] }
            let body = BodyText.line(m.body, id: m.id, from: ownFix)
            let who = m.group.map { "#\(terminalSafe($0)) \(terminalSafe(m.contact))" } ?? terminalSafe(m.contact)
            return [.out("\(TimeText.local(m.receivedAt))  \(who)  \(journey(hops: m.hops, rssi: m.rssi, snr: m.snr))  \(body)")]
        case .dropped(let why):
            dropped[why.tally, default: 0] += 1
            return dropLines(why)
        case let .receipt(contact, ids, read, rebound):
            let what = ids.isEmpty ? "a receipt for no message waiting" : ids.map { String($0.prefix(8)) }.joined(separator: ", ") + (read ? " read" : " delivered")
            return ifVerbose("\(terminalSafe(contact)): \(what)")
                + (rebound.map { say("\(terminalSafe(contact))'s radio is now \($0) (their own authenticated receipt says so)") } ?? [])
        case let .receiving(contact, have, count):
            return [.progress("receiving \(have)/\(count) from \(terminalSafe(contact)) …")]
        case let .transferProgress(id, _, confirmed, count, _, _):
            return ifVerbose("message \(id.prefix(8)): \(confirmed)/\(count) chunks confirmed")
        case .contactRequest(let r):
            let name = shellQuoted(terminalSafe(r.displayName))
            return say("contact \(r.isAnswer ? "answer" : "request") from '\(terminalSafe(r.displayName))' (\(r.node ?? "unknown node")), key \(r.publicKey)")
                + say("  safety number \(r.safetyNumber.split(separator: "\n").joined(separator: " "))")
                + say("  add with: lora-msg contact accept \(name) [--as NAME]   or: lora-msg contact reject \(name)")
        case .groupChanged(let n):
            return say(terminalSafe(n.text))
        case let .postAcked(group, member, ids, delivered):
            return ifVerbose("#\(terminalSafe(group)): \(terminalSafe(member)) holds \(ids.map { String($0.prefix(8)) }.joined(separator: ", "))")
                + delivered.flatMap { ifVerbose("post \($0.prefix(8)) delivered to every member of #\(terminalSafe(group))") }
        case let .contactAdded(name, node):
            return say("'\(terminalSafe(name))' answered your contact request and was added" + (node.map { " (radio \($0))" } ?? "")
                       + "; compare safety numbers with 'lora-msg contact show \(terminalSafe(name))'")
        case .duplicate:
            return ifVerbose("a copy of a message already shown (relayed twice or replayed)")
        case let .transmitted(id, packet, broadcast):
            return ifVerbose("sending \(id.prefix(8)) as packet \(packet) (\(broadcast ? "broadcast" : "DM"))")
        case let .delivery(id, state, detail):
            guard verbose || state == .failed else { return [] }
            return say("message \(id.prefix(8)) \(state.rawValue)" + (detail.map { ": \($0)" } ?? ""))
        case .fellBackToBroadcast(let id):
            return say("message \(id.prefix(8)): the radio has no key for that node; sent as a broadcast")
        case let .waitingForDutyCycle(id, s):
            guard verbose || s % 30 == 0 else { return [] }
            return say("message \(id.prefix(8)) waits for the duty cycle, next slot in \(s) s")
        case .waitingForRadioQueue(let id):
            return ifVerbose("message \(id.prefix(8)) waits for a free slot in the radio's transmit queue")
        case .notice(let text):
            return say(text)
        case .radioLog(let line):
            return verbose ? [.err("radio: \(terminalSafe(line))")] : []
        case .disconnected(let why):
            return say("\(why); reconnecting")
        case .reconnected:
            return say("radio back")
        case .closed(let why):
            return why.map { say($0.description) } ?? []
        }
    }

    private func dropLines(_ why: DropReason) -> [Line] {
        func say(_ text: String) -> [Line] { [.err("lora-msg: " + text)] }
        switch why {
        case .unknownSender(let sid):
            return verbose ? say("dropped a message from unknown sender \(sid)") : []
        case .failedAuthentication(let c):
            return verbose ? say("dropped a \(c.hasPrefix("receipt from ") ? "" : "message from ")\(terminalSafe(c)): it failed authentication") : []
        case .malformed(let d):
            return verbose ? say("dropped a malformed envelope: \(terminalSafe(d))") : []
        case .ignored(let d):
            return verbose ? say(terminalSafe(d)) : []
        case let .anotherCopy(name, keyID):
            return say("'\(terminalSafe(name))' wrote to ratchet key \(keyID) of yours, which this home never made: another home with your identity (a restored backup used next to its original?) is talking to them. Keep one home per identity; messages to the other cannot be read here")
        case let .requestDropped(name, reason):
            return say("a contact request from '\(terminalSafe(name))' was not kept: \(terminalSafe(reason)); if these are not people you know, 'lora-msg contact reject --all' clears the waiting ones")
        case .postHeld(let g):
            return verbose ? say("a post\(g.map { " in #\(terminalSafe($0))" } ?? " for a group not known yet") is held until its roster comes") : []
        case let .notStored(c, reason):
            return say("a message from \(terminalSafe(c)) could not be stored (\(terminalSafe(reason))); not shown, no receipt sent, so their lora-msg sends it again")
        }
    }
}
