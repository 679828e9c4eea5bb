import MeshChannel
import MeshtasticWire

/// The firmware's MQTT module in client-proxy mode (src/mqtt/MQTT.cpp): what the radio hands
/// its client to publish, and what it does with what the client hands back. The rules are the
/// firmware's, in its order; where the sim simplifies, the comment says so.
extension VirtualRadio {
    /// The primary channel's global id: its name, or the preset's display name when it has none.
    public var channelID: String {
        settings.primaryChannel.name.isEmpty ? settings.preset.displayName : settings.primaryChannel.name
    }

    var channelKey: ChannelKey { ChannelKey(psk: settings.primaryChannel.psk) }

    /// `wantsLink` in proxy mode: the module is on, in proxy mode, and a channel uplinks or downlinks.
    public var mqttProxyActive: Bool {
        let m = settings.mqtt, c = settings.primaryChannel
        return m.enabled && m.proxyToClientEnabled && (c.uplinkEnabled || c.downlinkEnabled)
    }

    /// `isMqttServerAddressPrivate`: a literal private IPv4 address (not a host name).
    var mqttServerIsPrivate: Bool {
        let host = settings.mqtt.address.split(separator: ":").first.map(String.init) ?? ""
        let parts = host.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 4, host.split(separator: ".").count == 4 else { return false }
        let a = parts.map(UInt32.init).reduce(0) { $0 << 8 | $1 }
        let ranges: [(UInt32, UInt32)] = [(0xC0A8_0000, 0xFFFF_0000), (0xAC10_0000, 0xFFF0_0000), (0xA9FE_0000, 0xFFFF_0000),
                                          (0x0A00_0000, 0xFF00_0000), (0x7F00_0001, 0xFFFF_FFFF), (0x6440_0000, 0xFFC0_0000)]
        return ranges.contains { a & $0.1 == $0.0 }
    }

    /// Router::perhapsHandleReceived drops a packet that crossed MQTT when ignore_mqtt is set,
    /// before anything else sees it: no delivery, no rebroadcast.
    public func ignores(_ packet: MeshPacket) -> Bool {
        settings.ignoreMqtt && packet.viaMqtt
    }

    /// `MQTT::onSend`: our own packets (from Router::send) and packets heard and decoded (from
    /// Router::handleReceived), published through the client as a ServiceEnvelope.
    /// The sim uplinks every packet channel-encrypted: it marks PKI DMs (`sendsPKI`) but never
    /// encrypts with PKI, so a DM the firmware would publish on the "PKI" topic goes on the
    /// channel's topic here, with its PKI mark cleared.
    mutating func mqttUplink(_ packet: MeshPacket, ownPacket: Bool) -> [Output] {
        guard mqttProxyActive, !packet.viaMqtt, settings.primaryChannel.uplinkEnabled, let d = packet.decoded else { return [] }
        if !ownPacket && !mqttServerIsPrivate && (d.bitfield ?? 0) & 1 == 0 {
            return []   // "Not forwarding packet due to DontMqttMeBro flag"
        }
        var p = packet
        p.rxTime = 0; p.rxSnr = 0; p.rxRssi = 0
        // Up it goes channel-encrypted (see above), so it no longer claims PKI.
        p.pkiEncrypted = false; p.publicKey = []
        // A packet the channel layer cannot encrypt is not uplinked (never sent in the clear).
        guard let sealed = settings.mqtt.encryptionEnabled ? try? ChannelCipher.seal(p, key: channelKey, channelHash: channelKey.hash(channelName: channelID)) : p
        else { return [] }
        let envelope = ServiceEnvelope(packet: sealed, channelID: channelID, gatewayID: identity.nodeID)
        let topic = MQTTTopic(root: settings.mqtt.root.isEmpty ? "msh" : settings.mqtt.root, channelID: channelID, gatewayID: identity.nodeID)
        return toClient(FromRadio(.mqttClientProxyMessage(MqttClientProxyMessage(topic: topic.description, payload: .data(envelope.encoded())))))
    }

    /// `MQTT::onClientProxyReceive` → `onReceiveProto`: a publish the client passes down.
    mutating func mqttDownlink(_ message: MqttClientProxyMessage, now: Double) -> [Output] {
        guard settings.mqtt.enabled else { return [] }
        let payload: [UInt8]
        switch message.payload {
        case .data(let b)?: payload = b
        case .text(let t)?: payload = Array(t.utf8)
        case nil: return []   // "MQTT proxy message carries no payload"
        }
        guard !payload.isEmpty else { return [] }   // "Empty MQTT payload received"
        guard let e = try? ServiceEnvelope(decoding: payload), !e.channelID.isEmpty, !e.gatewayID.isEmpty, var p = e.packet else {
            return []   // "Invalid MQTT service envelope"
        }
        let isPKI = e.channelID == "PKI"
        guard isPKI || (e.channelID == channelID && settings.primaryChannel.downlinkEnabled) else { return [] }
        if isPKI && !settings.primaryChannel.downlinkEnabled { return [] }
        if e.gatewayID == identity.nodeID {
            // Our own uplink coming back. For our own packet the firmware makes a local
            // implicit ACK (transport MQTT), which ReliableRouter does not let stop retransmissions.
            if p.from == identity.nodeNum {
                return toClient(FromRadio(.packet(errorReply(RoutingError(.none), to: p))))
            }
            return []   // "Ignore downlink message we originally sent"
        }
        if p.from == identity.nodeNum { return [] }
        guard p.hopLimit <= 7, p.hopStart <= 7 else { return [] }   // "Invalid hop_limit or hop_start"
        // shouldDropMqttDownlink (ignored nodes are not modelled).
        if p.from == MeshPacket.broadcast || settings.ignoreMqtt { return [] }
        p.viaMqtt = true
        p.rxTime = 0; p.rxSnr = 0; p.rxRssi = 0; p.relayNode = 0
        switch p.payloadVariant {
        case .decoded(let d)?:
            if settings.mqtt.encryptionEnabled { return [] }   // "Ignore decoded message on MQTT, encryption is enabled"
            if d.portnum == .adminApp { return [] }           // "Ignore decoded admin packet"
            p.channel = 0
        case .encrypted?:
            // PKI payloads cannot be opened by the sim (it marks PKI, never encrypts with it); a channel
            // packet is decrypted as Router::perhapsDecode would, by the channel hash.
            guard !isPKI, let opened = ChannelCipher.open(p, key: channelKey, channelHash: channelKey.hash(channelName: channelID)) else { return [] }
            p = opened
        case nil:
            return []
        }
        return [.injected(p)]
    }
}
