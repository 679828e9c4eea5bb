import Testing
@testable import Delivery

/// The resend engine in virtual time: every `now` is chosen, nothing sleeps.
@Suite struct ResendEngineTests {
    let alice: [UInt8] = [1, 1, 1, 1, 1, 1, 1, 1]
    let bob: [UInt8] = [2, 2, 2, 2, 2, 2, 2, 2]
    /// A fixed seed of 20 s round trip: timeout 20 + 4 × 10 = 60 s.
    let seed = RoundTripEstimate(smoothed: 20, variation: 10, samples: 0)

    func drain(_ e: inout ResendEngine) -> [ResendEngine.Action] {
        var out: [ResendEngine.Action] = []
        while let a = e.poll() { out.append(a) }
        return out
    }

    @Test func scheduleDoublesFromTheLearnedTimeoutUpToTheCapThenFails() {
        var e = ResendEngine(policy: ResendPolicy(maxAttempts: 6, timeToLive: 86_400, minimumTimeout: 20, maximumTimeout: 600))
        var now = 1000.0
        e.transmitted(messageID: "m", peer: alice, now: now, seed: seed)
        var waits: [Double] = []
        var actions = drain(&e)
        while true {
            guard case .schedule(_, _, let next)? = actions.last else { break }
            waits.append(next - now)
            #expect(e.nextDeadline == next)
            e.handleTimeout(now: next - 0.001)
            #expect(drain(&e).isEmpty, "nothing before the deadline")
            now = next
            e.handleTimeout(now: now)
            actions = drain(&e)
            if case .resend("m")? = actions.first {
                #expect(e.nextDeadline == nil, "no timer while the resend is out")
                e.transmitted(messageID: "m", peer: alice, now: now, seed: seed)
                actions = drain(&e)
            }
        }
        #expect(waits == [60, 120, 240, 480, 600, 600])
        #expect(actions == [.fail(messageID: "m", reason: "no receipt after 6 sends")])
        #expect(e.trackedCount == 0 && e.nextDeadline == nil)
    }

    @Test func timeToLiveEndsItEarlierWithItsReason() {
        var e = ResendEngine(policy: ResendPolicy(maxAttempts: 10, timeToLive: 300, minimumTimeout: 20, maximumTimeout: 1800))
        e.transmitted(messageID: "m", peer: alice, now: 0, seed: seed)
        #expect(drain(&e) == [.schedule(messageID: "m", attempts: 1, nextAttemptAt: 60)])
        e.handleTimeout(now: 60); _ = drain(&e)
        e.transmitted(messageID: "m", peer: alice, now: 61, seed: seed)
        #expect(drain(&e) == [.schedule(messageID: "m", attempts: 2, nextAttemptAt: 181)])
        e.handleTimeout(now: 181); _ = drain(&e)
        e.transmitted(messageID: "m", peer: alice, now: 182, seed: seed)
        // 182 + 240 is past the TTL: the deadline is the TTL itself.
        #expect(drain(&e) == [.schedule(messageID: "m", attempts: 3, nextAttemptAt: 300)])
        e.handleTimeout(now: 300)
        #expect(drain(&e) == [.fail(messageID: "m", reason: "no receipt within 5 min (3 sends)")])
    }

    @Test func aReceiptEndsItAndTeachesTheRoundTrip() {
        var e = ResendEngine()
        e.transmitted(messageID: "m1", peer: alice, now: 0, seed: seed)
        e.receipted(messageID: "m1", now: 12)
        let actions = drain(&e)
        #expect(actions.last == .learned(peer: alice, RoundTripEstimate(smoothed: 12, variation: 6, samples: 1)))
        #expect(e.nextDeadline == nil)
        // The learned RTT now sets the timeout: 12 + 4 × 6 = 36 s.
        e.transmitted(messageID: "m2", peer: alice, now: 100, seed: seed)
        #expect(drain(&e) == [.schedule(messageID: "m2", attempts: 1, nextAttemptAt: 136)])
        e.receipted(messageID: "m2", now: 104)   // RFC 6298: var 3/4·6 + 1/4·8 = 6.5, srtt 7/8·12 + 1/8·4 = 11
        #expect(drain(&e).last == .learned(peer: alice, RoundTripEstimate(smoothed: 11, variation: 6.5, samples: 2)))
    }

    /// Karn's rule: a receipt after a resend cannot say which copy it answers.
    @Test func aResentMessageTeachesNothing() {
        var e = ResendEngine()
        e.transmitted(messageID: "m", peer: alice, now: 0, seed: seed)
        e.handleTimeout(now: 60)
        e.transmitted(messageID: "m", peer: alice, now: 60, seed: seed)
        _ = drain(&e)
        e.receipted(messageID: "m", now: 70)
        #expect(drain(&e).isEmpty)
        #expect(e.estimate(for: alice, seed: seed) == seed)
    }

