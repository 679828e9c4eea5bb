import ArgumentParser
import LoraMessenger

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create your identity (an X25519 key pair) in the lora-msg home.",
        discussion: "The secret key is written to identity.key with mode 0600, in a home directory created 0700. It never leaves this machine."
    )

    @OptionGroup var home: HomeOptions

    @Flag(help: "Replace an existing identity. Contacts will need your new public key.")
    var force = false

    func run() throws {
        let id = try Messenger.createIdentity(home: home.directory(), force: force)
        print("created \(id.path)")
        print("public key  \(id.publicKey)")
        print("sender id   \(id.senderID)")
    }
}

struct IdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Show your public key: give it to each contact, out of band.",
        discussion: """
        Your contacts run 'lora-msg contact add NAME KEY' with the key printed here. \
        With --json: {"public_key", "sender_id", "qr"}; "qr" is the QR code as text lines \
        (with --qr) or null.
        """
    )

    @OptionGroup var home: HomeOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Also draw the public key as a QR code, for a contact to scan off the screen.")
    var qr = false

    struct IDLine: CompleteJSON {
        var publicKey: String
        var senderId: String
        var qr: [String]?
    }

    func run() throws {
        let id = try Messenger.publicIdentity(home: home.directory())
        var art: String?
        if qr {
            guard let matrix = TerminalQRCode.modules(for: id.publicKey) else {
                throw CLIError(.software, "libqrencode could not encode the key")
            }
            art = TerminalQRCode.render(matrix)
        }
        if json {
            // JSON only: the QR code rides along as text lines, never before the object.
            print(try jsonLine(IDLine(publicKey: id.publicKey, senderId: id.senderID, qr: art.map { $0.split(separator: "\n").map(String.init) })))
            return
        }
        if let art { print(art) }
        print("public key  \(id.publicKey)")
        print("sender id   \(id.senderID)")
    }
}
