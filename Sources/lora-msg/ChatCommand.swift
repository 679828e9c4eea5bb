import ArgumentParser
import CTerminal
import Foundation
import LoraMessenger

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "A conversation in the terminal: history, live messages, an input line, honest states.",
        discussion: """
        Shows the conversation with NAME (the last 200 messages, then live), a status bar (radio \
        node, region and preset, airtime used this hour against the region's budget, the outbox, \
        the next duty-cycle slot when waiting) and an input line that counts the bytes left of one \
        frame. Each message you send shows its state as it changes: pending, queued, relayed, \
        acked, delivered, read, or failed with the reason. Without NAME, pick a contact or a \
        group first from a list with the number of unread messages of each.

        A group is '#NAME': its posts show their sender, and yours how many members hold them \
        ('sent, 1 of 2') until all do ('delivered').

        Commands on the input line: /to NAME or /to #GROUP (switch), /retry (send failed messages \
        again), /quit (or Ctrl-D, Ctrl-C). PgUp/PgDn scroll.

        It holds the radio like 'tail' (or, with --mqtt, the broker); if a 'tail' already holds \
        it, chat hands its messages to that tail through the outbox. It needs a terminal; in \
        scripts use 'send' and 'tail'. NO_COLOR turns colour off.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @OptionGroup(title: "No radio: over an MQTT broker") var mqtt: MQTTNodeOptions
    @Argument(help: "The contact, or '#GROUP', to talk to (default: pick one).") var name: String?

    func run() async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw CLIError(.usage, "chat needs a terminal; in scripts use 'lora-msg send' and 'lora-msg tail'")
        }
        let messenger = try home.openMessenger()
        let names = try messenger.conversations()
        guard !names.isEmpty else { throw CLIError(.noInput, "no contacts yet; add one with 'lora-msg contact add NAME KEY'") }
        let start: String? = try name.map { n in n.hasPrefix("#") ? "#" + (try messenger.group(named: n).name) : try messenger.contact(named: n).name }
        let choice = try mqtt.apply(to: radio.choice, messenger: messenger)
        var listener: Listener?
        var heldBy: Int32?
        do { listener = try await Listener.start(messenger, radio: choice) } catch {
            guard case .tailRunning(let pid) = error else { throw error }
            heldBy = pid
        }
        let ui = ChatUI(messenger: messenger, listener: listener, heldBy: heldBy, contacts: names, start: start)
        signal(SIGPIPE, SIG_IGN)
        let stops = onInterrupt { ui.quit() }
        defer { stops.forEach { $0.cancel() } }
        let held = listener
        let forward = Task {
            guard let held else { return }
            for await e in held.events { ui.note(e) }
        }
        try await ui.run()
        forward.cancel()
        await listener?.stop()
    }
}

/// The terminal side of `chat`: one thread owns curses, draws from the store, reads keys.
final class ChatUI: @unchecked Sendable {
    private let messenger: Messenger
    private let listener: Listener?
    private let heldBy: Int32?
    private let contacts: [String]
    private let lock = NSLock()
    private var quitting = false
    private var dirty = true
    private var nextSlot: (seconds: Int, at: Double)?
    private var notice = ""

    // Owned by the curses thread.
    private var input: ChatInput
    private var lastDraw = 0.0
    /// The open conversation as last read from the store: redrawn from here, read again only
    /// when something changed (an event, another process writing, another conversation).
    private var shown: (name: String, entries: [HistoryEntry], counter: Int?)?

    init(messenger: Messenger, listener: Listener?, heldBy: Int32?, contacts: [String], start: String?) {
        self.messenger = messenger; self.listener = listener; self.heldBy = heldBy; self.contacts = contacts
        input = ChatInput(contacts: contacts, start: start)
    }

    func quit() { lock.withLock { quitting = true } }

    /// A messenger event: something changed; redraw (from the store) on the next turn.
    func note(_ e: MessengerEvent) {
        lock.withLock {
            dirty = true
            switch e {
            case .waitingForDutyCycle(_, let s): nextSlot = (s, Date().timeIntervalSince1970)
            case .transmitted: nextSlot = nil
            case .disconnected(let why): notice = "radio away: \(why); reconnecting"
            case .reconnected: notice = "radio back"
            // A contact's radio renumbered (firmware 2.8): said once, as tail says it.
            case let .receipt(contact, _, _, rebound?): notice = "\(terminalSafe(contact))'s radio is now \(rebound)"
            default: break
            }
        }
    }

    func run() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let t = Thread { [self] in
                guard term_start(ProcessInfo.processInfo.environment["NO_COLOR"] == nil ? 1 : 0) == 0 else {
                    c.resume(throwing: CLIError(.unavailable, "cannot start the terminal (TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? "unset"))"))
                    return
                }
                self.loop()
                term_stop()
                c.resume()
            }
            t.name = "chat"
            t.start()
        }
    }

    private func loop() {
        var key: UInt32 = 0
        while !lock.withLock({ quitting }) {
            let kind = term_key(100, &key)
            if kind == TERM_CHAR { perform(input.handle(ChatInput.key(char: key))) }
            else if kind == TERM_KEY { perform(input.handle(Self.key(special: key))) }
            let now = Date().timeIntervalSince1970
            let changed = lock.withLock { () -> Bool in defer { dirty = false }; return dirty }
            if changed { shown = nil }
            if changed || kind != TERM_NONE || now - lastDraw >= 1 { draw(); lastDraw = now }
        }
    }

    // MARK: keys

    static func key(special: UInt32) -> ChatInput.Key {
        switch Int(special) {
        case Int(TERM_KEY_ENTER): .enter
        case Int(TERM_KEY_BACKSPACE): .backspace
        case Int(TERM_KEY_UP): .up
        case Int(TERM_KEY_DOWN): .down
        case Int(TERM_KEY_PGUP): .pageUp
        case Int(TERM_KEY_PGDN): .pageDown
        default: .other
        }
    }

    /// Does what a key asked: the parts that need the messenger.
    private func perform(_ action: ChatInput.Action?) {
        switch action {
        case nil: return
        case .quit: quit()
        case .switchTo(let wanted):
            if wanted.hasPrefix("#"), let g = try? messenger.group(named: wanted), g.standing == .member { input.open("#" + g.name); say("") }
            else if !wanted.hasPrefix("#"), let c = try? messenger.contact(named: wanted) { input.open(c.name); say("") }
            else { say(wanted.hasPrefix("#") ? "no group '\(wanted)' you are in; /to #GROUP" : "no contact named '\(wanted)'; /to NAME or /to #GROUP") }
        case .retry:
            do { let n = try messenger.requeueOutbox().count; say(n == 0 ? "nothing to retry" : "\(n) message(s) back in the outbox") }
            catch { say(error.description) }
        case .help:
            say("commands: /to NAME, /retry, /quit")
        case let .send(line, to):
            do {
                _ = try messenger.queueChatLine(line, to: to)
                if let listener { Task { await listener.sendPendingNow() } }
                input.scrollToNewest()
                shown = nil
                say(heldBy.map { "handed to the running 'lora-msg tail' (pid \($0))" } ?? "")
            } catch {
                input.typed = line
                say(error.description)
            }
        }
    }

    private func say(_ text: String) { lock.withLock { notice = text } }

    // MARK: drawing

    private func draw() {
        let rows = Int(term_rows()), cols = Int(term_cols())
        guard rows >= 3, cols >= 10 else { term_refresh(); return }
        let bodyRows = rows - 2
        guard let to = input.current else { drawPicker(rows: rows, cols: cols); return }
        let entries = conversation(to)
        var lines: [(header: String, body: String, style: Int32)] = []
        for e in entries {
            let s = e.message
            let incoming = s.direction == .incoming
            let time = String(TimeText.local(s.receivedAt ?? s.createdAt).prefix(5))
            let body = BodyText.line(e.body, id: s.id, from: nil)
            if incoming {
                lines.append(("\(time) \(terminalSafe(e.contact)):", body, Int32(TERM_PLAIN)))
            } else {
                var state = s.state == .failed ? "failed: \(s.failure ?? "no reason given")" : s.state.rawValue
                if e.group != nil, s.state != .delivered, s.state != .failed, let d = messenger.postDelivery(s) { state += ", \(d.acked) of \(d.of)" }
                if let resend = messenger.resendStatus(s) { state += ", " + resend }
                let style = s.state == .failed ? TERM_BAD : [.acked, .delivered, .read].contains(s.state) ? TERM_GOOD : TERM_MINE
                lines.append(("\(time) me [\(state)]:", body, Int32(style)))
            }
        }
        var rows2 = ChatScreen.conversation(lines, width: cols, height: bodyRows + input.scroll)
        rows2 = Array(rows2.prefix(max(0, rows2.count - input.scroll)).suffix(bodyRows))
        for y in 0..<bodyRows {
            if y < rows2.count { term_line(Int32(y), rows2[y].text, rows2[y].style) } else { term_line(Int32(y), "", Int32(TERM_PLAIN)) }
        }
        term_line(Int32(rows - 2), statusText(cols: cols), Int32(TERM_STATUS))
        let left = ((try? messenger.chatLimit(for: to)) ?? Messenger.chatLimitBytes) - input.typed.utf8.count
        let prompt = "\(to) (\(left) left)> "
        let (text, cursor) = ChatScreen.input(input.typed, prompt: prompt, width: cols)
        term_line(Int32(rows - 1), text, Int32(left < 0 ? TERM_BAD : TERM_PLAIN))
        term_cursor(Int32(rows - 1), Int32(min(cursor, cols - 1)))
        term_refresh()
    }

    /// The conversation's last 200 entries, opened from the store only when it changed.
    private func conversation(_ name: String) -> [HistoryEntry] {
        let counter = messenger.databaseChangeCounter()
        if let s = shown, s.name == name, s.counter == counter, counter != nil { return s.entries }
        let entries = (try? messenger.conversation(name, limit: 200)) ?? []
        shown = (name, entries, counter)
        return entries
    }

    private func drawPicker(rows: Int, cols: Int) {
        term_line(0, "Talk to whom? (↑/↓ and Enter, or a number)", Int32(TERM_BOLD))
        for y in 1..<(rows - 2) {
            let i = y - 1
            if i < contacts.count {
                let last = (try? messenger.conversation(contacts[i], limit: 1, markingShown: false).last).flatMap { $0 }
                let when = last.map { "  last " + TimeText.local($0.message.receivedAt ?? $0.message.createdAt, withDate: true) } ?? ""
                let unread = (try? messenger.unreadCount(in: contacts[i])) ?? 0
                let count = unread > 0 ? "  (\(unread) unread)" : ""
                term_line(Int32(y), "\(i == input.picked ? ">" : " ") \(i + 1). \(terminalSafe(contacts[i]))\(count)\(when)", Int32(i == input.picked ? TERM_BOLD : TERM_PLAIN))
            } else {
                term_line(Int32(y), "", Int32(TERM_PLAIN))
            }
        }
        term_line(Int32(rows - 2), statusText(cols: cols), Int32(TERM_STATUS))
        term_line(Int32(rows - 1), "", Int32(TERM_PLAIN))
        term_refresh()
    }

    private func statusText(cols: Int) -> String {
        var parts: [String] = []
        // What just went wrong (or right) first: on a narrow screen the bar's end is cut off.
        let (slot, note) = lock.withLock { (nextSlot, notice) }
        if !note.isEmpty { parts.append(note) }
        if let listener, let s = try? messenger.chatStatus(radio: listener.courier.radioInfo) {
            parts.append("\(s.node) \(s.region) \(s.preset)")
            if let b = s.airtimeBudgetSeconds {
                parts.append(String(format: "duty %.0f of %.0f s/h", s.airtimeUsedSeconds, b))
            } else {
                parts.append(String(format: "air %.0f s/h", s.airtimeUsedSeconds))
            }
            parts.append("outbox \(s.outbox)")
        } else if let heldBy {
            parts.append("radio held by tail (pid \(heldBy))")
        }
        if let slot {
            let left = slot.seconds - Int(Date().timeIntervalSince1970 - slot.at)
            if left > 0 { parts.append("next slot in \(left) s") }
        }
        return " " + parts.joined(separator: " · ")
    }
}
