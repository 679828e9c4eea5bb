import LoRaPHY
import Testing
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
            (0..<MessageCourier.maxSilentProbes).map { MessageCourier.probeInterval(afterSilentProbes: $0, relays: relays) }
        }
        #expect(schedule(0) == [20, 20, 20, 40, 80, 160, 320, 600, 600, 600])
        #expect(schedule(3) == [20, 20, 20, 20, 20, 20, 40, 80, 160, 320])
        #expect(schedule(9) == schedule(3))
        #expect(MessageCourier.probeInterval(afterSilentProbes: 1000, relays: 0) == 600)
    }

    @Test func aDirectPathIsNotPaced() {
        #expect(MessageCourier.chunkSpacing(milliseconds: chunk, relays: 0) == 0)
    }

    /// Our chunk and each relay's copy with its contention wait have the air before the next.
    @Test func aRelayedPathLeavesTheAirToTheRelays() {
        let one = MessageCourier.chunkSpacing(milliseconds: chunk, relays: 1)
        let two = MessageCourier.chunkSpacing(milliseconds: chunk, relays: 2)
        #expect(abs(one - (2 * 1.9927 + MessageCourier.relayWaitSeconds)) < 1e-9)
        #expect(abs(two - (3 * 1.9927 + 2 * MessageCourier.relayWaitSeconds)) < 1e-9)
        // A third relay is beyond the sender's reach: it cannot collide with the next chunk.
        #expect(MessageCourier.chunkSpacing(milliseconds: chunk, relays: 3) == two)
        #expect(MessageCourier.chunkSpacing(milliseconds: chunk, relays: 7) == two)
    }

    /// The receiver waits longer than the sender's spacing before reporting, so its bitmap
    /// does not meet the next chunk of a pass still under way.
    @Test func theReceiverOutwaitsTheSendersSpacing() {
        for relays in 0...3 {
            let quiet = MessageCourier.transferQuiet(chunkMilliseconds: chunk, relays: relays)
            let gapAtReceiver = MessageCourier.chunkSpacing(milliseconds: chunk, relays: relays) + chunk / 1000
            #expect(quiet > gapAtReceiver, "\(relays) relays")
            #expect(quiet >= MessageCourier.transferQuietSeconds)
        }
        #expect(MessageCourier.transferQuiet(chunkMilliseconds: chunk, relays: 0) == MessageCourier.transferQuietSeconds)
    }
}

@Suite struct BenchMedianTests {
    @Test func medianOfOddEvenAndNone() {
        #expect(TransferBenchReport.median([3, 1, 2]) == 2)
        #expect(TransferBenchReport.median([4, 1, 3, 2]) == 2.5)
        #expect(TransferBenchReport.median([]) == nil)
    }
}
