import ArgumentParser
import LoraCrypto
import LoraMessenger
import MeshtasticWire
import MessageStore

struct ContactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact",
        abstract: "Manage the people you can message.",
        discussion: """
        A contact is a name and the public key they gave you ('lora-msg id' on their side). \
        Compare the safety number of 'lora-msg contact show NAME' with theirs, in person or by voice, \
        before you trust the key.
        """,
        subcommands: [ContactAdd.self, ContactList.self, ContactShow.self, ContactVerify.self, ContactRemove.self]
    )
}

struct ContactAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a contact from the public key they gave you.",
        discussion: """
        KEY is base64 (44 characters) or hex (64). With --node, messages go as direct messages to \
        that radio and are acknowledged by it; without, lora-msg learns the node from their first \
        message and broadcasts until then.
        """
    )

    @OptionGroup var home: HomeOptions
    @Argument(help: "A name you will type in 'send' and see in 'tail'.") var name: String
    @Argument(help: "Their public key.") var key: String
    @Option(help: ArgumentHelp("Their radio's node id.", valueName: "!xxxxxxxx")) var node: String?

    func run() throws {
        try runReportingErrors {
            let m = try home.openMessenger()
            let c: Contact
            do throws(MessengerError) { c = try m.addContact(name: name, key: key, node: node) } catch { throw CLIError(error) }
            let number: SafetyNumber
            do throws(MessengerError) { number = try m.safetyNumber(for: c) } catch { throw CLIError(error) }
            print("added \(c.name)  sender id \(hexString(c.senderID))" + (c.node.map { "  node \(User.nodeID($0))" } ?? ""))
            print("safety number (compare with \(c.name)'s 'lora-msg contact show'):")
            print(number.description)
        }
    }
}

struct ContactRow: Encodable {
    var name: String
    var publicKey: String
    var senderId: String
    var node: String?
    var nodeGiven: Bool
    var addedAt: String
    var verifiedAt: String?
    var lastHeardAt: String?
    var safetyNumber: String?

    init(_ c: Contact, safety: SafetyNumber?) {
        name = c.name
        publicKey = (try? PublicKey(bytes: c.publicKey).base64) ?? hexString(c.publicKey)
        senderId = hexString(c.senderID)
        node = c.node.map(User.nodeID)
        nodeGiven = c.nodeGiven
        addedAt = TimeText.rfc3339(c.addedAt)
        verifiedAt = c.verifiedAt.map(TimeText.rfc3339)
        lastHeardAt = c.lastHeardAt.map(TimeText.rfc3339)
        safetyNumber = safety?.digits
    }
}

struct ContactList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your contacts.")

    @OptionGroup var home: HomeOptions
    @Flag(help: "Print JSON Lines, one contact per line.") var json = false

    func run() throws {
        try runReportingErrors {
            let m = try home.openMessenger()
            let all: [Contact]
            do throws(MessengerError) { all = try m.contacts() } catch { throw CLIError(error) }
            if json {
                for c in all { emitLine(try jsonLine(ContactRow(c, safety: nil))) }
                return
            }
            if all.isEmpty { print("no contacts yet; add one with 'lora-msg contact add NAME KEY'"); return }
            let width = max(4, all.map(\.name.count).max() ?? 4)
            for c in all {
                let pad = String(repeating: " ", count: width - c.name.count)
                let node = c.node.map { User.nodeID($0) + (c.nodeGiven ? "" : " (learned)") } ?? "broadcast"
                let heard = c.lastHeardAt.map { "last heard " + TimeText.local($0, withDate: true) } ?? "never heard"
                print("\(c.name)\(pad)  \(hexString(c.senderID))  \(node)  \(c.verifiedAt == nil ? "unverified" : "verified")  \(heard)")
            }
        }
    }
}

struct ContactShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a contact with the safety number you both compare.",
        discussion: "Both sides compute the same 60 digits from the two public keys. If they differ, do not trust the key."
    )

    @OptionGroup var home: HomeOptions
    @Argument var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try runReportingErrors {
            let m = try home.openMessenger()
            let c: Contact, number: SafetyNumber
            do throws(MessengerError) { c = try m.contact(named: name); number = try m.safetyNumber(for: c) } catch { throw CLIError(error) }
            if json { print(try jsonLine(ContactRow(c, safety: number))); return }
            let row = ContactRow(c, safety: number)
            print("name          \(c.name)")
            print("public key    \(row.publicKey)")
            print("sender id     \(row.senderId)")
            print("node          \(row.node.map { $0 + (c.nodeGiven ? "" : " (learned)") } ?? "unknown: messages are broadcast")")
            print("added         \(TimeText.local(c.addedAt, withDate: true))")
            print("verified      \(c.verifiedAt.map { TimeText.local($0, withDate: true) } ?? "no ('lora-msg contact verify \(c.name)' once the numbers match)")")
            print("safety number")
            print(number.description)
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
        try runReportingErrors {
            let m = try home.openMessenger()
            do throws(MessengerError) { try m.markVerified(named: name) } catch { throw CLIError(error) }
            print("\(name) verified")
        }
    }
}

struct ContactRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a contact. Their stored messages stay, unreadable until the same key is added again."
    )

    @OptionGroup var home: HomeOptions
    @Argument var name: String

    func run() throws {
        try runReportingErrors {
            let m = try home.openMessenger()
            do throws(MessengerError) { try m.removeContact(named: name) } catch { throw CLIError(error) }
            print("removed \(name)")
        }
    }
}
