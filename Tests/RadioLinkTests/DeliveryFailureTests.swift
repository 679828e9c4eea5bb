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
