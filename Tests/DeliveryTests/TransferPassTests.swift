import Testing
@testable import Delivery

struct TransferPassTests {
    func chunks(_ sends: [Int], held: Set<Int> = []) -> [TransferPass.Chunk] {
        sends.enumerated().map { .init(index: $0.offset, count: sends.count, sends: $0.element, held: held.contains($0.offset)) }
    }

    @Test func aPassSendsWhatIsMissingFewestSendsFirst() throws {
        let pass = try #require(TransferPass(chunks: chunks([2, 0, 1, 0, 3], held: [4])))
        #expect(pass.order == [1, 3, 2, 0])
        #expect(pass.confirmed == 1 && pass.count == 5)
    }

    @Test func theSixteenthSendOfAMissingChunkFailsIt() {
        #expect(TransferPass(chunks: chunks([15, 3])) != nil)
        #expect(TransferPass(chunks: chunks([16, 3])) == nil)
        #expect(TransferPass.failure(chunks([16, 3])) == "chunk 1 of 2 was sent 16 times without the receiver holding it")
        #expect(TransferPass(chunks: chunks([16, 3], held: [0])) != nil, "a held chunk never fails it")
    }

    @Test func onlyTheFirstChunkToAKnownNodeOnAnUnknownPathAsksForAnACK() throws {
        let pass = try #require(TransferPass(chunks: chunks([0, 0, 0])))
        #expect(pass.asksForPathACK(0, relays: nil, direct: true))
        #expect(!pass.asksForPathACK(1, relays: nil, direct: true))
        #expect(!pass.asksForPathACK(0, relays: 2, direct: true))
        #expect(!pass.asksForPathACK(0, relays: nil, direct: false), "a broadcast has no ACK to learn from")
    }

    @Test func spacingFollowsThePathAndEndsAfterTheLast() throws {
        let pass = try #require(TransferPass(chunks: chunks([0, 0, 0])))
        #expect(pass.spacing(after: 0, milliseconds: 1000, relays: 0) == 0, "a direct path is not paced")
        #expect(pass.spacing(after: 0, milliseconds: 1000, relays: 1) == 2 + 1.5)
        #expect(pass.spacing(after: 0, milliseconds: 1000, relays: nil) == pass.spacing(after: 0, milliseconds: 1000, relays: 5))
        #expect(pass.spacing(after: 2, milliseconds: 1000, relays: 3) == 0)
        #expect(pass.pacingLeft(at: 0, milliseconds: 1000, relays: 1) == 2 * (3.5 + TransferPacing.queueGapSeconds))
        #expect(pass.pacingLeft(at: 2, milliseconds: 1000, relays: 1) == 0)
        #expect(TransferPass.radioBusy(until: 100, now: 90, milliseconds: 1500) == 101.9)
        #expect(TransferPass.radioBusy(until: 80, now: 90, milliseconds: 1500) == 91.9)
    }
}
