import ArgumentParser

@main
struct LoraMsg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lora-msg",
        abstract: "End-to-end encrypted short texts over a Meshtastic LoRa mesh.",
        discussion: """
        Each message is sealed for one contact (X25519 + XChaCha20-Poly1305) before it \
        reaches the radio, so relays and the air only ever carry ciphertext.

        Start with 'lora-msg init' to create your identity, then 'lora-msg id' to show the \
        public key your contacts need.
        """,
        version: LoraMsgVersion.string,
        subcommands: [
            InitCommand.self, IdCommand.self, ContactCommand.self, SendCommand.self, TailCommand.self,
            HistoryCommand.self, OutboxCommand.self, RadioCommand.self, SimCommand.self, BenchCommand.self,
        ]
    )
}

enum LoraMsgVersion {
    static let string = "0.1.0"
}
