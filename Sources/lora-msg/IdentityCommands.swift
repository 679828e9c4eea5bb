import ArgumentParser
import LoraCrypto

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create your identity (an X25519 key pair) in the lora-msg home.",
        discussion: "The secret key is written to identity.key with mode 0600. It never leaves this machine."
    )

    @OptionGroup var home: HomeOptions

    @Flag(help: "Replace an existing identity. Contacts will need your new public key.")
    var force = false

    func run() throws {
        try runReportingErrors {
            try home.ensureDirectory()
            let pair = try IdentityKeyPair.generate()
            try IdentityFile.save(pair, to: home.identityPath, overwrite: force)
            print("created \(home.identityPath)")
            print("public key  \(pair.publicKey.base64)")
            print("sender id   \(pair.senderID.hex)")
        }
    }
}

struct IdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Show your public key: give it to each contact, out of band.",
        discussion: "Your contacts run 'lora-msg contact add NAME KEY' with the key printed here."
    )

    @OptionGroup var home: HomeOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Also draw the public key as a QR code, for a contact to scan off the screen.")
    var qr = false

    func run() throws {
        try runReportingErrors {
            let pair = try IdentityFile.load(from: home.identityPath)
            if qr {
                guard let matrix = TerminalQRCode.modules(for: pair.publicKey.base64) else {
                    throw CLIError(.software, "libqrencode could not encode the key")
                }
                print(TerminalQRCode.render(matrix))
            }
            if json {
                print("{\"public_key\":\"\(pair.publicKey.base64)\",\"sender_id\":\"\(pair.senderID.hex)\"}")
            } else {
                print("public key  \(pair.publicKey.base64)")
                print("sender id   \(pair.senderID.hex)")
            }
        }
    }
}
