import ArgumentParser
import Foundation
import RadioLink

/// How to reach the radio; shared by every command that talks to one.
struct RadioOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serial port of the radio (default: LORA_MSG_PORT, else the one Meshtastic USB device found).", valueName: "path"))
    var port: String?

    @Option(help: ArgumentHelp("Talk to meshtasticd or a WiFi radio over TCP instead (port 4403 unless given).", valueName: "host[:port]"))
    var host: String?

    func endpoint() throws(CLIError) -> RadioEndpoint {
        do { return try locate() } catch { throw CLIError(error) }
    }

    /// The same, keeping the radio's own error (for callers that add to its sentence).
    func locate() throws(RadioLinkError) -> RadioEndpoint {
        try PortLocator().locate(port: port, host: host, environment: ProcessInfo.processInfo.environment)
    }

    /// Opens the radio and completes the handshake.
    func connect(configOnly: Bool = true) async throws(CLIError) -> RadioConnection {
        var options = RadioConnection.Options()
        options.session.configOnly = configOnly
        options.reconnectForSeconds = 0
        let target = try endpoint()
        do {
            return try await RadioConnection.connect(to: target, options: options)
        } catch {
            throw CLIError(error)
        }
    }
}

extension CLIError {
    init(_ e: RadioLinkError) {
        switch e {
        case .permissionDenied: self.init(.noPermission, e.description)
        case .invalidEndpoint: self.init(.usage, e.description)
        case .io: self.init(.ioError, e.description)
        default: self.init(.unavailable, e.description)
        }
    }
}
