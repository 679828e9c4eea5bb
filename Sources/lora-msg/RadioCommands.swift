import ArgumentParser
import Foundation
import LoraMessenger

struct RadioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio",
        abstract: "Look at the attached radio: its settings, and the nodes it has heard.",
        subcommands: [RadioInfoCommand.self, RadioNodesCommand.self, RadioSetCommand.self]
    )
}

struct RadioSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set the radio's region or modem preset.",
        discussion: """
        A radio whose region is UNSET will not transmit. Set the region where you are (the law \
        there: EU_868 has a 10 % duty cycle, US none) and, if your mesh uses another, the preset \
        (every radio of a mesh must use the same one). The change goes to the radio as a local \
        admin message, then lora-msg reconnects and prints what the radio now reports.

        Examples:
          lora-msg radio set region EU_868
          lora-msg radio set preset LONG_FAST
        """
    )

    enum Setting: String, ExpressibleByArgument, CaseIterable { case region, preset }

    @OptionGroup(title: "Radio") var radio: RadioOptions
    @Argument(help: "What to set: region or preset.") var setting: Setting
    @Argument(help: ArgumentHelp("The value: a region (EU_868, US, ANZ, …) or a preset (LONG_FAST, MEDIUM_FAST, …).", valueName: "value")) var value: String

    func run() async throws {
        let d = try await RadioQuery.apply(setting == .region ? .region(value) : .preset(value), radio.choice)
        print("\(d.node): region \(d.region), preset \(d.preset)")
    }
}

struct RadioInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Node id, firmware, region, preset, hop limit and channel of the radio.",
        discussion: "Uses the quick config-only handshake, so it costs the same however many nodes the radio knows. JSON keys: node, long_name, short_name, firmware, hardware, region, preset, hop_limit, channel, nodes_in_database."
    )

    @OptionGroup(title: "Radio") var radio: RadioOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let summary = RadioSummary(try await RadioQuery.describe(radio.choice) { printError("lora-msg: \($0)") })
        print(json ? try jsonLine(summary) : summary.text)
    }
}

struct RadioNodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "The nodes in the radio's database, most recently heard first.",
        discussion: "Downloads the whole node database (up to 250 nodes), which takes a few seconds at 115200 baud. JSON keys: node, long_name, short_name, last_heard (RFC 3339 or null), snr (dB or null), hops_away (or null)."
    )

    @OptionGroup(title: "Radio") var radio: RadioOptions
    @Flag(help: "Print JSON Lines, one node per line.") var json = false

    func run() async throws {
        let nodes = try await RadioQuery.nodes(radio.choice) { printError("lora-msg: \($0)") }
        if nodes.isEmpty && !json { print("the radio has heard no other nodes yet") }
        for n in nodes {
            let row = NodeRow(n)
            print(json ? try jsonLine(row) : row.text)
        }
    }
}

struct RadioSummary: CompleteJSON {
    var node: String
    var longName: String
    var shortName: String
    var firmware: String
    var hardware: String
    var region: String
    var preset: String
    var hopLimit: Int
    var channel: String
    var nodesInDatabase: Int

    init(_ d: RadioDescription) {
        node = d.node; longName = d.longName; shortName = d.shortName; firmware = d.firmware; hardware = d.hardware
        region = d.region; preset = d.preset; hopLimit = d.hopLimit; channel = d.channel; nodesInDatabase = d.nodesInDatabase
    }

    var text: String {
        """
        node       \(node)  \(terminalSafe(longName)) (\(terminalSafe(shortName)))
        firmware   \(firmware)  \(hardware)
        region     \(region)\(region == "UNSET" ? "  (the radio will not transmit until a region is set)" : "")
        preset     \(preset)
        hop limit  \(hopLimit)
        channel    \(terminalSafe(channel))
        nodes      \(nodesInDatabase) in the radio's database
        """
    }
}

struct NodeRow: CompleteJSON {
    var node: String
    var longName: String
    var shortName: String
    var lastHeard: String?
    var snr: Double?
    var hopsAway: Int?
    private let _heardAt: Double?

    init(_ n: NodeDescription) {
        node = n.node; longName = n.longName; shortName = n.shortName; _heardAt = n.lastHeard
        lastHeard = n.lastHeard.map(TimeText.rfc3339)
        snr = n.snr; hopsAway = n.hopsAway
    }

    var text: String {
        let hops = hopsAway.map { $0 == 1 ? "1 hop" : "\($0) hops" } ?? "? hops"
        let when = _heardAt.map { "heard " + TimeText.local($0, withDate: true) } ?? "heard never"
        let snrText = snr.map { String(format: "SNR %.1f dB", $0) } ?? "SNR ?"
        return "\(node)  \(terminalSafe(shortName).padding(toLength: 4, withPad: " ", startingAt: 0))  \(terminalSafe(longName))  \(when)  \(snrText)  \(hops)"
    }

}
