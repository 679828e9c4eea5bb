import RadioLink

/// Which radio the user means: `--port`, `--host`, `LORA_MSG_PORT`, else the one Meshtastic
/// USB device attached. Resolved in one place for every command.
public struct RadioChoice: Sendable {
    public var port: String?
    public var host: String?
    public var environment: [String: String]
    /// A broker to be a node on, when there is no radio (or always, with `via: .mqtt`).
    public var broker: BrokerNodeChoice?
    public var via: Transport

    /// Which way out: the seed SDK's "intelligent transport switching".
    public enum Transport: String, Sendable, CaseIterable {
        /// The radio when one is there (named, or the one USB radio found), else the broker.
        case auto
        case radio
        case mqtt
        /// `send` only: the radio and the broker at once (see `Messenger.deliver`).
        case both
    }

    public init(port: String? = nil, host: String? = nil, environment: [String: String] = [:], broker: BrokerNodeChoice? = nil, via: Transport = .auto) {
        self.port = port; self.host = host; self.environment = environment; self.broker = broker; self.via = via
    }

    /// How the user would name what `locate` found: the broker URL when it is the broker node.
    public func describe(_ endpoint: String) -> String {
        guard let broker, BrokerNodes.isNode(endpoint) else { return endpoint }
        return "\(BrokerNodes.describe(broker)) (no radio)"
    }

    public func locate() throws(MessengerError) -> RadioEndpoint {
        switch via {
        case .radio, .both:
            break
        case .mqtt:
            guard let broker else { throw .usage(reason: "--via mqtt needs the broker: --mqtt mqtt[s]://HOST[:PORT]") }
            if port != nil || host != nil { throw .usage(reason: "--via mqtt does not use a radio; leave out --port and --host") }
            return try BrokerNodes.endpoint(for: broker)
        case .auto:
            if let broker {
                _ = try broker.broker.resolve()   // a bad --mqtt is an error even when a radio is there
                if port == nil, host == nil {
                    do { return try locateRadio() } catch { return try BrokerNodes.endpoint(for: broker) }
                }
            }
        }
        return try locateRadio()
    }

    private func locateRadio() throws(MessengerError) -> RadioEndpoint {
        if port != nil, host != nil {
            throw .usage(reason: "--port and --host both name a radio; give only one")
        }
        if host != nil, let env = environment["LORA_MSG_PORT"], !env.isEmpty {
            throw .usage(reason: "--host names a radio and so does LORA_MSG_PORT (\(env)); unset LORA_MSG_PORT or use --port")
        }
        do { return try PortLocator().locate(port: port, host: host, environment: environment) } catch { throw .radio(error) }
    }
}
