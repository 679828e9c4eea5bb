import Testing
@testable import Delivery

/// The long-message sender's probes in virtual time.
@Suite struct ProbeScheduleTests {
    /// A direct path (no relays), full 200-byte chunks of about 1.75 s on LongFast, a receiver
    /// that never answers: 3 probes 20 s apart, then doubling to 600 s; the 10th goes 41 min
    /// after the pass, and when the 11th is due (51 min) the transfer fails.
    @Test func aSilentReceiverOnADirectPathIsGivenUpAfterTenProbes() {
        var s = ProbeSchedule()
        var now = 0.0
        var gaps: [Double] = []
        while true {
            let due = s.nextProbe(now: now, busySeconds: 0, relays: 0, chunkMilliseconds: 1750)
            gaps.append(due - now)
            now = due
            guard case .probe = s.decide(chunkIndex: 2, chunkCount: 5, sends: 1, held: false) else { break }
            s.probeTaken()
        }
        #expect(gaps == [20, 20, 20, 40, 80, 160, 320, 600, 600, 600, 600])
        #expect(s.decide(chunkIndex: 2, chunkCount: 5, sends: 1, held: false) == .fail("no word from the receiver after 10 probes"))
        #expect(now == 3060, "51 min from the pass to giving up: \(now / 60) min")
        #expect(s.silentProbes == 10)
    }

    /// On a long path (3 relays) silence is mostly loss: 6 probes keep the first interval,
    /// each with the path's allowance (the receiver's longer quiet and the way back).
    @Test func aLongPathKeepsTheFirstIntervalLonger() {
        var s = ProbeSchedule()
        let allowance = TransferPacing.probeAllowance(chunkMilliseconds: 1750, relays: 3)
        #expect(abs(allowance - (3 * (3.5 + 1.5) + 3 * 3)) < 1e-9)
        var intervals: [Double] = []
        for _ in 0..<8 {
            intervals.append(s.nextProbe(now: 0, busySeconds: 0, relays: 3, chunkMilliseconds: 1750) - allowance)
            s.probeTaken()
        }
        #expect(intervals == [20, 20, 20, 20, 20, 20, 40, 80])
    }

    /// An answer resets the count: only probes in a row count.
    @Test func anAnswerStartsTheCountAgain() {
        var s = ProbeSchedule()
        for _ in 0..<9 { s.probeTaken() }
        s.receiverSpoke()
        #expect(s.silentProbes == 0 && s.decide(chunkIndex: 0, chunkCount: 2, sends: 3, held: false) == .probe)
        #expect(s.nextProbe(now: 100, busySeconds: 12, relays: 0, chunkMilliseconds: 1750) == 132, "the radio's busy time first")
    }

    /// The 16th send of a chunk the receiver still lacks fails the transfer; a chunk it holds
    /// (every chunk held, the ordinary receipt lost) is probed however often it went.
    @Test func theSixteenthSendOfAMissingChunkFailsTheTransfer() {
        let s = ProbeSchedule()
        #expect(s.decide(chunkIndex: 4, chunkCount: 9, sends: 15, held: false) == .probe)
        #expect(s.decide(chunkIndex: 4, chunkCount: 9, sends: 16, held: false)
                == .fail("chunk 5 of 9 was sent 16 times without the receiver holding it"))
        #expect(s.decide(chunkIndex: 4, chunkCount: 9, sends: 30, held: true) == .probe)
    }

    @Test func chunkSpacingAndQuietFollowThePath() {
        #expect(TransferPacing.chunkSpacing(milliseconds: 1750, relays: 0) == 0)
        #expect(abs(TransferPacing.chunkSpacing(milliseconds: 1750, relays: 1) - (2 * 1.75 + 1.5)) < 1e-9)
        #expect(TransferPacing.chunkSpacing(milliseconds: 1750, relays: 5) == TransferPacing.chunkSpacing(milliseconds: 1750, relays: 2))
        #expect(abs(TransferPacing.receiverQuiet(chunkMilliseconds: 1750, relays: 2) - (6 + 2 * 5)) < 1e-9)
    }
}
