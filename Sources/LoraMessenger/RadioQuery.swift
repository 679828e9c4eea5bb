import Foundation
import LoRaPHY
import MeshtasticWire
import RadioLink

/// What `radio info` shows: the attached radio as its handshake described it.
public struct RadioDescription: Equatable, Sendable {
    public var node: String
    public var longName: String
    public var shortName: String
    public var firmware: String
    public var hardware: String
    public var settings: RadioSettings
    public var region: String { settings.reported ? settings.region.name : "unknown" }
    public var preset: String { settings.presetName }
    public var hopLimit: Int { settings.hopLimit }
    public var channel: String
    public var nodesInDatabase: Int

    init(_ info: RadioInfo) {
        node = info.nodeID
        longName = info.ownNode?.user?.longName ?? ""
        shortName = info.ownNode?.user?.shortName ?? ""
        firmware = info.metadata?.firmwareVersion ?? "unknown"
        hardware = (info.metadata?.hwModel ?? .unset).description
        settings = RadioSettings(info)
        let name = info.primaryChannel?.settings?.name ?? ""
        channel = name.isEmpty ? settings.presetName : name
        nodesInDatabase = Int(info.myInfo.nodedbCount)
    }
}

/// One node of the radio's database, as `radio nodes` shows it.
public struct NodeDescription: Equatable, Sendable {
    public var node: String
    public var longName: String
    public var shortName: String
    /// Unix seconds; nil when the radio never heard it.
    public var lastHeard: Double?
    /// SNR of the last packet heard from it; nil when never heard.
    public var snr: Double?
    public var hopsAway: Int?

    init(_ n: NodeInfo) {
        node = User.nodeID(n.num)
        longName = n.user?.longName ?? ""
        shortName = n.user?.shortName ?? ""
        lastHeard = n.lastHeard == 0 ? nil : Double(n.lastHeard)
        snr = n.lastHeard == 0 ? nil : Double(n.snr)
        hopsAway = n.hopsAway.map { Int($0) }
    }
}

/// The use cases that only look at the radio: no home, no keys, no store.
public enum RadioQuery {
    /// The quick config-only handshake: the same cost with 10 or 250 nodes in the radio.
    public static func describe(_ choice: RadioChoice) async throws(MessengerError) -> RadioDescription {
        let c = try await open(choice, configOnly: true)
        let info = c.info
        await c.close()
        return RadioDescription(info)
    }

    /// The whole node database, most recently heard first.
    public static func nodes(_ choice: RadioChoice) async throws(MessengerError) -> [NodeDescription] {
        let c = try await open(choice, configOnly: false)
        let nodes = c.info.otherNodes.values.sorted { ($0.lastHeard, $1.num) > ($1.lastHeard, $0.num) }
        await c.close()
        return nodes.map(NodeDescription.init)
    }

    static func open(_ choice: RadioChoice, configOnly: Bool) async throws(MessengerError) -> RadioConnection {
        var options = RadioConnection.Options()
        options.session.configOnly = configOnly
        options.reconnectForSeconds = 0
        let endpoint = try choice.locate()
        do { return try await RadioConnection.connect(to: endpoint, options: options) } catch { throw .radio(error) }
    }
}
