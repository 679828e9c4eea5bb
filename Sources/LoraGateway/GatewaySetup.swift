import LoraMessenger
import MeshtasticWire
import RadioLink

/// What a radio needs before it can be a client-proxy gateway, worked out from what it
/// reported in the handshake. Pure, so the plan a user is shown is the plan that is applied.
public struct GatewaySetup: Equatable, Sendable {
    public var channel: Channel?
    public var lora: LoRaConfig?
    public var mqtt: MQTTConfig?
    /// One line per change, as the user is told before anything is written.
    public var changes: [String]

    public var isNeeded: Bool { !changes.isEmpty }

    /// - Parameters:
    ///   - brokerHost: written to the module's `address`: the firmware's OK_TO_MQTT rule looks
    ///     at it (packets of other nodes without the bit are not uplinked to a public address).
    ///   - root: the topic root to set, or nil to keep the radio's.
    public init(info: RadioInfo, brokerHost: String, root: String?) {
        var changes: [String] = []
        var channel = info.primaryChannel ?? { var c = Channel(); c.role = ChannelRole(.primary); return c }()
        var settings = channel.settings ?? { var s = ChannelSettings(); s.psk = [1]; return s }()
        if !settings.uplinkEnabled { settings.uplinkEnabled = true; changes.append("primary channel: uplink on") }
        if !settings.downlinkEnabled { settings.downlinkEnabled = true; changes.append("primary channel: downlink on") }
        channel.settings = settings
        self.channel = changes.isEmpty ? nil : channel

        var lora = info.lora ?? LoRaConfig()
        if lora.ignoreMqtt {
            lora.ignoreMqtt = false
            changes.append("LoRa: ignore_mqtt off (the firmware sets it on EU regions; it drops everything that crossed the broker)")
            self.lora = lora
        }

        var mqtt = info.mqtt ?? MQTTConfig()
        let before = changes.count
        if !mqtt.enabled { mqtt.enabled = true; changes.append("MQTT module: on") }
        if !mqtt.proxyToClientEnabled { mqtt.proxyToClientEnabled = true; changes.append("MQTT module: client proxy on (lora-msg carries its traffic)") }
        if !mqtt.encryptionEnabled {
            mqtt.encryptionEnabled = true
            changes.append("MQTT module: encryption on (uplink stays channel-encrypted; plaintext downlink is refused)")
        }
        if mqtt.address != brokerHost { mqtt.address = brokerHost; changes.append("MQTT module: address \(brokerHost)") }
        if let root, mqtt.root != root { mqtt.root = root; changes.append("MQTT module: root \(root)") }
        self.mqtt = changes.count > before ? mqtt : nil
        self.changes = changes
    }

    /// Admin packets to the radio itself, the module config last: the firmware reboots after it.
    public func adminPackets(to node: UInt32) -> [MeshPacket] {
        var admins: [AdminMessage] = []
        if let channel { admins.append(AdminMessage(.setChannel(channel))) }
        if let lora { admins.append(AdminMessage(.setConfig(Config(.lora(lora))))) }
        if let mqtt { admins.append(AdminMessage(.setModuleConfig(ModuleConfig(mqtt: mqtt)))) }
        return admins.map { admin in
            var p = MeshPacket()
            p.to = node
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.adminApp), payload: admin.encoded()))
            return p
        }
    }
}
