import GRDB
import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import Testing
import TestSupport
@testable import LoraMessenger

/// Alice's stored outgoing chunks of a long text to bob, as bob's radio would hand them up.
private func longText(_ alice: TestHome, _ text: String) throws -> (message: StoredMessage, packets: [MeshPacket]) {
    let c = try alice.messenger.contact(named: "bob")
    let m = try alice.messenger.composeTransfer(TransferStream(type: .text, content: Array(text.utf8)), to: c, broadcast: false, channel: 0, hopLimit: nil)
    let transfer = try #require(m.transferID)
    let chunks = try alice.messenger.store.chunks(peer: c.senderID, direction: .outgoing, transferID: transfer)
    let packets = chunks.enumerated().map { i, ch in heard(m, id: UInt32(1000 + i), payload: ch.envelope) }
    return (m, packets)
}

/// Bob's count of held chunks of a transfer from alice, as a fresh genuine chunk reports it.
private func heldAfter(_ bob: TestHome, _ p: MeshPacket) -> Int? {
    if case .chunkReceived(_, _, _, _, let have, _) = bob.messenger.receive(p) { return have }
    return nil
}

/// Chunks are each authenticated and bound to their transfer: nothing an attacker or a broken
/// relay does to them yields a message other than the one sent, or the same message twice.
@Suite struct TransferReceiveTests {
    let text = prose(900, "ford")

    @Test func inAnyOrderWithDuplicatesTheMessageArrivesOnce() throws {
        let (alice, bob) = try pair()
        let (_, packets) = try longText(alice, text)
        #expect(packets.count >= 3)
        var messages: [IncomingMessage] = []
        // Reversed, and every chunk but the last heard twice (a relay's copy).
        for (n, p) in packets.reversed().enumerated() {
            for copy in 0..<(n == packets.count - 1 ? 1 : 2) {
                switch bob.messenger.receive(p) {
                case .message(let m): messages.append(m)
                case .chunkReceived(_, _, _, _, let have, let count):
                    #expect(count == packets.count && have == n + 1, "copy \(copy) of chunk \(n) counts once")
                case let other: Issue.record("unexpected \(other)")
                }
            }
        }
        #expect(messages.count == 1 && messages.first?.text == text)
    }

    @Test func aForgedChunkIsRefusedAndStoresNothing() throws {
        let (alice, bob) = try pair()
        let (m, packets) = try longText(alice, text)
        guard case .decoded(let d) = packets[1].payloadVariant else { Issue.record("not decoded"); return }
        // Every byte of the chunk's envelope, altered in turn.
        for i in d.payload.indices {
            var bytes = d.payload
            bytes[i] ^= 0x40
            let outcome = bob.messenger.receive(heard(m, payload: bytes))
            switch outcome {
            case .failedAuthentication, .malformed, .unknownSender: break
            case let other: Issue.record("byte \(i) altered was taken: \(other)")
            }
        }
        // A stranger's key, sealing a chunk that claims bob's transfer: unknown sender.
        let mallory = try TestHome()
        try mallory.messenger.addContact(name: "bob", key: bob.key, node: nil)
        let (_, forged) = try longText(mallory, text)
        if case .unknownSender = bob.messenger.receive(forged[0]) {} else { Issue.record("a stranger's chunk was not refused") }
        #expect(heldAfter(bob, packets[0]) == 1, "nothing forged was kept")
    }

