/// Why a radio could not be reached or was lost, each with the sentence that tells the user
/// what to do about it.
public enum RadioLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(String)
    case permissionDenied(String)
    /// Another program holds the port; its name when /proc tells us.
    case busy(String, holder: String?)
    case notATerminal(String)
    /// Something answered, but no Meshtastic frame came back within the handshake.
    case notMeshtastic(String)
    case vanished(String)
    case connectionFailed(String, reason: String)
    case noRadioFound(candidates: [String])
    case severalRadios([String])
    case invalidEndpoint(String)
    case closed
    case io(String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let p):
            "no such port \(p); plug the radio in, or list ports with 'ls /dev/serial/by-id'"
        case .permissionDenied(let p):
            "permission denied on \(p); add yourself to the dialout group ('sudo usermod -aG dialout $USER', then log in again)"
        case .busy(let p, let holder?):
            "\(p) is in use by \(holder); close that program first (only one program can talk to a radio)"
        case .busy(let p, nil):
            "\(p) is in use by another program; close it first (only one program can talk to a radio)"
        case .notATerminal(let p):
            "\(p) is not a serial port"
        case .notMeshtastic(let p):
            "no Meshtastic answer from \(p); check that it is a Meshtastic radio with serial enabled, or press its reset button"
        case .vanished(let p):
            "the radio at \(p) went away (unplugged or rebooting)"
        case .connectionFailed(let h, let reason):
            "cannot connect to \(h): \(reason)"
        case .noRadioFound(let candidates) where candidates.isEmpty:
            "no Meshtastic radio found on USB; plug one in, or name it with --port PATH or --host HOST"
        case .noRadioFound(let candidates):
            "no known Meshtastic USB device among \(candidates.joined(separator: ", ")); name it with --port PATH"
        case .severalRadios(let paths):
            "several radios found (\(paths.joined(separator: ", "))); choose one with --port PATH"
        case .invalidEndpoint(let s):
            "\(s) is not a port path or HOST[:PORT]"
        case .closed:
            "the radio connection is closed"
        case .io(let p, let reason):
            "\(p): \(reason)"
        }
    }
}
