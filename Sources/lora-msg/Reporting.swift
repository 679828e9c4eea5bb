import ArgumentParser
import Foundation
import LoraMessenger

/// An error of the command line itself (a report file that cannot be written, …); the
/// layers below have their own, all reported by `LoraMsg.main`.
struct CLIError: ReportableError {
    let exitStatus: ExitStatus
    let message: String
    init(_ status: ExitStatus, _ message: String) { exitStatus = status; self.message = message }
}

func printError(_ s: String) { printErrorRaw(s + "\n") }

func printErrorRaw(_ s: String) {
    var bytes = Array(s.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { break }
        offset += n
    }
}

/// Text from a contact is shown in a terminal: control characters (escape sequences that
/// could rewrite the screen or the title bar) and bidi/zero-width formatting characters (that
/// could reorder or hide what is shown) are made visible instead of obeyed.
/// `s` as one word for a POSIX shell, whatever it holds: inside single quotes, where nothing is
/// special, with each single quote closed, escaped and reopened (`carol's` → `'carol'\''s'`).
func shellQuoted(_ s: String) -> String {
    "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

func terminalSafe(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        let v = scalar.value
        let category = scalar.properties.generalCategory
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || category == .lineSeparator
            || category == .paragraphSeparator || category == .format {
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

    /// "41 s", "6 min", "1 h 20 min": a duration for a progress line.
    static func span(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "more than an hour" }
        let s = Int(max(0, seconds).rounded(.up))
        if s < 90 { return "\(s) s" }
        if s < 5400 { return "\((s + 30) / 60) min" }
        return "\(s / 3600) h \((s % 3600 + 30) / 60) min"
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
/// Prints one line and flushes it; false when stdout is gone (a closed pipe: `tail | head -1`).
@discardableResult
func emitLine(_ s: String) -> Bool {
    print(s)
    // fflush(nil) flushes every stream; a closed pipe makes it fail with EPIPE (SIGPIPE is
    // ignored where this matters, so the write returns an error instead of killing us).
    errno = 0
    return fflush(nil) == 0 && errno != EPIPE
}

/// "(1 hop, -97 dBm, 4.5 dB)": the journey of a received message.
func journey(hops: Int?, rssi: Int?, snr: Double?) -> String {
    var parts: [String] = []
    if let hops { parts.append(hops == 1 ? "1 hop" : "\(hops) hops") } else { parts.append("? hops") }
    if let rssi { parts.append("\(rssi) dBm") }
    if let snr { parts.append(String(format: "%.1f dB", snr)) }
    return "(" + parts.joined(separator: ", ") + ")"
}

/// One JSON object on one line: keys in snake_case and sorted, and every key present (an
/// unknown value is `null`, never a missing key).
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { throw CLIError(.software, "cannot encode JSON") }
    return String(decoding: data, as: UTF8.self)
}

/// Encodes every stored property, writing `null` for nil (synthesised Encodable omits them).
protocol CompleteJSON: Encodable {}

/// A group of columns a `CompleteJSON` line writes in its own place, as if declared there.
protocol InlineJSON: CompleteJSON {}
extension InlineJSON {
    func encodeInline(into c: inout KeyedEncodingContainer<AnyKey>) throws {
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, !label.hasPrefix("_") else { continue }
            if let v = child.value as? any OptionalProtocol, v.isNone { try c.encodeNil(forKey: AnyKey(label)); continue }
            guard let v = child.value as? any Encodable else { continue }
            try c.encode(v, forKey: AnyKey(label))
        }
    }
}

/// A message's body in one line, as `tail`, `history` and `chat` show it (`own`: your last
/// shared fix, for a location's distance).
enum BodyText {
    static func line(_ body: MessageBody, id: String, from own: SharedLocation?) -> String {
        switch body {
        case .text(let t): terminalSafe(t)
        case .location(let l): LocationText.line(l, from: own)
        case .file(let f): FileText.line(f, id: id)
        case .unreadable(let why): "⚠ " + why
        case .groupNotice(let t): "ⓘ " + terminalSafe(t)
        }
    }
}

/// A message's body as `tail --json` and `history --json` both write it: one encoder for both.
struct BodyColumns: InlineJSON {
    var kind = "text"
    var text: String?
    var fileName: String?
    var mediaType: String?
    var size: Int?
    var lat: Double?
    var lon: Double?
    var alt: Double?
    var accuracy: Double?
    var fixTime: String?
    /// From your own last shared fix, when there is one.
    var distanceM: Double?
    var bearingDeg: Double?
    /// Why the stored envelope no longer opens.
    var unreadable: String?

    init(_ body: MessageBody, from own: SharedLocation?) {
        switch body {
        case .text(let t): text = t
        case .location(let l):
            kind = "location"; lat = l.lat; lon = l.lon; alt = l.alt; accuracy = l.accuracy; fixTime = TimeText.rfc3339(l.fixTime)
            if let own {
                let d = own.distanceAndBearing(to: l)
                distanceM = d.metres.rounded(); bearingDeg = d.degrees.rounded()
            }
        case .file(let f): kind = "file"; fileName = f.name; mediaType = f.mediaType; size = f.size
        case .groupNotice(let t): kind = "group_notice"; text = t
        case .unreadable(let why): unreadable = why
        }
    }
}
extension CompleteJSON {
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for child in Mirror(reflecting: self).children {
            // Underscored properties are for the text form only.
            guard let label = child.label, !label.hasPrefix("_") else { continue }
            let key = AnyKey(label)
            if let inline = child.value as? any InlineJSON { try inline.encodeInline(into: &c); continue }
            if let v = child.value as? any OptionalProtocol, v.isNone { try c.encodeNil(forKey: key); continue }
            guard let v = child.value as? any Encodable else { continue }
            try c.encode(v, forKey: key)
        }
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

protocol OptionalProtocol { var isNone: Bool { get } }
extension Optional: OptionalProtocol { var isNone: Bool { self == nil } }

/// A progress line on stderr: redrawn in place on a terminal, else printed when it changes
/// in substance (at most every 10 s for a countdown).
final class ProgressLine: @unchecked Sendable {
    private let tty = isatty(2) == 1
    private let lock = NSLock()
    private var shown = false
    private var lastPrinted = ""
    private var lastAt = 0.0

    func show(_ text: String, key: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        if tty {
            printErrorRaw("\r\u{1B}[K" + text)
            shown = true
            return
        }
        let k = key ?? text
        let now = Date().timeIntervalSince1970
        if k != lastPrinted || now - lastAt >= 10 {
            printError(text)
            lastPrinted = k
            lastAt = now
        }
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if tty && shown { printErrorRaw("\r\u{1B}[K") }
        shown = false
    }
}

/// Ctrl-C and SIGTERM run `action` (once each time) instead of killing the process, so a
/// long-running command can close its radio and broker politely. Cancel the sources when done.
func onInterrupt(_ action: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
        signal(sig, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: sig)
        s.setEventHandler(handler: action)
        s.resume()
        return s
    }
}