    @Test func aChunkOfAnotherMessageDoesNotCompleteThisOne() throws {
        let (alice, bob) = try pair()
        let (_, first) = try longText(alice, text)
        let (_, second) = try longText(alice, prose(900, "barn"))
        #expect(first.count == second.count)
        // All of the first but its last chunk, then the second's last chunk in its place.
        for p in first.dropLast() { _ = bob.messenger.receive(p) }
        switch bob.messenger.receive(second.last!) {
        case .chunkReceived(_, _, _, _, let have, _): #expect(have == 1, "it starts a transfer of its own")
        case let other: Issue.record("unexpected \(other)")
        }
        #expect(try bob.messenger.store.messageCount() == 0)
        if case .message(let m) = bob.messenger.receive(first.last!) { #expect(m.text == text) } else { Issue.record("first did not complete") }
        #expect(try bob.messenger.store.messageCount() == 1)
    }

    @Test func aReplayAfterCompletionIsADuplicateAndAsksForTheReceiptAgain() throws {
        let (alice, bob) = try pair()
        let (_, packets) = try longText(alice, text)
        var got: IncomingMessage?
        for p in packets { if case .message(let m) = bob.messenger.receive(p) { got = m } }
        let m = try #require(got)
        try bob.messenger.store.markReceiptSent(ids: [m.id], level: 1)
        #expect(try bob.messenger.store.receiptsDue(readReceipts: false, since: 0).isEmpty)
        // The same chunk, replayed later (by an attacker, or a relay's late copy).
        var replay = packets[0]; replay.id = 4242
        #expect(bob.messenger.receive(replay) == .duplicate)
        #expect(try bob.messenger.store.messageCount() == 1, "shown once")
        #expect(try bob.messenger.store.receiptsDue(readReceipts: false, since: 0).map(\.id) == [m.id], "its sender did not hear the receipt")
    }
}

/// Words with numbers in no pattern (deflate gains little), `bytes` long, different per seed.
func prose(_ bytes: Int, _ seed: String) -> String {
    let words = ["river", "flood", "bridge", "north", "field", "sheep", "road", "closed", "water", "rising", "barn", "ridge"]
    var x = UInt64(truncatingIfNeeded: seed.utf8.reduce(5381) { $0 &* 33 &+ Int($1) })
    var out = ""
    while out.utf8.count < bytes {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        out += words[Int(x >> 33) % words.count] + String(x >> 44, radix: 36) + " "
    }
    return String(out.prefix(bytes))
}

/// The ETA a transfer shows: back to back while the hour has room, then the window's pace.
@Suite struct TransferScheduleTests {
    let gate = DutyCycleGate(settings: RadioSettings(region: .eu868, modem: LoRaPreset.longFast.modem))

    @Test func roomInTheHourMeansBackToBack() {
        let s = gate.schedule(milliseconds: Array(repeating: 2000, count: 10), now: 1000, history: [])
        #expect(s.firstWait == 0)
        #expect(abs(s.finish - 1020) < 1e-6)
    }

    @Test func aSpentHourMakesTheFirstChunkWaitAndTheRestFollowTheWindow() {
        // 359 s used, spread as 60 one-minute entries ending just now: 1 s left in the budget.
        let history = (0..<60).map { AirtimeRecord(startedAt: 1000 - 3600 + Double($0 + 1) * 60 - 1, milliseconds: 359_000 / 60) }
        let s = gate.schedule(milliseconds: Array(repeating: 2000, count: 10), now: 1000, history: history)
        #expect(s.firstWait > 0 && s.firstWait <= 60, "the oldest minute leaves first: \(s.firstWait)")
        // 20 s of chunks need about 4 minutes' entries to leave the window (≈6 s each).
        #expect(s.finish - 1000 > 120 && s.finish - 1000 < 300, "\(s.finish - 1000)")
        #expect(gate.schedule(milliseconds: [400_000], now: 1000, history: []).finish == .infinity, "more than the hour's budget never fits")
    }
}

@Suite struct PartialTransferOutboxTests {
    @Test func aTransferTheRadioTookStaysListedWithItsConfirmedChunksUntilDeliveredAndCanBeCancelled() throws {
        let (alice, _) = try pair()
        let (m, packets) = try longText(alice, prose(900, "gate"))
        let transfer = try #require(m.transferID)
        try alice.messenger.store.updateState(id: m.id, packetID: 9, to: .queued, at: 2)
        var held = Array(repeating: false, count: packets.count)
        held[0] = true; held[2] = true
        _ = try alice.messenger.store.markChunksHeld(peer: m.peer, transferID: transfer, held: held, at: 3)
        let item = try #require(try alice.messenger.outbox().first)
        #expect(item.message.id == m.id && item.chunks?.confirmed == 2 && item.chunks?.count == packets.count)
        #expect(try alice.messenger.outbox().count == 1, "listed once, though also past the receipt patience")
        #expect(try alice.messenger.cancelOutbox(id: String(m.id.prefix(8))) == [m.id])
        #expect(try alice.messenger.outbox().isEmpty)
        #expect(try alice.messenger.store.chunks(peer: m.peer, direction: .outgoing, transferID: transfer).isEmpty, "its chunks went with it")
    }

