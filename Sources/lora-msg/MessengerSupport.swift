import ArgumentParser
import Foundation
import LoraCrypto
import LoraMessenger
import MessageStore
import RadioLink

extension HomeOptions {
    /// Loads the identity and opens the store of this home.
    func openMessenger() throws(CLIError) -> Messenger {
        do { return try Messenger(home: directory()) } catch { throw CLIError(error) }
    }
}

extension CLIError {
    init(_ e: MessengerError) {
        switch e {
        case .identity(let i): self.init(i)
        case .crypto(let c): self.init(c)
        case .store(let s): self.init(s)
        case .radio(let r), .notSent(let r, _):
            let base = CLIError(r)
            self.init(base.status, e.description)
        case .unknownContact: self.init(.noInput, e.description)
        case .emptyMessage, .invalidNode, .exceedsDutyCycle: self.init(.dataError, e.description)
        case .invalidName: self.init(.usage, e.description)
        case .dutyCycleWait, .deliveryFailed, .timedOut: self.init(.temporaryFailure, e.description)
        }
    }

    init(_ e: StoreError) {
        switch e {
        case .permissionDenied: self.init(.noPermission, e.description)
        case .noSuchContact, .noSuchMessage: self.init(.noInput, e.description)
        case .busy: self.init(.temporaryFailure, e.description)
        case .diskFull, .io: self.init(.ioError, e.description)
        case .cannotOpen: self.init(.cantCreate, e.description)
        case .notADatabase, .corrupt, .newerSchema, .nameTaken, .keyTaken: self.init(.dataError, e.description)
        }
    }
}

/// Text from a contact is shown in a terminal: control characters (escape sequences that
/// could rewrite the screen or the title bar) are made visible instead of obeyed.
func terminalSafe(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        let v = scalar.value
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 {
            out += v == 0x0A ? "↵" : "\\u{\(String(v, radix: 16))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

enum TimeText {
    /// RFC 3339 in UTC with milliseconds, for JSON.
    static func rfc3339(_ unixSeconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: unixSeconds))
    }

    /// Local wall-clock time for people.
    static func local(_ unixSeconds: Double, withDate: Bool = false) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = withDate ? "yyyy-MM-dd HH:mm:ss" : "HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: unixSeconds))
    }
}

/// Writes one line to stdout and flushes it, so a pipe (`tail --json | jq`) sees each line
/// as it happens.
func emitLine(_ s: String) {
    print(s)
    fflush(nil)
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// "(1 hop, -97 dBm, 4.5 dB)": the journey of a received message.
func journey(hops: Int?, rssi: Int?, snr: Double?) -> String {
    var parts: [String] = []
    if let hops { parts.append(hops == 1 ? "1 hop" : "\(hops) hops") } else { parts.append("? hops") }
    if let rssi { parts.append("\(rssi) dBm") }
    if let snr { parts.append(String(format: "%.1f dB", snr)) }
    return "(" + parts.joined(separator: ", ") + ")"
}
