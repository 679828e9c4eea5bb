import ArgumentParser
import Foundation
import LoraMessenger

/// Where lora-msg keeps its files: `--home`, else `$LORA_MSG_HOME`, else
/// `$XDG_DATA_HOME/lora-msg`, else `~/.local/share/lora-msg`.
struct HomeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory for identity.key and messages.sqlite.", valueName: "dir"))
    var home: String?

    func directory() throws -> String {
        try Home.resolve(option: home, environment: ProcessInfo.processInfo.environment)
    }

    /// Loads the identity and opens the store of this home.
    func openMessenger() throws -> Messenger { try Messenger(home: directory()) }
}

/// How to reach the radio; shared by every command that talks to one.
struct RadioOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serial port of the radio (default: LORA_MSG_PORT, else the one Meshtastic USB device found).", valueName: "path"))
    var port: String?

    @Option(help: ArgumentHelp("Talk to meshtasticd or a WiFi radio over TCP instead (port 4403 unless given).", valueName: "host[:port]"))
    var host: String?

    var choice: RadioChoice { RadioChoice(port: port, host: host, environment: ProcessInfo.processInfo.environment) }
}
