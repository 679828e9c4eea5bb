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
        try Messenger(home: directory(), clock: Self.clock(ProcessInfo.processInfo.environment))
    }

    /// The clock the sim's scale and origin describe (the wall clock when there is no scale).
    /// Scaled clocks of several commands agree only when they share an origin.
    static func clock(_ environment: [String: String]) throws -> MessengerClock {
        let scale = try timeScale(environment)
        return .scaled(from: try timeOrigin(environment) ?? Date().timeIntervalSince1970, by: scale)
    }

    /// LORA_MSG_TIME_ORIGIN: the Unix second from which scaled clocks run fast (the sim's
    /// start); without it each command's own start, so two commands' clocks disagree.
    static func timeOrigin(_ environment: [String: String]) throws -> Double? {
        guard let text = environment["LORA_MSG_TIME_ORIGIN"], !text.isEmpty else { return nil }
        let now = Date().timeIntervalSince1970
        guard let t = Double(text), t.isFinite, t <= now, t >= now - 30 * 86_400 else {
            throw CLIError(.usage, "LORA_MSG_TIME_ORIGIN must be a Unix time in seconds within the last 30 days (when the simulator started), not \"\(text)\"")
        }
        return t
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
