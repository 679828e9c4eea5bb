import Delivery
import LoRaPHY
import Testing
import LoraLab
@testable import LoraMessenger

/// How a sender spaces chunks and how long a receiver stays quiet, by path length.
@Suite struct TransferPacingTests {
    let chunk = 1992.7   // a full chunk's time on air on LongFast, in ms

    /// The chunk airtime the probe waits cover is the radio's own, not a LongFast constant.
    @Test func aFullChunksAirtimeFollowsTheModem() {
        let longFast = DutyCycleGate(settings: RadioSettings(region: .eu868, modem: LoRaPreset.longFast.modem)).fullChunkMilliseconds
        let shortFast = DutyCycleGate(settings: RadioSettings(region: .eu868, modem: LoRaPreset.shortFast.modem)).fullChunkMilliseconds
        #expect(longFast > 1500 && longFast < 2600, "\(longFast)")
        #expect(shortFast < longFast / 5, "\(shortFast)")
    }

    /// Silence on a long lossy path is mostly loss: probes keep their pace longer there
    /// before backing off, and the back-off is capped.
    @Test func probesBackOffLaterOnLongerPaths() {
        func schedule(_ relays: Int) -> [Double] {
            (0..<TransferPacing.maxSilentProbes).map { TransferPacing.probeInterval(afterSilentProbes: $0, relays: relays) }
        }
        #expect(schedule(0) == [20, 20, 20, 40, 80, 160, 320, 600, 600, 600])
        #expect(schedule(3) == [20, 20, 20, 20, 20, 20, 40, 80, 160, 320])
        #expect(schedule(9) == schedule(3))
        #expect(TransferPacing.probeInterval(afterSilentProbes: 1000, relays: 0) == 600)
    }

    @Test func aDirectPathIsNotPaced() {
        #expect(TransferPacing.chunkSpacing(milliseconds: chunk, relays: 0) == 0)
    }

    /// Our chunk and each relay's copy with its contention wait have the air before the next.
    @Test func aRelayedPathLeavesTheAirToTheRelays() {
        let one = TransferPacing.chunkSpacing(milliseconds: chunk, relays: 1)
        let two = TransferPacing.chunkSpacing(milliseconds: chunk, relays: 2)
        #expect(abs(one - (2 * 1.9927 + TransferPacing.relayWaitSeconds)) < 1e-9)
        #expect(abs(two - (3 * 1.9927 + 2 * TransferPacing.relayWaitSeconds)) < 1e-9)
        // A third relay is beyond the sender's reach: it cannot collide with the next chunk.
        #expect(TransferPacing.chunkSpacing(milliseconds: chunk, relays: 3) == two)
        #expect(TransferPacing.chunkSpacing(milliseconds: chunk, relays: 7) == two)
    }

    /// The receiver waits longer than the sender's spacing before reporting, so its bitmap
    /// does not meet the next chunk of a pass still under way.
    @Test func theReceiverOutwaitsTheSendersSpacing() {
        for relays in 0...3 {
            let quiet = TransferPacing.receiverQuiet(chunkMilliseconds: chunk, relays: relays)
            let gapAtReceiver = TransferPacing.chunkSpacing(milliseconds: chunk, relays: relays) + chunk / 1000
            #expect(quiet > gapAtReceiver, "\(relays) relays")
            #expect(quiet >= TransferPacing.quietSeconds)
        }
        #expect(TransferPacing.receiverQuiet(chunkMilliseconds: chunk, relays: 0) == TransferPacing.quietSeconds)
    }
}

@Suite struct BenchMedianTests {
    @Test func medianOfOddEvenAndNone() {
        #expect(TransferBenchReport.median([3, 1, 2]) == 2)
        #expect(TransferBenchReport.median([4, 1, 3, 2]) == 2.5)
        #expect(TransferBenchReport.median([]) == nil)
    }
}
