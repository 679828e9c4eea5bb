/// What can go wrong talking to a broker, each with the sentence a user reads.
public enum MQTTLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case badAddress(String, reason: String)
    case library(String)
    case tls(String)
    case notConnected
    case publishFailed(String)

    public var description: String {
        switch self {
        case .badAddress(let url, let reason): return "bad broker address '\(url)': \(reason)"
        case .library(let s): return "MQTT client: \(s)"
        case .tls(let s): return "TLS set-up failed: \(s)"
        case .notConnected: return "not connected to the broker"
        case .publishFailed(let s): return "publish failed: \(s)"
        }
    }
}
