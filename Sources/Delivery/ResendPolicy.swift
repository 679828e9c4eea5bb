/// How lora-msg sends a message again when no end-to-end receipt comes back.
///
/// The defaults, in airtime: a 100-byte DM is about 1 s on LongFast; six attempts cost at most
/// 6 s of our own transmissions (plus the radio's own retries of each, up to 5 on 2.8), about
/// 2 % of EU_868's 360 s hourly budget. The timeouts double from the learned one (about a
/// minute over three relays before the first receipt) and stop growing at 30 min, so six
/// attempts span about half an hour on a long path; a contact that goes quiet for longer is
/// tried again at once when heard, and the message fails with its reason after the TTL.
public struct ResendPolicy: Sendable, Equatable {
    /// Sends in all, the first included. 1 turns end-to-end resending off.
    public var maxAttempts: Int
    /// Seconds after the first send past which a message without a receipt fails.
    public var timeToLive: Double
    /// The shortest wait for a receipt before sending again: the radio's own retries of a DM
    /// (2.8: 5 attempts, about 48–83 s for a 200-byte frame on LongFast) should not be raced.
    public var minimumTimeout: Double
    /// The longest wait between two attempts.
    public var maximumTimeout: Double

    public init(maxAttempts: Int = 6, timeToLive: Double = 86_400, minimumTimeout: Double = 20, maximumTimeout: Double = 1800) {
        self.maxAttempts = max(1, maxAttempts)
        self.timeToLive = max(1, timeToLive)
        self.minimumTimeout = max(0, minimumTimeout)
        self.maximumTimeout = max(self.minimumTimeout, maximumTimeout)
    }

    public static let standard = ResendPolicy()
    public static let off = ResendPolicy(maxAttempts: 1)

    /// The wait after attempt `attempt` (1 = the first send): the learned timeout, doubled per
    /// attempt already made, inside the policy's bounds.
    public func timeout(afterAttempt attempt: Int, learned: Double) -> Double {
        var t = max(minimumTimeout, learned)
        for _ in 1..<max(1, min(attempt, 32)) { t *= 2; if t >= maximumTimeout { break } }
        return min(maximumTimeout, t)
    }
}