    @Test func aDeliveredTransferLeavesTheOutbox() throws {
        let (alice, _) = try pair()
        let (m, packets) = try longText(alice, prose(900, "hay"))
        let transfer = try #require(m.transferID)
        try alice.messenger.store.updateState(id: m.id, packetID: 9, to: .queued, at: 2)
        _ = try alice.messenger.store.markChunksHeld(peer: m.peer, transferID: transfer, held: Array(repeating: true, count: packets.count), at: 3)
        try alice.messenger.store.updateState(id: m.id, packetID: nil, to: .delivered, at: 3)
        #expect(try alice.messenger.outbox().isEmpty)
    }
}

@Suite struct TransferHoldingsTests {
    /// The receiver held chunks 0–1, then (hours later, idle) dropped its partial and now
    /// holds only the rest: that is not delivered, and the dropped chunks are to be sent again.
    @Test func aBitmapHoursLaterReplacesAnEarlierOne() throws {
        let (alice, _) = try pair()
        let (m, packets) = try longText(alice, prose(900, "mill"))
        let transfer = try #require(m.transferID)
        let n = packets.count
        #expect(n >= 3)
        let first = (0..<n).map { $0 < 2 }
        #expect(try alice.messenger.store.markChunksHeld(peer: m.peer, transferID: transfer, held: first, at: 1)?.complete == false)
        let later = (0..<n).map { $0 >= 2 }
        #expect(try alice.messenger.store.markChunksHeld(peer: m.peer, transferID: transfer, held: later, at: 7202)?.complete == false,
                "chunks 0–1 are no longer held")
        let missing = try alice.messenger.store.chunks(peer: m.peer, direction: .outgoing, transferID: transfer).filter { !$0.held }.map(\.index)
        #expect(missing == [0, 1])
        #expect(try alice.messenger.store.markChunksHeld(peer: m.peer, transferID: transfer, held: Array(repeating: true, count: n), at: 7203)?.complete == true)
        #expect(try alice.messenger.store.markChunksHeld(peer: m.peer, transferID: transfer, held: Array(repeating: true, count: n + 1), at: 7204) == nil,
                "a bitmap of another length is no receipt for this transfer")
    }

    /// The late-bitmap race (findings/long-messages.md): the receiver's bitmap sent before a
    /// repair pass arrived overtakes nothing but arrives after the newer one. It must not clear
    /// chunks the newer one says are held, or they are sent again for nothing.
    @Test func aLateBitmapDoesNotClearChunksANewerOneConfirmed() throws {
        let (alice, _) = try pair()
        let (m, packets) = try longText(alice, prose(900, "mill"))
        let transfer = try #require(m.transferID)
        let n = packets.count
        let older = (0..<n).map { $0 == 0 }                 // sent before the repair arrived
        let newer = (0..<n).map { $0 < n - 1 }              // sent after it
        _ = try alice.messenger.store.markChunksHeld(peer: m.peer, transferID: transfer, held: newer, at: 100)
        _ = try alice.messenger.store.markChunksHeld(peer: m.peer, transferID: transfer, held: older, at: 130)
        let missing = try alice.messenger.store.chunks(peer: m.peer, direction: .outgoing, transferID: transfer).filter { !$0.held }.map(\.index)
        #expect(missing == [n - 1], "only the chunk no bitmap holds goes again")
    }
}