    @Test func aContactHeardAfterSilenceGetsTheirMessagesAtOnce() {
        var e = ResendEngine()
        e.transmitted(messageID: "a1", peer: alice, now: 0, seed: seed)
        e.transmitted(messageID: "b1", peer: bob, now: 0, seed: seed)
        _ = drain(&e)
        // Alice's radio ACKs 5 s after the send: too soon, it is the answer to this very send.
        e.heard(peer: alice, now: 5)
        #expect(drain(&e).isEmpty)
        // Heard again later: but she was already heard since our send, so nothing new.
        e.heard(peer: alice, now: 40)
        #expect(drain(&e).isEmpty)
        // Bob, silent since the send, is heard 30 s later: his message goes now, not at 60 s.
        e.heard(peer: bob, now: 30)
        #expect(drain(&e) == [.resend(messageID: "b1")])
        #expect(e.nextDeadline == 60, "alice's timer still runs; bob's is off while his resend is out")
    }

    @Test func aResendThatDidNotLeaveIsDueAgainWithoutCounting() {
        var e = ResendEngine(policy: ResendPolicy(maxAttempts: 2, minimumTimeout: 20))
        e.transmitted(messageID: "m", peer: alice, now: 0, seed: seed)
        e.handleTimeout(now: 60)
        #expect(drain(&e).last == .resend(messageID: "m"))
        e.notSent(messageID: "m", now: 61)
        #expect(drain(&e) == [.schedule(messageID: "m", attempts: 1, nextAttemptAt: 81)])
        e.handleTimeout(now: 81)
        #expect(drain(&e) == [.resend(messageID: "m")], "still attempt 2 of 2")
    }

    /// A restarted driver reads the rows back and the engine carries on from them.
    @Test func aRestartResumesFromTheStoredFields() {
        var e = ResendEngine()
        e.restore(TrackedMessage(id: "m", peer: alice, attempts: 3, firstSentAt: 0, lastSentAt: 500, nextAttemptAt: 740))
        e.restore(peer: alice, RoundTripEstimate(smoothed: 30, variation: 5, samples: 4))
        #expect(e.nextDeadline == 740)
        e.handleTimeout(now: 740)
        #expect(drain(&e) == [.resend(messageID: "m")])
        e.transmitted(messageID: "m", peer: alice, now: 741, seed: seed)
        // Attempt 4 from the learned 50 s: 50 × 2³ = 400.
        #expect(drain(&e) == [.schedule(messageID: "m", attempts: 4, nextAttemptAt: 1141)])
    }

    @Test func resendingOffFollowsNothing() {
        var e = ResendEngine(policy: .off)
        e.transmitted(messageID: "m", peer: alice, now: 0, seed: seed)
        e.heard(peer: alice, now: 45)
        e.handleTimeout(now: 1e6)
        #expect(drain(&e).isEmpty && e.nextDeadline == nil && e.trackedCount == 0)
    }

    @Test func theSeedGrowsWithThePath() {
        let direct = RoundTripEstimate.seed(messageSeconds: 1, receiptSeconds: 0.7, relays: 0)
        let far = RoundTripEstimate.seed(messageSeconds: 1, receiptSeconds: 0.7, relays: 3)
        #expect(abs(direct.smoothed - 6.7) < 1e-9)
        #expect(abs(far.smoothed - (4 * 2.5 + 2 + 4 * 2.2)) < 1e-9)
        #expect(far.timeout > direct.timeout)
    }

    @Test func durationsReadAsPeopleSayThem() {
        #expect(ResendEngine.duration(86_400) == "1 d" && ResendEngine.duration(7200) == "2 h")
        #expect(ResendEngine.duration(300) == "5 min" && ResendEngine.duration(90) == "90 s")
    }

    /// The target stays sans I/O: its sources import at most MeshtasticWire and LoRaPHY.
    @Test func theDeliveryTargetImportsNothingThatDoesIO() throws {
        let dir = String(#filePath.dropLast("Tests/DeliveryTests/ResendEngineTests.swift".count)) + "Sources/Delivery"
        let files = try listSwiftFiles(dir)
        #expect(files.count >= 3)
        for f in files {
            for line in try readLines(dir + "/" + f) where line.hasPrefix("import ") || line.contains(" import ") && line.hasPrefix("@") {
                let module = line.split(separator: " ").last.map(String.init) ?? ""
                #expect(["MeshtasticWire", "LoRaPHY"].contains(module), "\(f): \(line)")
            }
        }
    }
}

@Suite struct PacingTests {
    let alice: [UInt8] = [1, 1, 1, 1, 1, 1, 1, 1]
    let seed = RoundTripEstimate(smoothed: 20, variation: 10, samples: 0)

    /// A new message waits while the receipt of the previous one is on its way back, at most
    /// one learned round trip, and only for a contact whose receipts taught one.
    @Test func aNewMessageWaitsForTheReceiptOnItsWayBack() {
        var e = ResendEngine()
        e.transmitted(messageID: "m1", peer: alice, now: 0, seed: seed)
        #expect(e.holdNewMessage(to: alice, now: 1) == nil, "no receipt ever came from them: no wait")
        e.receipted(messageID: "m1", now: 12)                    // learns 12 s
        e.transmitted(messageID: "m2", peer: alice, now: 100, seed: seed)
        #expect(e.holdNewMessage(to: alice, now: 102) == 112, "until one round trip after the send")
        #expect(e.holdNewMessage(to: alice, now: 112) == nil)
        e.receipted(messageID: "m2", now: 105)
        #expect(e.holdNewMessage(to: alice, now: 106) == nil, "the receipt came: go")
        #expect(ResendEngine(policy: .off).holdNewMessage(to: alice, now: 0) == nil)
    }
}
