import ArgumentParser
import Foundation
import LoraMessenger

struct MailboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailbox",
        abstract: "Hold messages for people who are offline, or have yours held.",
        discussion: """
        A mailbox is an always-on lora-msg (a Pi by the relay, the gateway's host) running \
        'lora-msg mailbox serve' on a radio or a broker. It keeps sealed frames for the contacts \
        that chose it, and hands them over when they come back. It never sees a text: the \
        recipient, the sender's id, the sizes and the times are all it learns.

        'lora-msg mailbox use NAME' makes the contact NAME (who runs serve, and has you as a \
        contact) your mailbox, and tells your contacts in a frame only you can make. When a \
        message to you goes unanswered twice, their lora-msg leaves a copy there; yours asks for \
        it when it starts and when it hears the mailbox's radio, and confirms what it took, \
        which the mailbox then deletes.
        """,
        subcommands: [MailboxServe.self, MailboxUse.self, MailboxStatusCommand.self]
    )
}

struct MailboxServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Be a mailbox: hold sealed frames for the contacts that choose this home, until they take them.",
        discussion: """
        Runs until interrupted, holding the radio (or the broker with --mqtt) as 'tail' does, and \
        reconnects by itself. Held frames live in the database (ciphertext only) for 7 days; at \
        most 64 per user, 16 per sender and user, and 30 an hour from one radio, so a stranger \
        can neither fill the disk nor the air. A status line on stderr says what it holds.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @OptionGroup(title: "No radio: over an MQTT broker") var mqtt: MQTTNodeOptions

    func run() async throws {
        let messenger = try home.openMessenger()
        messenger.serveMailbox(true)
        let choice = try mqtt.apply(to: radio.choice, messenger: messenger)
        let listener = try await Listener.start(messenger, radio: choice) { printError("lora-msg: \($0)") }
        signal(SIGPIPE, SIG_IGN)
        let stops = onInterrupt { Task { await listener.stop() } }
        defer { stops.forEach { $0.cancel() } }
        printError("lora-msg: mailbox listening on \(choice.describe(listener.endpoint)) as \(listener.radioNodeID)")
        var last = ""
        func status() {
            guard let s = try? messenger.mailboxStatus() else { return }
            let line = "mailbox: \(s.users) user\(s.users == 1 ? "" : "s"), \(s.held) frame\(s.held == 1 ? "" : "s") held"
            if line != last { printError("lora-msg: " + line); last = line }
        }
        status()
        for await e in listener.events {
            switch e {
            case .notice(let text): printError("lora-msg: \(text)")
            case .disconnected(let why): printError("lora-msg: \(why); reconnecting")
            case .reconnected: printError("lora-msg: radio back")
            case .closed(let why): if let why { printError("lora-msg: \(why.description)") }
            case .message(let m): printError("lora-msg: a message from \(terminalSafe(m.contact)) (read it with 'lora-msg history')")
            default: break
            }
            status()
        }
        await listener.stop()
    }
}

struct MailboxUse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use",
        abstract: "Choose the contact whose mailbox holds your messages while you are offline (--none: stop).",
        discussion: "The registration goes to the mailbox now; the advert to each contact goes with the next 'tail' (or now, if one runs)."
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @OptionGroup(title: "No radio: over an MQTT broker") var mqtt: MQTTNodeOptions
    @Argument(help: "The contact that runs 'mailbox serve'.") var name: String?
    @Flag(help: "Use no mailbox.") var none = false

    func validate() throws {
        if (name == nil) == !none { throw ValidationError("give the mailbox's contact name, or --none") }
    }

    func run() async throws {
        let messenger = try home.openMessenger()
        let chosen = try messenger.useMailbox(none ? nil : name)
        print(chosen.map { "mailbox: \($0.name) (\($0.node.map(nodeID) ?? "?")); your contacts learn it from your next frames" } ?? "mailbox: none")
        let line = ProgressLine()
        do {
            try await messenger.sendQueuedFrames(radio: try mqtt.apply(to: radio.choice, messenger: messenger)) { p in report(p, on: line) }
            line.finish()
        } catch {
            line.finish()
            throw CLIError(.temporaryFailure, "the choice is saved, but the mailbox was not told yet (\((error as? MessengerError)?.description ?? "\(error)")); it goes with the next 'lora-msg tail'")
        }
    }
}

struct MailboxStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Say which mailbox you use, and what this home holds if it serves.")

    @OptionGroup var home: HomeOptions

    func run() throws {
        let s = try home.openMessenger().mailboxStatus()
        print("using: " + (s.using.map { "\($0) (\(s.usingNode ?? "?"))" } ?? "no mailbox"))
        if s.users > 0 || s.held > 0 { print("serving: \(s.users) user\(s.users == 1 ? "" : "s"), \(s.held) frame\(s.held == 1 ? "" : "s") held") }
    }
}