/// Hardening 3, item 1: retention deletes a message's row, and with it the only record of its
/// (sender_id, nonce). A recording of the frames replayed afterwards must not come back as new.
@Suite struct ReplayAfterRetentionTests {
    func homes() throws -> (alice: TestHome, bob: TestHome, clock: Clock) {
        let clock = Clock(1_800_000_000)
        let c = clock
        let alice = try TestHome(clock: { c.now }), bob = try TestHome(clock: { c.now })
        try alice.messenger.addContact(name: "bob", key: bob.key, node: nil)
        try bob.messenger.addContact(name: "alice", key: alice.key, node: nil)
        return (alice, bob, clock)
    }

    @Test func aRecordedTextReplayedAfterRetentionIsNotNew() throws {
        let (alice, bob, clock) = try homes()
        let m = try alice.messenger.compose(to: "bob", text: "meet at the ford")
        #expect(m.envelope[0] == 0x01)
        let recorded = heard(m, id: 501)
        guard case .message = bob.messenger.receive(recorded) else { Issue.record("not received"); return }
        try bob.messenger.setRetention(seconds: 60)
        clock.now += 120
        #expect(try bob.messenger.applyRetention() == 1)
        #expect(try bob.messenger.store.messageCount() == 0, "the row is gone")
        // Another radio sends the recording again, in a new packet.
        let outcome = bob.messenger.receive(heard(m, from: 0xBAD, id: 502))
        #expect(outcome == .duplicate, "\(outcome)")
        #expect(try bob.messenger.store.messageCount() == 0)
        #expect(try bob.messenger.store.receiptsDue(readReceipts: false, since: 0).isEmpty, "no receipt goes back")
        // The database holds no sender id or nonce of it in the clear.
        try bob.messenger.store.checkpoint()
        let raw = try Data(contentsOf: URL(fileURLWithPath: bob.path + "/messages.sqlite"))
        #expect(raw.range(of: Data(m.nonce)) == nil)
    }

    @Test func aRecordedFileReplayedAfterRetentionIsNotNew() throws {
        let (alice, bob, clock) = try homes()
        let (_, packets) = try longText(alice, prose(900, "ford"))
        var arrived = 0
        for p in packets { if case .message = bob.messenger.receive(p) { arrived += 1 } }
        #expect(arrived == 1)
        try bob.messenger.setRetention(seconds: 60)
        clock.now += 120
        #expect(try bob.messenger.applyRetention() == 1)
        var replayed: [ReceiveOutcome] = []
        for p in packets { replayed.append(bob.messenger.receive(p)) }
        #expect(!replayed.contains { if case .message = $0 { true } else { false } }, "\(replayed)")
        #expect(!replayed.contains { if case .chunkReceived = $0 { true } else { false } }, "no chunk of it is taken in again")
        #expect(try bob.messenger.store.messageCount() == 0)
    }

    /// A message retention has not reached yet is still a plain duplicate (its receipt owed
    /// again), and a new message after retention is still new.
    @Test func genuineTrafficIsUnaffected() throws {
        let (alice, bob, clock) = try homes()
        try bob.messenger.setRetention(seconds: 60)
        let old = try alice.messenger.compose(to: "bob", text: "old news")
        _ = bob.messenger.receive(heard(old, id: 601))
        clock.now += 120
        try bob.messenger.applyRetention()
        let fresh = try alice.messenger.compose(to: "bob", text: "fresh news")
        guard case .message(let got) = bob.messenger.receive(heard(fresh, id: 602)) else { Issue.record("fresh not new"); return }
        #expect(got.text == "fresh news")
        #expect(bob.messenger.receive(heard(fresh, id: 603)) == .duplicate)
    }
}

