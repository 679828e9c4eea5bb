import ArgumentParser
import Dispatch
import Foundation
import LoraGateway
import LoraMessenger

/// How to reach and log in to an MQTT broker; shared by `gateway` and the radio-less mode.
struct BrokerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The broker: mqtt://HOST[:PORT] (1883) or mqtts://HOST[:PORT] (8883, TLS verified).", valueName: "url"))
    var mqtt: String?

    @Option(help: ArgumentHelp("User name for the broker.", valueName: "name"))
    var user: String?

    @Option(help: ArgumentHelp("File holding the broker password on one line (mode 600). Never on the command line.", valueName: "path"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("CA certificate to verify an mqtts:// broker by (default: the system's trust store).", valueName: "path"))
    var caFile: String?

    var choice: BrokerChoice? { mqtt.map { BrokerChoice(url: $0, user: user, passwordFile: passwordFile, caFile: caFile) } }
}

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Join this radio's mesh to others through an MQTT broker, until interrupted.",
        discussion: """
        The radio's MQTT module runs in client-proxy mode: it hands lora-msg every packet it \
        would publish, and lora-msg publishes it on the broker and passes back what other \
        gateways publish. Two valleys with a gateway each then reach each other. The broker sees \
        channel-encrypted Meshtastic packets around lora-msg envelopes: node ids, topics, sizes \
        and times, never a message text.

        The first run checks the radio: MQTT module on in client-proxy mode, uplink and downlink \
        on the primary channel, ignore_mqtt off (EU firmware sets it on). It says what is \
        missing; with --configure it makes those changes, the radio reboots once, and the \
        settings are read back before it starts. Every radio in the valley that should hear \
        the other side needs ignore_mqtt off as well.

        It then runs until interrupted, reconnecting to the radio and the broker by itself, and \
        prints a status line on stderr: each side up or down, packets each way, and what it \
        dropped and why (garbage, loops, replays, downlink over its share of the duty cycle).
        """
    )

    @OptionGroup(title: "Broker") var broker: BrokerOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions

    @Option(help: ArgumentHelp("Topic root (default: the radio's, e.g. msh/EU_868).", valueName: "root"))
    var root: String?

    @Flag(help: "Change the radio's settings for gateway use if needed (it reboots once).")
    var configure = false

    func validate() throws {
        if broker.mqtt == nil { throw ValidationError("give the broker with --mqtt mqtt://HOST[:PORT]") }
    }

    func run() async throws {
        guard let choice = broker.choice else { return }
        var options = try GatewayOptions(broker: choice, root: root, configure: configure)
        options.clock = try HomeOptions.clock(ProcessInfo.processInfo.environment)
        let status = ProgressLine()
        let gateway = try await Gateway.start(radio: radio.choice, options: options) { printError("lora-msg: \($0)") }
        signal(SIGPIPE, SIG_IGN)
        let stops = onInterrupt { Task { await gateway.stop() } }
        defer { stops.forEach { $0.cancel() } }
        printError("lora-msg: gateway \(gateway.radioNodeID) ⇄ \(options.brokerDescription) on \(gateway.topicRoot)/2/e/\(gateway.channelID)")
        for await e in gateway.events {
            switch e {
            case .status(let s): status.show("lora-msg: " + s.description)
            case .notice(let n): status.finish(); printError("lora-msg: " + n)
            }
        }
        status.finish()
        printError("lora-msg: gateway stopped: " + (await gateway.currentStatus()).description)
    }
}

/// `send`, `tail` and `share-location` with no radio: this home becomes a node on the broker
/// and a gateway in the valley carries it onto the air.
extension RadioChoice.Transport: ExpressibleByArgument {}

struct MQTTNodeOptions: ParsableArguments {
    @OptionGroup var broker: BrokerOptions

    @Option(help: ArgumentHelp("Topic root of the valley's gateway, with --mqtt.", valueName: "root"))
    var root = "msh/EU_868"

    @Option(name: .customLong("mqtt-channel"), help: ArgumentHelp("The valley's primary channel name, with --mqtt (default: LongFast).", valueName: "name"))
    var channel = ""

    @Option(help: ArgumentHelp("File with the valley channel's PSK in base64 (mode 600), with --mqtt (default: the public key AQ==).", valueName: "path"))
    var pskFile: String?

    @Option(help: ArgumentHelp("auto: the radio when one is there, else the broker given with --mqtt; radio; mqtt; both (send: the radio and the broker at once).", valueName: "way"))
    var via: RadioChoice.Transport = .auto

    /// The radio choice with the broker node in it when --mqtt was given.
    func apply(to radio: RadioChoice, messenger: Messenger) throws -> RadioChoice {
        var r = radio
        r.via = via
        guard let b = broker.choice else {
            if via == .mqtt || via == .both { throw CLIError(.usage, "--via \(via.rawValue) needs the broker: --mqtt mqtt[s]://HOST[:PORT]") }
            return r
        }
        guard !root.isEmpty, !root.contains("+"), !root.contains("#"), !root.hasSuffix("/") else {
            throw CLIError(.usage, "--root must be a topic root like msh/EU_868")
        }
        r.broker = messenger.brokerNode(b, root: root, channelName: channel, pskFile: pskFile)
        return r
    }
}
