import ArgumentParser
import Foundation
import LoraMessenger

struct ContactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact",
        abstract: "Manage the people you can message.",
        discussion: """
        A contact is a name and the public key they gave you ('lora-msg id' on their side). \
        Compare the safety number of 'lora-msg contact show NAME' with theirs, in person or by voice, \
        before you trust the key.

        Without a key carried by hand: 'contact request' sends yours over the air, the other side \
        sees it in 'tail' and 'contact requests', and 'contact accept' adds you and answers with theirs.
        """,
        subcommands: [ContactAdd.self, ContactList.self, ContactShow.self, ContactVerify.self, ContactSetNode.self, ContactRemove.self,
                      ContactRequestCommand.self, ContactRequests.self, ContactAcceptCommand.self, ContactReject.self]
    )
}

struct ContactAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a contact from the public key they gave you.",
        discussion: """
        KEY is base64 (44 characters) or hex (64). With --node, messages go as direct messages to \
        that radio and are acknowledged by it; without, lora-msg broadcasts until their first \
        receipt, which names their radio inside its authenticated part. Names are stored in Unicode NFC without \
        surrounding spaces; control, zero-width and bidi characters and a leading '-' are refused.
        """
    )

    @OptionGroup var home: HomeOptions
    @Argument(help: "A name you will type in 'send' and see in 'tail'.") var name: String
    @Argument(help: "Their public key.") var key: String
    @Option(help: ArgumentHelp("Their radio's node id.", valueName: "!xxxxxxxx")) var node: String?

    func run() throws {
        let m = try home.openMessenger()
        let c = try m.addContact(name: name, key: key, node: node)
        let number = try m.safetyDigits(for: c)
        print("added \(c.name)  sender id \(Messenger.senderIDText(c))" + (c.node.map { "  node \(nodeID($0))" } ?? ""))
        print("safety number (compare with \(c.name)'s 'lora-msg contact show'):")
        print(number.grouped)
        // Firmware 2.8 sends a DM only to a radio whose key ours holds.
        if let node = c.node {
            printError("lora-msg: the next lora-msg to talk to your radio asks \(nodeID(node)) for its radio key (firmware 2.8 needs it for direct messages); 'contact show \(c.name)' says when your radio has it")
        }
    }
}

/// A contact in JSON; every field is always present (`null` when unknown).
struct ContactRow: CompleteJSON {
    var name: String
    var publicKey: String
    var senderId: String
    var node: String?
    var nodeGiven: Bool
    var otherNodes: [String]
    var addedAt: String
    var verifiedAt: String?
    var lastHeardAt: String?
    var safetyNumber: String?
    var radioKey: String?
    var radioKeyState: String?

    init(_ c: Messenger.Contact, safety: String?, others: [Messenger.NodeSighting], radioKey status: RadioKeyStatus? = nil) {
        name = c.name
        publicKey = Messenger.keyText(c)
        senderId = Messenger.senderIDText(c)
        node = c.node.map(nodeID)
        nodeGiven = c.nodeGiven
        otherNodes = others.map { nodeID($0.node) }
        addedAt = TimeText.rfc3339(c.addedAt)
        verifiedAt = c.verifiedAt.map(TimeText.rfc3339)
        lastHeardAt = c.lastHeardAt.map(TimeText.rfc3339)
        safetyNumber = safety
        if case .known(let key, _, _)? = status { radioKey = Data(key).base64EncodedString() }
        radioKeyState = status?.word
    }
}

struct ContactList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your contacts.")

    @OptionGroup var home: HomeOptions
    @Flag(help: "Print JSON Lines, one contact per line.") var json = false

    func run() throws {
        let m = try home.openMessenger()
        let all = try m.contacts()
        if json {
            for c in all { emitLine(try jsonLine(ContactRow(c, safety: nil, others: try m.otherNodes(of: c)))) }
            return
        }
        if all.isEmpty { print("no contacts yet; add one with 'lora-msg contact add NAME KEY'"); return }
        let width = max(4, all.map(\.name.count).max() ?? 4)
        for c in all {
            let pad = String(repeating: " ", count: width - c.name.count)
            let node = c.node.map { nodeID($0) + (c.nodeGiven ? "" : " (from their receipt)") } ?? "broadcast"
            let heard = c.lastHeardAt.map { "last heard " + TimeText.local($0, withDate: true) } ?? "never heard"
            print("\(terminalSafe(c.name))\(pad)  \(Messenger.senderIDText(c))  \(node)  \(c.verifiedAt == nil ? "unverified" : "verified")  \(heard)")
        }
    }
}

