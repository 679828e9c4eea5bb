/// What the byte stream from a radio (or a client) turns into.
public enum FrameEvent: Equatable, Sendable {
    /// One frame's payload (a FromRadio or ToRadio protobuf; possibly empty).
    case frame([UInt8])
    /// A line of debug text printed between frames, ANSI colour codes and CR removed.
    case text(String)
    /// A partial frame abandoned by `idle()`: this many bytes, header included.
    case discarded(count: Int)
}

/// A sans-I/O state machine: feed it whatever chunks the port delivers, get frames and text
/// lines back. It holds at most one partial frame (≤ 512 bytes) and one partial text line.
///
/// Resynchronisation is more careful than the firmware's and the Python client's: a byte
/// that fails as START2 is looked at again as a possible START1 (so `94 94 C3 …` keeps its
/// frame), and when a header's length is impossible (> 512) the bytes after its START1 are
/// searched again rather than thrown away. There is no timeout inside; a driver that sees
/// the line go quiet mid-frame calls `idle()`.
public struct FrameDecoder: Sendable {
    public static let maxTextLine = 1024

    private enum State: Sendable {
        case hunting
        case gotStart1
        case gotStart2
        case gotLengthHigh(UInt8)
        case payload(remaining: Int)
    }

    private var state = State.hunting
    private var payload: [UInt8] = []
    private var line: [UInt8] = []

    public init() {}

    /// True while a frame has started but not finished.
    public var isInsideFrame: Bool {
        if case .hunting = state { return false }
        return true
    }

    public mutating func feed(_ bytes: [UInt8]) -> [FrameEvent] {
        var events: [FrameEvent] = []
        feed(bytes) { events.append($0) }
        return events
    }

    public mutating func feed(_ bytes: [UInt8], _ emit: (FrameEvent) -> Void) {
        bytes.withUnsafeBufferPointer { feed($0, emit) }
    }

    public mutating func feed(_ buffer: UnsafeBufferPointer<UInt8>, _ emit: (FrameEvent) -> Void) {
        var i = 0
        let n = buffer.count
        while i < n {
            switch state {
            case .payload(let remaining):
                // Bulk copy: the common case is a whole frame in one chunk.
                let take = min(remaining, n - i)
                payload.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<(i + take)]))
                i += take
                if take == remaining {
                    emit(.frame(payload))
                    payload.removeAll(keepingCapacity: true)
                    state = .hunting
                } else {
                    state = .payload(remaining: remaining - take)
                }
            default:
                step(buffer[i], emit)
                i += 1
            }
        }
    }

    /// The line went quiet: abandon a partial frame (the firmware would wait forever) and
    /// flush a partial text line.
    public mutating func idle() -> [FrameEvent] {
        var events: [FrameEvent] = []
        switch state {
        case .hunting: break
        case .gotStart1: events.append(.discarded(count: 1))
        case .gotStart2: events.append(.discarded(count: 2))
        case .gotLengthHigh: events.append(.discarded(count: 3))
        case .payload: events.append(.discarded(count: StreamFraming.headerLength + payload.count))
        }
        state = .hunting
        payload.removeAll(keepingCapacity: true)
        if !line.isEmpty { events.append(.text(Self.clean(line))); line.removeAll(keepingCapacity: true) }
        return events
    }

    private mutating func step(_ byte: UInt8, _ emit: (FrameEvent) -> Void) {
        switch state {
        case .hunting:
            if byte == StreamFraming.start1 {
                state = .gotStart1
            } else {
                appendText(byte, emit)
            }
        case .gotStart1:
            if byte == StreamFraming.start2 {
                state = .gotStart2
            } else {
                // The 0x94 was text after all; look at this byte afresh (it may be START1).
                appendText(StreamFraming.start1, emit)
                state = .hunting
                step(byte, emit)
            }
        case .gotStart2:
            state = .gotLengthHigh(byte)
        case .gotLengthHigh(let high):
            let length = Int(high) << 8 | Int(byte)
            if length > StreamFraming.maxPayload {
                // Impossible length: this was not a header (UTF-8 "Ôé" is C3 94 C3 A9). The
                // 0x94 goes back to the text line and the three bytes after it are rescanned,
                // since they may hold the real START1.
                state = .hunting
                appendText(StreamFraming.start1, emit)
                step(StreamFraming.start2, emit)
                step(high, emit)
                step(byte, emit)
            } else if length == 0 {
                emit(.frame([]))
                state = .hunting
            } else {
                payload.removeAll(keepingCapacity: true)
                state = .payload(remaining: length)
            }
        case .payload:
            break   // handled in bulk by feed
        }
    }

    private mutating func appendText(_ byte: UInt8, _ emit: (FrameEvent) -> Void) {
        if byte == 0x0A {
            if !line.isEmpty { emit(.text(Self.clean(line))) }
            line.removeAll(keepingCapacity: true)
            return
        }
        line.append(byte)
        if line.count >= Self.maxTextLine {
            emit(.text(Self.clean(line)))
            line.removeAll(keepingCapacity: true)
        }
    }

    /// Strips CR and ANSI CSI sequences (`ESC [ … final`), decodes UTF-8 leniently.
    static func clean(_ raw: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            if b == 0x1B {
                i += 1
                if i < raw.count && raw[i] == UInt8(ascii: "[") {
                    i += 1
                    while i < raw.count && !(0x40...0x7E).contains(raw[i]) { i += 1 }
                }
                i += 1
                continue
            }
            if b != 0x0D { out.append(b) }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
