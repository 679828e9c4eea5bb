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

    /// Loads the identity and opens the store of this home. With LORA_MSG_TIME_SCALE=N (for
    /// `lora-msg sim --speed N`) the messenger's clock and timers run N times faster, as the
    /// simulated radios' do, so duty-cycle sums and protocol waits agree with theirs.
    func openMessenger() throws -> Messenger {
        let scale = try Self.timeScale(ProcessInfo.processInfo.environment)
        let w0 = Date().timeIntervalSince1970
        let m = scale == 1 ? try Messenger(home: directory())
            : try Messenger(home: directory(), clock: { w0 + (Date().timeIntervalSince1970 - w0) * scale }, timeScale: scale)
        // Expired messages go before anything reads them (`config retention`).
        try m.applyRetention()
        return m
    }

    static func timeScale(_ environment: [String: String]) throws -> Double {
        guard let text = environment["LORA_MSG_TIME_SCALE"], !text.isEmpty else { return 1 }
        guard let x = Double(text), x >= 1, x <= 1000 else {
            throw CLIError(.usage, "LORA_MSG_TIME_SCALE must be a number from 1 to 1000 (the simulator's --speed), not \"\(text)\"")
        }
        return x
    }
}

/// How to reach the radio; shared by every command that talks to one.
struct RadioOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serial port of the radio (default: LORA_MSG_PORT, else the one Meshtastic USB device found).", valueName: "path"))
    var port: String?

    @Option(help: ArgumentHelp("Talk to meshtasticd or a WiFi radio over TCP instead (port 4403 unless given).", valueName: "host[:port]"))
    var host: String?

    var choice: RadioChoice { RadioChoice(port: port, host: host, environment: ProcessInfo.processInfo.environment) }
}