struct ContactShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a contact with the safety number you both compare.",
        discussion: """
        Both sides compute the same 60 digits from the two public keys. If they differ, do not trust the key. \
        'other nodes' lists radios other than theirs that their messages arrived from (a relay re-sending, \
        or someone replaying them); they never change where your messages go.
        """
    )

    @OptionGroup var home: HomeOptions
    @Argument var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let m = try home.openMessenger()
        let c = try m.contact(named: name)
        let number = try m.safetyDigits(for: c)
        let others = try m.otherNodes(of: c)
        let status = try m.radioKey(of: c)
        let row = ContactRow(c, safety: number.digits, others: others, radioKey: status)
        if json { print(try jsonLine(row)); return }
        print("name          \(terminalSafe(c.name))")
        print("public key    \(row.publicKey)")
        print("sender id     \(row.senderId)")
        print("node          \(row.node.map { $0 + (c.nodeGiven ? " (set by you)" : " (named in their authenticated receipt)") } ?? "unknown: messages are broadcast")")
        if !others.isEmpty {
            print("other nodes   " + others.map { "\(nodeID($0.node)) (\($0.count)×, last \(TimeText.local($0.lastSeen, withDate: true)))" }.joined(separator: ", "))
            print("              not used; 'lora-msg contact set-node \(c.name) !xxxxxxxx' if they changed radio")
        }
        print("radio key     \(Self.describe(status, node: c.node))")
        if let box = m.mailbox(of: c) { print("mailbox       \(box) (their own advert says so; a copy of what they miss goes there)") }
        print("added         \(TimeText.local(c.addedAt, withDate: true))")
        print("verified      \(c.verifiedAt.map { TimeText.local($0, withDate: true) } ?? "no ('lora-msg contact verify \(c.name)' once the numbers match)")")
        print("safety number")
        print(number.grouped)
    }
}

extension ContactShow {
    /// Firmware 2.8 sends DMs only to radios whose key ours holds: say whether it does.
    static func describe(_ status: RadioKeyStatus, node: UInt32?) -> String {
        func at(_ t: Double) -> String { TimeText.local(t, withDate: true) }
        switch status {
        case let .known(_, seen, crc):
            let number = node.map { crc ? "; \(nodeID($0)) is its CRC32 (firmware 2.8)" : "; \(nodeID($0)) is not its CRC32 (firmware 2.7 or older)" } ?? ""
            return "your radio has it (heard \(at(seen))\(number)): messages go as direct messages"
        case let .missing(refused, asked):
            return "your radio lacks it (a direct message refused \(at(refused))): messages go as broadcasts until it comes"
                + (asked.map { "; their radio asked \(at($0))" } ?? "")
        case .asked(let t):
            return "asked their radio \(at(t)); no answer heard yet"
        case .notHeard:
            return "not heard yet; lora-msg asks their radio when it next talks to yours"
        case .noNode:
            return "not needed: their node is unknown, messages go as broadcasts"
        }
    }
}

struct ContactVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Record that you compared the safety number with the contact and it matched."
    )

    @OptionGroup var home: HomeOptions
    @Argument var name: String

    func run() throws {
        try home.openMessenger().markVerified(named: name)
        print("\(name) verified")
    }
}

struct ContactSetNode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-node",
        abstract: "Point a contact at their radio's node (or 'none' to broadcast to them).",
        discussion: """
        lora-msg never re-points a contact because a message of theirs arrived from another node: \
        the mesh 'from' is not authenticated, and any radio can re-send their envelope. Only their \
        own receipts (authenticated with your shared key) or you change it. Use this when they \
        tell you (by voice, say) that they changed radio.
        """
    )

    @OptionGroup var home: HomeOptions
    @Argument var name: String
    @Argument(help: ArgumentHelp("The node id, or 'none'.", valueName: "!xxxxxxxx|none")) var node: String

    func run() throws {
        let c = try home.openMessenger().setNode(named: name, node: node.lowercased() == "none" ? nil : node)
        print("\(c.name): " + (c.node.map { "direct messages to \(nodeID($0))" } ?? "broadcasts (no node)"))
    }
}

struct ContactRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a contact. Their stored messages stay, unreadable until the same key is added again; unsent ones fail."
    )

    @OptionGroup var home: HomeOptions
    @Argument var name: String

    func run() throws {
        try home.openMessenger().removeContact(named: name)
        print("removed \(name)")
    }
}