/// Found by implementing PROTOCOL.md from the document alone: only the ordinary receipt says a
/// transfer was delivered; a bitmap with every bit set says only that the chunks arrived.
@Suite struct FullBitmapTests {
    @Test func aFullBitmapIsNotDelivered() throws {
        let (alice, bob) = try pair()
        let (m, packets) = try longText(alice, prose(900, "ford"))
        let transfer = try #require(m.transferID)
        try alice.messenger.store.updateState(id: m.id, packetID: nil, to: .queued, at: 1)
        // Bob's bitmap: every chunk held. Alice hears it.
        let bobKey = try #require(bob.messenger.key(for: alice.messenger.identity.senderID))
        let full = try DeliveryReceipt.make(holdings: .init(transferID: transfer, held: Array(repeating: true, count: packets.count)),
                                            node: 0xB0B, maker: bob.messenger.identity.senderID, key: bobKey)
        var p = MeshPacket(); p.from = 0xB0B; p.to = 0xA11CE; p.id = 9
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: full.bytes))
        guard case .transferReceipt(_, let id, let held, let count) = alice.messenger.receive(p) else { Issue.record("not a transfer receipt"); return }
        #expect(id == m.id && held == count)
        #expect(try alice.messenger.store.message(id: m.id)?.state == .queued, "not delivered on a bitmap")
        // The ordinary receipt, made when bob reassembles it, is what delivers it.
        for q in packets { _ = bob.messenger.receive(q) }
        let due = try bob.messenger.store.receiptsDue(readReceipts: false, since: 0)
        for var r in try bob.messenger.receiptPackets(for: due, read: false, node: 0xB0B) {
            r.from = 0xB0B
            _ = alice.messenger.receive(r)
        }
        #expect(try alice.messenger.store.message(id: m.id)?.state == .delivered)
    }
}

@Suite struct TransferRetryTests {
    /// Minor: for 2 minutes after a killed `send --file`, `outbox` listed the file while
    /// `outbox retry` said the outbox was empty.
    @Test func aPartlySentTransferIsRetriedAtOnce() throws {
        let (alice, _) = try pair()
        let (m, _) = try longText(alice, prose(900, "barn"))
        try alice.messenger.store.markTransmitted(id: m.id, packetID: 9, toNode: nil, channel: 0, hopLimit: nil, at: alice.messenger.now)
        try alice.messenger.store.updateState(id: m.id, packetID: 9, to: .queued, at: alice.messenger.now)
        #expect(try alice.messenger.outbox().map(\.message.id) == [m.id], "listed as partly confirmed")
        #expect(try alice.messenger.requeueOutbox().map(\.id) == [m.id], "and retried now")
    }
}

/// A transfer receipt the database cannot record is reported with the reason, never taken
/// for "no transfer of ours" (which would lose the receiver's word silently).
@Suite struct TransferReceiptNotRecordedTests {
    @Test func aDatabaseThatRefusesTheBitmapIsReported() throws {
        let (alice, bob) = try pair()
        let (m, packets) = try longText(alice, prose(900, "weir"))
        let transfer = try #require(m.transferID)
        let bobKey = try #require(bob.messenger.key(for: alice.messenger.identity.senderID))
        let bitmap = try DeliveryReceipt.make(holdings: .init(transferID: transfer, held: [true] + Array(repeating: false, count: packets.count - 1)),
                                              node: 0xB0B, maker: bob.messenger.identity.senderID, key: bobKey)
        var p = MeshPacket(); p.from = 0xB0B; p.to = 0xA11CE; p.id = 11
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: bitmap.bytes))
        try DatabaseQueue(path: alice.messenger.databasePath).write { try $0.execute(sql: "DROP TABLE chunk") }
        guard case .notStored(let contact, let reason) = alice.messenger.receive(p) else { Issue.record("not reported"); return }
        #expect(contact == "bob" && reason.contains("transfer receipt was not recorded") && reason.contains("damaged"), "\(reason)")
    }
}
