/// Where a broker is: `mqtt://HOST[:PORT]` (plain, 1883) or `mqtts://HOST[:PORT]` (TLS, 8883).
/// Credentials never go in the URL: a URL ends up in shell history and process lists.
public struct BrokerAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool) {
        self.host = host; self.port = port; self.tls = tls
    }

    public init(parsing url: String) throws(MQTTLinkError) {
        let scheme: String, rest: Substring
        if url.hasPrefix("mqtt://") { scheme = "mqtt"; rest = url.dropFirst(7) }
        else if url.hasPrefix("mqtts://") { scheme = "mqtts"; rest = url.dropFirst(8) }
        else { throw .badAddress(url, reason: "it must start with mqtt:// or mqtts://") }
        var authority = rest
        if let slash = authority.firstIndex(of: "/") {
            guard authority[slash...].allSatisfy({ $0 == "/" }) else {
                throw .badAddress(url, reason: "a path is not used; give the topic root with --root")
            }
            authority = authority[..<slash]
        }
        guard !authority.contains("@") else {
            throw .badAddress(url, reason: "credentials do not go in the URL; use --user and --password-file")
        }
        tls = scheme == "mqtts"
        let defaultPort = tls ? 8883 : 1883
        if authority.hasPrefix("[") {   // [IPv6]:port
            guard let close = authority.firstIndex(of: "]") else { throw .badAddress(url, reason: "unclosed [") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = after.isEmpty ? defaultPort : try Self.port(after.dropFirst(), url: url, colon: after.first == ":")
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = try Self.port(authority[authority.index(after: colon)...], url: url, colon: true)
        } else {
            host = String(authority)
            port = defaultPort
        }
        guard !host.isEmpty, host.count <= 253 else { throw .badAddress(url, reason: "no host") }
    }

    private static func port(_ s: Substring, url: String, colon: Bool) throws(MQTTLinkError) -> Int {
        guard colon, let p = Int(s), (1...65535).contains(p) else {
            throw .badAddress(url, reason: "the port must be a number from 1 to 65535")
        }
        return p
    }

    public var description: String { "\(tls ? "mqtts" : "mqtt")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}
