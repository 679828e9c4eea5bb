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

    public init(_ info: RadioInfo) {
        node = info.nodeID
        longName = info.ownNode?.user?.longName ?? ""
        shortName = info.ownNode?.user?.shortName ?? ""
        firmware = info.metadata?.firmwareVersion ?? "unknown"
        hardware = (info.metadata?.hwModel ?? HardwareModel(.unset)).description
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
    public static func describe(_ choice: RadioChoice, waiting: (@Sendable (String) -> Void)? = nil) async throws(MessengerError) -> RadioDescription {
        let c = try await open(choice, configOnly: true, waiting: waiting)
        let info = c.info
        await c.close()
        return RadioDescription(info)
    }

    /// The whole node database, most recently heard first.
    public static func nodes(_ choice: RadioChoice, waiting: (@Sendable (String) -> Void)? = nil) async throws(MessengerError) -> [NodeDescription] {
        let c = try await open(choice, configOnly: false, waiting: waiting)
        let nodes = c.info.otherNodes.values.sorted { ($0.lastHeard, $1.num) > ($1.lastHeard, $0.num) }
        await c.close()
        return nodes.map(NodeDescription.init)
    }

    public static func open(_ choice: RadioChoice, configOnly: Bool, waiting: (@Sendable (String) -> Void)? = nil) async throws(MessengerError) -> RadioConnection {
        var options = RadioConnection.Options()
        options.onWaiting = waiting
        options.session.configOnly = configOnly
        options.reconnectForSeconds = 0
        let endpoint = try choice.locate()
        do { return try await RadioConnection.connect(to: endpoint, options: options) } catch { throw .radio(error) }
    }
}

/// A change to the radio's LoRa settings, sent as the firmware's local admin message.
public enum RadioSetting: Sendable {
    case region(String)
    case preset(String)
}

extension RadioQuery {
    /// Sets the region or modem preset of the attached radio (AdminMessage set_config to the
    /// local node, which needs no session passkey), then reconnects and reads the settings
    /// back: the result is what the radio reports, not what was asked.
    public static func apply(_ setting: RadioSetting, _ choice: RadioChoice) async throws(MessengerError) -> RadioDescription {
        let c = try await open(choice, configOnly: true)
        let info = c.info
        var lora = info.lora ?? LoRaConfig()
        let wanted: String
        switch setting {
        case .region(let name):
            guard let r = LoRaRegion.named(name), r != .unset else {
                await c.close()
                throw .usage(reason: "unknown region '\(name)'; one of " + LoRaRegion.all.filter { $0 != .unset }.map(\.name).joined(separator: ", "))
            }
            lora.region = RegionCode(rawValue: r.code)
            lora.txEnabled = true
            wanted = r.name
        case .preset(let name):
            guard let p = LoRaPreset.named(name) else {
                await c.close()
                throw .usage(reason: "unknown preset '\(name)'; one of LONG_FAST, LONG_SLOW, LONG_MODERATE, LONG_TURBO, MEDIUM_SLOW, MEDIUM_FAST, SHORT_SLOW, SHORT_FAST, SHORT_TURBO, VERY_LONG_SLOW")
            }
            lora.usePreset = true
            lora.modemPreset = ModemPreset(rawValue: p.rawValue)
            wanted = p.displayName
        }
        var packet = MeshPacket()
        packet.to = info.nodeNum
        packet.payloadVariant = .decoded(PacketData(portnum: PortNum(.adminApp), payload: AdminMessage(.setConfig(Config(.lora(lora)))).encoded()))
        do { _ = try await c.send(packet) } catch {
            await c.close()
            throw .radio(error)
        }
        // The firmware answers a local admin packet with a QueueStatus; give it a moment to
        // apply the change (live on 2.7+, after a reboot on older firmware) before asking.
        try? await Task.sleep(nanoseconds: 500_000_000)
        await c.close()
        var after = try await describe(choice)
        for _ in 0..<10 where !matches(setting, after, wanted) {
            try? await Task.sleep(nanoseconds: 1_000_000_000)   // an older radio rebooting
            if let again = try? await describe(choice) { after = again }
        }
        guard matches(setting, after, wanted) else {
            throw .usage(reason: "the radio still reports \(after.region) \(after.preset) after the change; check its firmware and try again")
        }
        return after
    }

    private static func matches(_ s: RadioSetting, _ d: RadioDescription, _ wanted: String) -> Bool {
        switch s {
        case .region: d.region == wanted
        case .preset: d.preset == wanted
        }
    }
}
