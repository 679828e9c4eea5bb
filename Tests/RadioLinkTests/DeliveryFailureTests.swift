import MeshtasticWire
import Testing
@testable import RadioLink

/// The radio says "no key for that node" either in its QueueStatus (MeshService::sendToMesh
/// puts perhapsEncode's Routing.Error there) or in the NAK of abortSendAndNak; both mean it.
struct DeliveryFailureTests {
    @Test func theMeshsReasonWhicheverWayItCame() {
        #expect(DeliveryFailure.refused(code: 39).lacksPublicKey)
        #expect(DeliveryFailure.nak(RoutingError(.pkiSendFailPublicKey)).lacksPublicKey)
        #expect(DeliveryFailure.nak(RoutingError(.pkiUnknownPubkey)).lacksPublicKey)
        #expect(DeliveryFailure.refused(code: 9).routingError == RoutingError(.dutyCycleLimit))
        // 32–34 in a QueueStatus are the firmware's ERRNO codes, not BAD_REQUEST … PKI_FAILED.
        #expect(DeliveryFailure.refused(code: 32).routingError == nil && DeliveryFailure.refused(code: 34).routingError == nil)
        #expect(!DeliveryFailure.refused(code: 32).lacksPublicKey && !DeliveryFailure.nak(RoutingError(.maxRetransmit)).lacksPublicKey)
    }
}

/// Router::send's text for a duty-cycle refusal ("You can send again in %d mins"), and what is
/// not it.
@Suite struct DutyCycleNoticeTests {
    @Test func theMinutesAreRead() {
        #expect(DutyCycleNotice.minutes(in: "Duty cycle limit exceeded. You can send again in 12 mins") == 12)
        #expect(DutyCycleNotice.minutes(in: "Duty cycle limit exceeded. You can send again in 0 mins") == 0)
        #expect(DutyCycleNotice.minutes(in: "You can send again in 1 min") == 1)
    }

    @Test(arguments: ["", "You can send again in", "You can send again in mins", "You can send again in -3 mins",
                      "You can send again in 61 mins", "You can send again in 99999999999999999999 mins",
                      "You can send again in 5 hours", "You can send again in ５ mins", "Traffic management: slow down"])
    func anythingElseIsNot(text: String) {
        #expect(DutyCycleNotice.minutes(in: text) == nil)
    }
}
