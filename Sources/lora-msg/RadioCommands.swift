import ArgumentParser
import Foundation
import LoRaPHY
import MeshtasticWire
import RadioLink

struct RadioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio",
        abstract: "Look at the attached radio: its settings, and the nodes it has heard.",
        subcommands: [RadioInfoCommand.self, RadioNodesCommand.self]
    )
}

struct RadioInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Node id, firmware, region, preset, hop limit and channel of the radio.",
        discussion: "Uses the quick config-only handshake, so it costs the same however many nodes the radio knows."
    )

    @OptionGroup var radio: RadioOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingErrors { () async throws(CLIError) in
            let c = try await radio.connect()
            let info = c.info
            await c.close()
            let summary = RadioSummary(info)
            if json {
                print(try jsonLine(summary))
            } else {
                print(summary.text)
            }
        }
    }
}

struct RadioNodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "The nodes in the radio's database, most recently heard first.",
        discussion: "Downloads the whole node database (up to 250 nodes), which takes a few seconds at 115200 baud."
    )

    @OptionGroup var radio: RadioOptions
    @Flag(help: "Print JSON Lines, one node per line.") var json = false

    func run() async throws {
        try await runReportingErrors { () async throws(CLIError) in
            let c = try await radio.connect(configOnly: false)
            let nodes = c.info.otherNodes.values.sorted { ($0.lastHeard, $1.num) > ($1.lastHeard, $0.num) }
            await c.close()
            if nodes.isEmpty && !json { print("the radio has heard no other nodes yet") }
            for n in nodes {
                let row = NodeRow(n)
                print(json ? try jsonLine(row) : row.text)
            }
        }
    }
}

struct RadioSummary: Encodable {
    var node: String
    var longName: String
    var shortName: String
    var firmware: String
    var hardware: String
    var region: String
    var preset: String
    var hopLimit: UInt32
    var channel: String
    var nodesInDatabase: UInt32

    init(_ info: RadioInfo) {
        node = info.nodeID
        longName = info.ownNode?.user?.longName ?? ""
        shortName = info.ownNode?.user?.shortName ?? ""
        firmware = info.metadata?.firmwareVersion ?? "unknown"
        hardware = (info.metadata?.hwModel ?? .unset).description
        let lora = info.lora
        region = lora.flatMap { LoRaRegion.code($0.region.rawValue)?.name } ?? "unknown"
        let p = LoRaPreset(protobufValue: lora?.modemPreset.rawValue ?? 0)
        preset = lora?.usePreset == false ? "custom" : p.displayName
        hopLimit = lora?.hopLimit ?? 0
        let name = info.primaryChannel?.settings?.name ?? ""
        channel = name.isEmpty ? p.displayName : name
        nodesInDatabase = info.myInfo.nodedbCount
    }

    var text: String {
        """
        node       \(node)  \(longName) (\(shortName))
        firmware   \(firmware)  \(hardware)
        region     \(region)
        preset     \(preset)
        hop limit  \(hopLimit)
        channel    \(channel)
        nodes      \(nodesInDatabase) in the radio's database
        """
    }
}

struct NodeRow: Encodable {
    var node: String
    var longName: String
    var shortName: String
    var lastHeard: String?
    var snr: Float
    var hopsAway: UInt32?

    init(_ n: NodeInfo) {
        node = User.nodeID(n.num)
        longName = n.user?.longName ?? ""
        shortName = n.user?.shortName ?? ""
        lastHeard = n.lastHeard == 0 ? nil
            : ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(n.lastHeard)))
        snr = n.snr
        hopsAway = n.hopsAway
    }

    var text: String {
        let hops = hopsAway.map { "\($0) hops" } ?? "? hops"
        return "\(node)  \(shortName.padding(toLength: 4, withPad: " ", startingAt: 0))  \(longName)  heard \(lastHeard ?? "never")  SNR \(snr) dB  \(hops)"
    }
}

func jsonLine<T: Encodable>(_ value: T) throws(CLIError) -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { throw CLIError(.software, "cannot encode JSON") }
    return String(decoding: data, as: UTF8.self)
}
