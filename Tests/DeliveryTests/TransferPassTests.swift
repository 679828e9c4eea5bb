import Testing
@testable import Delivery

struct TransferPassTests {
    func chunks(_ sends: [Int], held: Set<Int> = []) -> [TransferPass.Chunk] {
        sends.enumerated().map { .init(index: $0.offset, count: sends.count, sends: $0.element, held: held.contains($0.offset)) }
    }

    func pass(_ sends: [Int], held: Set<Int> = []) -> TransferPass? {
        if case .send(let p) = TransferPass.plan(chunks(sends, held: held)) { return p }
        return nil
    }

    @Test func aPassSendsWhatIsMissingFewestSendsFirst() throws {
        let p = try #require(pass([2, 0, 1, 0, 3], held: [4]))
        #expect(p.order == [1, 3, 2, 0])
        #expect(p.confirmed == 1 && p.count == 5)
    }

    @Test func theSixteenthSendOfAMissingChunkFailsIt() {
        #expect(pass([15, 3]) != nil)
        #expect(TransferPass.plan(chunks([16, 3])) == .fail("chunk 1 of 2 was sent 16 times without the receiver holding it"))
        #expect(pass([16, 3], held: [0]) != nil, "a held chunk never fails it")
    }

    @Test func onlyTheFirstChunkToAKnownNodeOnAnUnknownPathAsksForAnACK() throws {
        let p = try #require(pass([0, 0, 0]))
        #expect(p.asksForPathACK(0, relays: nil, direct: true))
        #expect(!p.asksForPathACK(1, relays: nil, direct: true))
        #expect(!p.asksForPathACK(0, relays: 2, direct: true))
        #expect(!p.asksForPathACK(0, relays: nil, direct: false), "a broadcast has no ACK to learn from")
    }

    @Test func spacingFollowsThePathAndEndsAfterTheLast() throws {
        let p = try #require(pass([0, 0, 0]))
        #expect(p.spacing(after: 0, milliseconds: 1000, relays: 0) == 0, "a direct path is not paced")
        #expect(p.spacing(after: 0, milliseconds: 1000, relays: 1) == 2 + 1.5)
        #expect(p.spacing(after: 0, milliseconds: 1000, relays: nil) == p.spacing(after: 0, milliseconds: 1000, relays: 5))
        #expect(p.spacing(after: 2, milliseconds: 1000, relays: 3) == 0)
        #expect(p.pacingLeft(at: 0, milliseconds: 1000, relays: 1) == 2 * (3.5 + TransferPacing.queueGapSeconds))
        #expect(p.pacingLeft(at: 2, milliseconds: 1000, relays: 1) == 0)
        #expect(TransferPass.radioBusy(until: 100, now: 90, milliseconds: 1500) == 101.9)
        #expect(TransferPass.radioBusy(until: 80, now: 90, milliseconds: 1500) == 91.9)
    }
}
