/// The topics the firmware's MQTT module uses for encrypted packets (`MQTT::onSend`,
/// `sendSubscriptions`): `ROOT/2/e/CHANNEL/!gateway`, where ROOT is the module's `root`
/// ("msh", or "msh/EU_868" once a region was set on the radio) and CHANNEL the channel's
/// global id (its name, or "PKI" for PKI-encrypted direct messages).
public struct MQTTTopic: Equatable, Sendable, CustomStringConvertible {
    public var root: String
    public var channelID: String
    public var gatewayID: String

    public init(root: String, channelID: String, gatewayID: String) {
        self.root = root; self.channelID = channelID; self.gatewayID = gatewayID
    }

    public var description: String { "\(root)/2/e/\(channelID)/\(gatewayID)" }

    /// What a gateway subscribes to for one channel: every gateway's packets on it.
    public static func subscription(root: String, channelID: String) -> String { "\(root)/2/e/\(channelID)/+" }

    /// Splits a topic the firmware's way; nil for anything that is not `…/2/e/CHANNEL/GATEWAY`.
    public init?(parsing topic: String) {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 5, parts[parts.count - 4] == "2", parts[parts.count - 3] == "e",
              !parts[parts.count - 2].isEmpty, !parts[parts.count - 1].isEmpty else { return nil }
        root = parts.prefix(parts.count - 4).joined(separator: "/")
        channelID = parts[parts.count - 2]
        gatewayID = parts[parts.count - 1]
        guard !root.isEmpty else { return nil }
    }
}
