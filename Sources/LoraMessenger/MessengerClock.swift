import Foundation

/// The messenger's time: the wall's, or the wall's run `scale` times faster from an origin
/// (virtual radios at `sim --speed`, whose duty-cycle ledger and protocol waits must agree
/// with ours), or any function a test drives. Timers sleep `seconds / scale` of wall time.
public struct MessengerClock: Sendable {
    /// How much faster than the wall this clock runs.
    public let scale: Double
    private let read: @Sendable () -> Double

    public init(scale: Double = 1, _ read: @escaping @Sendable () -> Double) {
        self.scale = max(0.001, scale)
        self.read = read
    }

    public static let wall = MessengerClock { Date().timeIntervalSince1970 }

    /// Unix time that runs `scale` times faster from `origin` (a Unix second in the past).
    /// Two processes with the same origin and scale agree.
    public static func scaled(from origin: Double, by scale: Double) -> MessengerClock {
        guard scale != 1 else { return .wall }
        return MessengerClock(scale: scale) { origin + (Date().timeIntervalSince1970 - origin) * scale }
    }

    public var now: Double { read() }

    /// `seconds` of this clock as wall nanoseconds to sleep (at least a millisecond).
    public func wallNanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0.001, seconds) / scale * 1e9) }
}
