import MeshtasticWire
import Testing
@testable import Delivery

/// The radio's news about packets we handed it, in virtual time.
struct FlightTableTests {
    func dm(_ id: String = "m1", ms: Double = 800) -> FlightTable.MessageFlight { .init(messageID: id, milliseconds: ms, broadcast: false) }

    @Test func aQueuedMessageBooksItsAirtimeAndReleasesItsReservation() {
        var t = FlightTable()
        let token = t.reserve(milliseconds: 800, now: 10)
        #expect(t.reservations == [.init(startedAt: 10, milliseconds: 800)])
        #expect(t.handedOver(7, message: dm(), reservation: token, now: 10).isEmpty)
        #expect(t.news(.queued, for: 7, now: 10.2) == [
            .recordAirtime(milliseconds: 800, at: 10.2),
            .setState(messageID: "m1", packetID: 7, state: .queued, failure: nil, ackedBy: nil),
        ])
        #expect(t.reservations.isEmpty, "the ledger has it now")
        // A DM is followed past the relay's implicit ACK to the destination's own.
        #expect(t.news(.relayed, for: 7, now: 12) == [.setState(messageID: "m1", packetID: 7, state: .relayed, failure: nil, ackedBy: nil)])
        #expect(t.isInFlight(messageID: "m1"))
        #expect(t.news(.acked(by: 0xABCD), for: 7, now: 14) == [.setState(messageID: "m1", packetID: 7, state: .acked, failure: nil, ackedBy: 0xABCD)])
        #expect(!t.isInFlight(messageID: "m1") && t.news(.acked(by: 1), for: 7, now: 15) == nil)
    }

    @Test func aBroadcastEndsAtItsFirstRelay() {
        var t = FlightTable()
        _ = t.handedOver(3, message: .init(messageID: "b", milliseconds: 500, broadcast: true), reservation: nil, now: 0)
        #expect(t.news(.relayed, for: 3, now: 1)?.count == 1)
        #expect(!t.knows(3))
    }

    /// Meshtastic's PKI NAK (PKI_SEND_FAIL_PUBLIC_KEY, PKI_UNKNOWN_PUBKEY): the radio has no key
    /// for the destination. The sealed envelope goes again as a broadcast; a broadcast that
    /// gets it (it cannot) and a control frame's DM are handled too.
    @Test func aPKINakSendsTheMessageAgainAsABroadcast() {
        var t = FlightTable()
        let token = t.reserve(milliseconds: 800, now: 0)
        _ = t.handedOver(9, message: dm(), reservation: token, now: 0)
        #expect(t.news(.noPublicKey, for: 9, now: 1) == [.resendAsBroadcast(messageID: "m1")])
        #expect(t.reservations.isEmpty && !t.knows(9))

        _ = t.handedOver(10, message: .init(messageID: "b", milliseconds: 1, broadcast: true), reservation: nil, now: 0)
        #expect(t.news(.noPublicKey, for: 10, now: 1) == [.setState(messageID: "b", packetID: 10, state: .failed, failure: FlightTable.noKeyText, ackedBy: nil)])

        var receipt = MeshPacket()
        receipt.to = 0x1234; receipt.id = 11; receipt.wantAck = true
        _ = t.handedOver(11, control: .init(packet: receipt, milliseconds: 300), reservation: nil, now: 0)
        guard case .sendControl(let again)? = t.news(.noPublicKey, for: 11, now: 1)?.first else { Issue.record("no resend"); return }
        #expect(again.to == MeshPacket.broadcast && again.id == 0 && again.wantAck)
    }

    /// Router::send's DUTY_CYCLE_LIMIT: the packet never left, so nothing is booked and the
    /// message is not failed: it goes again after the radio's silence. A control packet (a
    /// receipt) is refused to its waiter, whose own schedule sends it later.
    @Test func aDutyCycleRefusalSendsTheMessageAgainLater() {
        var t = FlightTable()
        let token = t.reserve(milliseconds: 800, now: 0)
        _ = t.handedOver(9, message: dm(), reservation: token, now: 0)
        #expect(t.news(.dutyCycleRefused, for: 9, now: 1) == [.sendAfterRadioSilence(messageID: "m1")])
        #expect(t.reservations.isEmpty && !t.knows(9))
        var receipt = MeshPacket()
        receipt.to = 0x1234; receipt.id = 11
        _ = t.handedOver(11, control: .init(packet: receipt, milliseconds: 300), reservation: nil, now: 0)
        #expect(t.news(.dutyCycleRefused, for: 11, now: 1) == [.refused(packetID: 11, reason: FlightTable.dutyCycleText)])
    }

    /// A full radio queue: the packet goes again under a new id, keeps its message and its
    /// reservation, and news about the new id that came early is applied.
    @Test func aRenumberedPacketKeepsItsMessage() {
        var t = FlightTable()
        let token = t.reserve(milliseconds: 800, now: 0)
        _ = t.handedOver(20, message: dm(), reservation: token, now: 0)
        t.keepEarly(.queued, for: 21)
        let actions = t.news(.renumbered(to: 21), for: 20, now: 5)
        #expect(actions == [
            .renumber(messageID: "m1", from: 20, to: 21),
            .recordAirtime(milliseconds: 800, at: 5),
            .setState(messageID: "m1", packetID: 21, state: .queued, failure: nil, ackedBy: nil),
        ])
        #expect(t.reservations.isEmpty, "released when the new id was queued")
        #expect(t.news(.acked(by: 2), for: 21, now: 9)?.first == .setState(messageID: "m1", packetID: 21, state: .acked, failure: nil, ackedBy: 2))
        #expect(t.news(.acked(by: 2), for: 20, now: 9) == nil, "the old id is gone")
    }

    @Test func aControlPacketIsTakenOrRefusedForItsWaiter() {
        var t = FlightTable()
        var chunk = MeshPacket(); chunk.to = 5
        let token = t.reserve(milliseconds: 1200, now: 0)
        _ = t.handedOver(30, control: .init(packet: chunk, milliseconds: 1200), reservation: token, now: 0)
        #expect(t.news(.renumbered(to: 31), for: 30, now: 1) == [.controlRenumbered(from: 30, to: 31)])
        #expect(t.reservations.count == 1, "kept across the renumbering")
        #expect(t.news(.queued, for: 31, now: 2) == [.recordAirtime(milliseconds: 1200, at: 2), .taken(packetID: 31)])
        #expect(t.reservations.isEmpty)
        _ = t.handedOver(32, control: .init(packet: chunk, milliseconds: 1200), reservation: nil, now: 3)
        #expect(t.news(.failed("the regional duty cycle is used up"), for: 32, now: 3) == [.refused(packetID: 32, reason: "the regional duty cycle is used up")])
    }

    /// News can overtake the hand-over (the radio answers before `send` returns): it waits for it.
    @Test func newsBeforeTheHandOverIsAppliedThen() {
        var t = FlightTable()
        #expect(t.news(.queued, for: 40, now: 0) == nil)
        t.keepEarly(.queued, for: 40)
        let actions = t.handedOver(40, message: dm(ms: 100), reservation: nil, now: 0.1)
        #expect(actions.contains(.setState(messageID: "m1", packetID: 40, state: .queued, failure: nil, ackedBy: nil)))
        // Early news is bounded: past the limit, packets nobody hands over are forgotten.
        for id in 100..<(100 + UInt32(FlightTable.earlyLimit) + 10) { t.keepEarly(.queued, for: id) }
        #expect(t.handedOver(100 + UInt32(FlightTable.earlyLimit) + 5, message: dm("late"), reservation: nil, now: 1).isEmpty)
    }

    @Test func aLostLinkForgetsFlightsAndGrants() {
        var t = FlightTable()
        let token = t.reserve(milliseconds: 100, now: 0)
        _ = t.handedOver(50, message: dm(), reservation: token, now: 0)
        t.disconnected()
        #expect(t.reservations.isEmpty && !t.isInFlight(messageID: "m1"))
        // The store still knows the packet: adopted, with its airtime already booked.
        t.adopt(50, messageID: "m1", broadcast: false)
        #expect(t.news(.queued, for: 50, now: 1) == [.setState(messageID: "m1", packetID: 50, state: .queued, failure: nil, ackedBy: nil)])
    }
}
