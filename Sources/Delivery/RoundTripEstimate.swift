/// The time from a message's send to its end-to-end receipt, learned per contact as TCP learns
/// its retransmission timeout (RFC 6298: smoothed RTT and its variance, gains 1/8 and 1/4).
/// Only messages sent once give samples (Karn's rule): a receipt after a resend cannot say
/// which copy it answers.
public struct RoundTripEstimate: Sendable, Equatable {
    /// Smoothed round trip, seconds.
    public var smoothed: Double
    /// Its mean deviation, seconds.
    public var variation: Double
    /// Receipts it was learned from; 0 for a seed.
    public var samples: Int

    public init(smoothed: Double, variation: Double, samples: Int) {
        self.smoothed = smoothed; self.variation = variation; self.samples = samples
    }

    /// Before the first receipt: what the path should take. Each of `relays + 1` transmissions
    /// of the message and of the receipt costs its time on air plus a relay's contention wait
    /// (the firmware's SNR-weighted window, about 1.5 s), and the receiver batches receipts
    /// for 2 s. The variation is half of it, as RFC 6298 starts from one sample.
    public static func seed(messageSeconds: Double, receiptSeconds: Double, relays: Int) -> RoundTripEstimate {
        let legs = Double(max(0, relays) + 1)
        let rtt = legs * (messageSeconds + relayWaitSeconds) + receiptBatchSeconds + legs * (receiptSeconds + relayWaitSeconds)
        return RoundTripEstimate(smoothed: rtt, variation: rtt / 2, samples: 0)
    }
    static let relayWaitSeconds = 1.5
    static let receiptBatchSeconds = ReceiptBatching.batchSeconds

    /// Takes one measured round trip in.
    public mutating func add(sample r: Double) {
        let r = max(0, r)
        if samples == 0 {
            smoothed = r
            variation = r / 2
        } else {
            variation = 0.75 * variation + 0.25 * abs(smoothed - r)
            smoothed = 0.875 * smoothed + 0.125 * r
        }
        samples += 1
    }

    /// The wait for a receipt: SRTT + 4·RTTVAR, at least a second beyond SRTT.
    public var timeout: Double { smoothed + max(1, 4 * variation) }
}
