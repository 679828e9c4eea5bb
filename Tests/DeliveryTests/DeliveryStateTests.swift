import Testing
@testable import Delivery

struct DeliveryStateTests {
    @Test func newsNeverMovesAMessageBackwards() {
        #expect(DeliveryState.queued.accepts(.acked) && DeliveryState.acked.accepts(.delivered))
        #expect(!DeliveryState.acked.accepts(.queued) && !DeliveryState.delivered.accepts(.relayed) && !DeliveryState.read.accepts(.delivered))
        // A relay or an ACK after a NAK of the same attempt still counts; a NAK after a relay does not.
        #expect(DeliveryState.failed.accepts(.relayed) && DeliveryState.failed.accepts(.acked))
        #expect(!DeliveryState.relayed.accepts(.failed))
        // Incoming messages are never moved by delivery news.
        #expect(DeliveryState.allCases.allSatisfy { !$0.accepts(.received) && !DeliveryState.received.accepts($0) })
    }

    @Test func aResendThatIsOverIsNotFailedAgain() {
        #expect(DeliveryState.failed.accepts(.failed))
        #expect(!DeliveryState.failed.accepts(.failed, resendingOver: true))
        #expect(DeliveryState.queued.accepts(.failed, resendingOver: true))
    }
}
