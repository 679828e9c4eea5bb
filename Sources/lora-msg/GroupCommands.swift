import ArgumentParser
import LoraMessenger

struct GroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Talk with several contacts at once: end to end, with each post's sender authenticated.",
        discussion: """
        A group is yours and up to 7 contacts. Post with 'lora-msg send '#NAME' TEXT' (quote the '#' \
        for the shell); 'tail', 'history '#NAME'' and 'chat' show each post with its group and sender.

        Its creator alone adds and removes members: one writer, so there are never two changes to \
        merge over a lossy mesh. Each change makes a new group key (an epoch) that goes to every \
        member as a roster over the channel you share with them; a removed member does not get it and \
        cannot open what follows. A member may leave; the creator's lora-msg then re-keys the rest.

        A post is one broadcast frame of at most 165 bytes. Every member can open every post, but \
        each post carries an 8-byte tag for each other member made with the key the poster shares \
        with that member alone, so no member can post as another.
        """,
        subcommands: [GroupCreate.self, GroupAdd.self, GroupRemove.self, GroupLeave.self, GroupList.self, GroupShow.self]
    )
}

/// The radio options of a command that changes a group: its rosters go out like any message.
struct GroupDelivery: ParsableArguments {
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @OptionGroup(title: "No radio: over an MQTT broker") var mqtt: MQTTNodeOptions
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds to wait for the radio to take the rosters.", valueName: "s")) var timeout = 120.0

    func validate() throws {
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds") }
    }

    /// Sends the change's rosters; one that is not taken now stays in the outbox (exit 75).
    func send(_ change: GroupChange, with messenger: Messenger) async throws {
        guard !change.rosterMessageIDs.isEmpty else { return }
        var plan = SendPlan()
        plan.timeout = timeout
        let line = ProgressLine()
        let results = try await messenger.deliver(change.rosterMessageIDs, plan: plan, radio: try mqtt.apply(to: radio.choice, messenger: messenger)) { p in report(p, on: line) }
        line.finish()
        let failed = results.filter { if case .failure = $0 { true } else { false } }.count
        if failed > 0 {
            throw CLIError(.temporaryFailure, "\(failed) of \(results.count) rosters of #\(change.group) not sent yet; they stay in the outbox and go with 'lora-msg tail' or 'lora-msg outbox retry'")
        }
    }
}

struct GroupCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make a group of you and some contacts, and send each of them its roster.",
        discussion: "NAME is up to 24 bytes (a leading '#' is dropped). Each contact gets the roster as a long message (2–4 chunks)."
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup var delivery: GroupDelivery
    @Argument(help: "The group's name.") var name: String
    @Argument(help: "The contacts to add (1 to 7).") var contacts: [String]

    func run() async throws {
        let messenger = try home.openMessenger()
        let change = try messenger.createGroup(named: name, with: contacts)
        print("created #\(change.group): \(change.members.joined(separator: ", "))")
        try await delivery.send(change, with: messenger)
    }
}

struct GroupAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a contact to a group you created (a new key: they cannot read earlier posts)."
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup var delivery: GroupDelivery
    @Argument(help: "The group.") var name: String
    @Argument(help: "The contact to add.") var contact: String

    func run() async throws {
        let messenger = try home.openMessenger()
        let change = try messenger.addToGroup(name, contact: contact)
        print("#\(change.group) now: \(change.members.joined(separator: ", "))")
        try await delivery.send(change, with: messenger)
    }
}

struct GroupRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a member from a group you created (a new key the removed member does not get)."
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup var delivery: GroupDelivery
    @Argument(help: "The group.") var name: String
    @Argument(help: "The member to remove.") var contact: String

    func run() async throws {
        let messenger = try home.openMessenger()
        let change = try messenger.removeFromGroup(name, contact: contact)
        print("#\(change.group) now: \(change.members.joined(separator: ", "))")
        try await delivery.send(change, with: messenger)
    }
}

struct GroupLeave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leave",
        abstract: "Leave a group: its keys here are erased now, and its creator is told."
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup var delivery: GroupDelivery
    @Argument(help: "The group.") var name: String

    func run() async throws {
        let messenger = try home.openMessenger()
        let change = try messenger.leaveGroup(name)
        print("left #\(change.group)")
        try await delivery.send(change, with: messenger)
    }
}

struct GroupList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your groups with their members and unread posts.")

    @OptionGroup var home: HomeOptions
    @Flag(help: "Print JSON Lines.") var json = false

    func run() throws {
        let messenger = try home.openMessenger()
        let groups = try messenger.groups()
        if groups.isEmpty && !json { print("no groups; make one with 'lora-msg group create NAME CONTACT…'") }
        for g in groups {
            if json { emitLine(try jsonLine(GroupRow(g))); continue }
            let standing = g.standing == .member ? "" : "  (\(g.standing == .left ? "you left" : "you were removed"))"
            let unread = g.unread > 0 ? "  \(g.unread) unread" : ""
            print("#\(terminalSafe(g.name))  \(g.members.map { terminalSafe($0.name) }.joined(separator: ", "))\(unread)\(standing)")
        }
    }
}

struct GroupShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a group's members, each with the safety number between you.",
        discussion: "Compare each safety number with that member, as for a contact: the roster's keys come from the group's creator."
    )

    @OptionGroup var home: HomeOptions
    @Argument(help: "The group.") var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let g = try home.openMessenger().groupSummary(name)
        if json { emitLine(try jsonLine(GroupRow(g))); return }
        let standing = g.standing == .member ? "member" : g.standing == .left ? "you left" : "you were removed"
        print("#\(terminalSafe(g.name))  \(standing)  key epoch \(g.epoch)\(g.youCreatedIt ? "  (you created it)" : "")")
        for m in g.members {
            let tags = [m.isCreator ? "creator" : nil, m.isYou || m.isContact ? nil : "not a contact"].compactMap { $0 }
            print("  \(terminalSafe(m.name))\(tags.isEmpty ? "" : "  (" + tags.joined(separator: ", ") + ")")")
            if !m.isYou { print("    safety number " + m.safetyNumber.split(separator: "\n").joined(separator: " ")) }
        }
    }
}

/// A group in JSON; every field is always present.
struct GroupRow: CompleteJSON {
    struct Member: Encodable {
        var name: String
        var you: Bool
        var creator: Bool
        var contact: Bool
        var safetyNumber: String?
    }
    var group: String
    var standing: String
    var createdByYou: Bool
    var epoch: Int
    var unread: Int
    var members: [Member]

    init(_ g: GroupSummary) {
        group = g.name; standing = g.standing.rawValue; createdByYou = g.youCreatedIt; epoch = g.epoch; unread = g.unread
        members = g.members.map { Member(name: $0.name, you: $0.isYou, creator: $0.isCreator, contact: $0.isContact, safetyNumber: $0.isYou ? nil : $0.safetyNumber) }
    }
}
