import Testing
@testable import Delivery

struct ReceiptBatchingTests {
    let alice: [UInt8] = [1], bob: [UInt8] = [2]

    @Test func receiptsWaitBehindTheUsersOwnMessages() {
        let due = [ReceiptBatching.Due(id: "a", peer: alice, receivedAt: 0, read: false)]
        let held = ReceiptBatching.plan(due: due, outboxPending: true, now: 100)
        #expect(held.batches.isEmpty && held.lookAgainIn == ReceiptBatching.batchSeconds)
        let sent = ReceiptBatching.plan(due: due, outboxPending: false, now: 100)
        #expect(sent.batches == [.init(peer: alice, read: false, ids: ["a"])] && sent.lookAgainIn == nil)
    }

    @Test func aFreshMessageWaitsTheBatchingWindowSoOneFrameCoversSeveral() {
        let due = [ReceiptBatching.Due(id: "a", peer: alice, receivedAt: 10, read: false),
                   ReceiptBatching.Due(id: "b", peer: alice, receivedAt: 11.5, read: false)]
        let early = ReceiptBatching.plan(due: due, outboxPending: false, now: 12.5)
        #expect(early.batches == [.init(peer: alice, read: false, ids: ["a"])] && early.lookAgainIn == 2)
        let later = ReceiptBatching.plan(due: due, outboxPending: false, now: 13.5)
        #expect(later.batches == [.init(peer: alice, read: false, ids: ["a", "b"])] && later.lookAgainIn == nil)
    }

    @Test func oneFramePerContactAndKindOldestFirstAtMostSixteen() {
        var due = [ReceiptBatching.Due(id: "bob-read", peer: bob, receivedAt: 1, read: true)]
        due += (0..<20).map { ReceiptBatching.Due(id: "a\($0)", peer: alice, receivedAt: 2 + Double($0) / 100, read: false) }
        due.append(.init(id: "bob", peer: bob, receivedAt: 3, read: false))
        let plan = ReceiptBatching.plan(due: due, outboxPending: false, now: 100)
        #expect(plan.batches.map(\.ids.count) == [1, 16, 4, 1])
        #expect(plan.batches.map(\.peer) == [bob, alice, alice, bob])
        #expect(plan.batches.map(\.read) == [true, false, false, false])
    }

    @Test func nothingOwedNothingPlanned() {
        #expect(ReceiptBatching.plan(due: [], outboxPending: true, now: 0) == .init(batches: [], lookAgainIn: nil))
    }
}
