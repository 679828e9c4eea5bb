import RadioLink

/// Which radio the user means: `--port`, `--host`, `LORA_MSG_PORT`, else the one Meshtastic
/// USB device attached. Resolved in one place for every command.
public struct RadioChoice: Sendable {
    public var port: String?
    public var host: String?
    public var environment: [String: String]
    /// No radio: be a node on this broker instead.
    public var broker: BrokerNodeChoice?

    public init(port: String? = nil, host: String? = nil, environment: [String: String] = [:], broker: BrokerNodeChoice? = nil) {
        self.port = port; self.host = host; self.environment = environment; self.broker = broker
    }

    /// How the user would name what `locate` finds: the broker URL in radio-less mode.
    public func describe(_ endpoint: String) -> String {
        broker.map { "\(BrokerNodes.describe($0)) (no radio)" } ?? endpoint
    }

    public func locate() throws(MessengerError) -> RadioEndpoint {
        if let broker {
            if port != nil || host != nil { throw .usage("--mqtt replaces the radio; leave out --port and --host") }
            return try BrokerNodes.endpoint(for: broker)
        }
        if port != nil, host != nil {
            throw .usage("--port and --host both name a radio; give only one")
        }
        if host != nil, let env = environment["LORA_MSG_PORT"], !env.isEmpty {
            throw .usage("--host names a radio and so does LORA_MSG_PORT (\(env)); unset LORA_MSG_PORT or use --port")
        }
        do { return try PortLocator().locate(port: port, host: host, environment: environment) } catch { throw .radio(error) }
    }
}
