import Foundation

/// Where the radio is: a serial device or a TCP host.
public enum RadioEndpoint: Equatable, Sendable, CustomStringConvertible {
    case serial(String)
    case tcp(host: String, port: UInt16)

    public var description: String {
        switch self {
        case .serial(let path): path
        case .tcp(let host, let port): "\(host):\(port)"
        }
    }

    /// Parses `HOST`, `HOST:PORT` or `[v6]:PORT`.
    public static func tcp(_ text: String) throws(RadioLinkError) -> RadioEndpoint {
        var host = Substring(text), port = TCPTransport.defaultPort
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()), p > 0 else { throw .invalidEndpoint(text) }
                port = p
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            guard let p = UInt16(text[text.index(after: colon)...]), p > 0 else { throw .invalidEndpoint(text) }
            port = p
        }
        guard !host.isEmpty, host.count <= 253, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw .invalidEndpoint(text)
        }
        return .tcp(host: String(host), port: port)
    }
}

/// Finds the radio: `--port`, `--host`, `LORA_MSG_PORT`, or a scan of /dev/serial/by-id for the
/// USB ids Meshtastic boards use.
public struct PortLocator: Sendable {
    /// VID:PID pairs (PID nil = any) of USB serial interfaces that Meshtastic radios ship with.
    public static let knownUSBIDs: [(vendor: UInt16, product: UInt16?, what: String)] = [
        (0x10C4, 0xEA60, "CP210x"),
        (0x1A86, 0x55D4, "CH9102"),
        (0x1A86, 0x7523, "CH340"),
        (0x239A, nil, "nRF52"),
        (0x303A, 0x1001, "ESP32-S3"),
        (0x2886, nil, "Seeed"),
    ]

    public var byIDDirectory = "/dev/serial/by-id"
    public var sysClassTTY = "/sys/class/tty"

    public init() {}

    public func locate(port: String?, host: String?, environment: [String: String]) throws(RadioLinkError) -> RadioEndpoint {
        if let host { return try RadioEndpoint.tcp(host) }
        if let port, port != "auto" { return try Self.endpoint(port) }
        if let env = environment["LORA_MSG_PORT"], !env.isEmpty, env != "auto" { return try Self.endpoint(env) }
        return try scan()
    }

    /// `tcp://host:port` names a TCP radio in LORA_MSG_PORT or --port; anything else is a path.
    static func endpoint(_ text: String) throws(RadioLinkError) -> RadioEndpoint {
        if text.hasPrefix("tcp://") { return try RadioEndpoint.tcp(String(text.dropFirst(6))) }
        guard !text.isEmpty, text.utf8.count < 4096, !text.contains("\0") else { throw .invalidEndpoint(text) }
        return .serial(text)
    }

    public func scan() throws(RadioLinkError) -> RadioEndpoint {
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: byIDDirectory)) ?? []).sorted()
        var matches: [String] = [], others: [String] = []
        for entry in entries {
            let path = byIDDirectory + "/" + entry
            if let id = usbID(of: path), Self.isMeshtastic(vendor: id.vendor, product: id.product) {
                matches.append(path)
            } else {
                others.append(path)
            }
        }
        switch matches.count {
        case 1: return .serial(matches[0])
        case 0: throw .noRadioFound(candidates: others)
        default: throw .severalRadios(matches)
        }
    }

    public static func isMeshtastic(vendor: UInt16, product: UInt16) -> Bool {
        knownUSBIDs.contains { $0.vendor == vendor && ($0.product == nil || $0.product == product) }
    }

    /// The USB vendor and product ids behind a tty: sysfs keeps them a few directories above
    /// the tty's interface (one level for CDC-ACM, two for usb-serial drivers).
    func usbID(of path: String) -> (vendor: UInt16, product: UInt16)? {
        let tty = URL(fileURLWithPath: path).resolvingSymlinksInPath().lastPathComponent
        var dir = URL(fileURLWithPath: sysClassTTY + "/" + tty + "/device").resolvingSymlinksInPath()
        for _ in 0..<4 {
            if let v = hex(dir.appendingPathComponent("idVendor").path), let p = hex(dir.appendingPathComponent("idProduct").path) {
                return (v, p)
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    private func hex(_ file: String) -> UInt16? {
        guard let s = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return UInt16(s.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16)
    }
}
