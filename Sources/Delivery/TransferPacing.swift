/// The long-message sender's timing (docs/PROTOCOL.md, "0x03 receipt", transfer form): how far
/// apart chunks go on a relayed path, how long the receiver stays quiet before it says what it
/// holds, and when the sender probes a receiver that said nothing. Pure functions of the path.
public enum TransferPacing {
    /// The receiver's quiet after the last chunk, on a direct path.
    public static let quietSeconds = 6.0
    /// A relay's contention wait before it forwards (the firmware's SNR-weighted window):
    /// typical, not worst case.
    public static let relayWaitSeconds = 1.5
    /// The radio's own gap between two queued packets.
    public static let queueGapSeconds = 0.4
    /// The first probe's wait after a pass, beyond the path's allowance.
    public static let probeSeconds = 20.0
    /// The longest wait between two probes.
    public static let probeMaxSeconds = 600.0
    /// Probes in a row without word before the transfer fails.
    public static let maxSilentProbes = 10
    /// Sends of one chunk before the transfer fails: enough for a path that loses half its
    /// packets, not for a receiver that can never open them.
    public static let maxChunkSends = 16

    /// How long after the radio took a chunk the next one waits, on a path through `relays`
    /// relays: our chunk, then each of the first two relays' copies with its contention wait
    /// (a relay is deaf while it transmits; a third relay is out of the sender's range).
    public static func chunkSpacing(milliseconds ms: Double, relays: Int) -> Double {
        guard relays > 0 else { return 0 }
        let r = Double(min(relays, 2))
        return (1 + r) * ms / 1000 + r * relayWaitSeconds
    }

    /// The receiver's wait after a chunk before it sends what it holds: longer on a relayed
    /// path, where a relay may still be forwarding the chunks behind it.
    public static func receiverQuiet(chunkMilliseconds ms: Double, relays: Int) -> Double {
        quietSeconds + Double(relays) * (2 * ms / 1000 + relayWaitSeconds)
    }

    /// Probes that keep the first interval on a path through `relays` relays (silence there
    /// is mostly loss: a probe and its answer both cross every link).
    public static func steadyProbes(relays: Int) -> Int { 3 + min(relays, 3) }

    /// The wait before the next probe, beyond the path's allowance: steady, then doubling up
    /// to `probeMaxSeconds`.
    public static func probeInterval(afterSilentProbes rounds: Int, relays: Int) -> Double {
        let doublings = max(0, rounds + 1 - steadyProbes(relays: relays))
        var t = probeSeconds
        for _ in 0..<min(doublings, 16) { t *= 2 }
        return min(probeMaxSeconds, t)
    }

    /// The path's allowance before any probe: the receiver's longer quiet on a relayed path
    /// and the answer's way back.
    public static func probeAllowance(chunkMilliseconds ms: Double, relays: Int) -> Double {
        receiverQuiet(chunkMilliseconds: ms, relays: relays) - quietSeconds + Double(relays) * 2 * relayWaitSeconds
    }
}

/// Whether a transfer whose receiver went quiet gets another probe, and when. A value the
/// driver keeps with the message (its silent probes are stored on the row).
public struct ProbeSchedule: Sendable, Equatable {
    /// Probes in a row the receiver did not answer.
    public private(set) var silentProbes: Int

    public init(silentProbes: Int = 0) { self.silentProbes = max(0, silentProbes) }

    public enum Decision: Sendable, Equatable {
        /// Send the least-sent chunk as a probe; `probeTaken` once the radio took it.
        case probe
        /// Give up: the message fails, for this reason.
        case fail(String)
    }

    /// When the next probe is due: `busySeconds` for the radio to finish what it holds, the
    /// path's allowance, then the interval for the probes already unanswered.
    public func nextProbe(now: Double, busySeconds: Double, relays: Int, chunkMilliseconds ms: Double) -> Double {
        now + max(0, busySeconds) + TransferPacing.probeAllowance(chunkMilliseconds: ms, relays: relays)
            + TransferPacing.probeInterval(afterSilentProbes: silentProbes, relays: relays)
    }

    /// A probe is due. `chunk`: the least-sent missing chunk (index, count, sends, held).
    public func decide(chunkIndex: Int, chunkCount: Int, sends: Int, held: Bool) -> Decision {
        if !held && sends >= TransferPacing.maxChunkSends {
            return .fail("chunk \(chunkIndex + 1) of \(chunkCount) was sent \(sends) times without the receiver holding it")
        }
        if silentProbes + 1 > TransferPacing.maxSilentProbes {
            return .fail("no word from the receiver after \(TransferPacing.maxSilentProbes) probes")
        }
        return .probe
    }

    /// The radio took the probe: one more that may go unanswered.
    public mutating func probeTaken() { silentProbes += 1 }

    /// The receiver said what it holds.
    public mutating func receiverSpoke() { silentProbes = 0 }
}
