import Foundation
import MeshtasticWire
import MessageStore
import Testing
@testable import LoraMessenger

/// Firmware 2.8 numbers a radio by the CRC32 of its public key (NodeDB::NodeDB). Once lora-msg
/// has heard the key of a contact's radio (a NodeInfo from their node), a node their receipt
/// names that is not that CRC32 is never bound; the CRC32 itself is (their radio upgraded from
/// 2.7 and renumbered).
@Suite struct RadioKeyTests {
    /// Bob's receipt for `text`, sent by north, naming `node` as bob's radio.
    func receipt(_ alice: TestHome, _ bob: TestHome, text: String, naming node: UInt32, id: UInt32) throws -> ReceiveOutcome {
        let m = try alice.messenger.compose(to: "bob", text: text)
        guard case .message = bob.messenger.receive(heard(m, from: 0xA11CE, id: id)) else { throw CancellationError() }
        let due = try bob.messenger.store.receiptsDue(readReceipts: false, since: 0)
        var r = try bob.messenger.receiptPacket(for: due, read: false, node: node)
        r.from = node; r.id = id + 1000
        try bob.messenger.store.markReceiptSent(ids: due.map(\.id), level: 1)
        return alice.messenger.receive(r)
    }

    @Test func aNodeThatIsNotTheKeysCRC32IsNeverBound() throws {
        let (alice, bob) = try pair()
        let radioKey = (0..<32).map { UInt8($0 &* 7 &+ 3) }
        let twoSeven: UInt32 = 0x2B87_3E80          // bob's radio under 2.7: a MAC-derived number
        let twoEight = NodeNumber.crc32(radioKey)   // the same radio after the upgrade
        _ = try alice.messenger.setNode(named: "bob", node: User.nodeID(twoSeven))
        // Alice's radio heard bob's NodeInfo: its key is kept.
        let news = try alice.messenger.store.noteRadioKey(node: twoSeven, key: radioKey, at: 5)
        #expect(news == [.learned(name: "bob", senderID: try alice.messenger.contact(named: "bob").senderID)])
        guard case .known(radioKey, 5, false) = try alice.messenger.radioKey(of: try alice.messenger.contact(named: "bob")) else {
            Issue.record("key not known"); return
        }
        // The same 2.7 number named again: nothing to change.
        guard case .receipt(_, let ids, _, nil) = try receipt(alice, bob, text: "one", naming: twoSeven, id: 1), ids.count == 1 else {
            Issue.record("receipt refused"); return
        }
        // Our radio refused a DM to it (2.8 renumbered bob's radio): a receipt may re-point now,
        // but only to the key's CRC32. Another radio named in a receipt is recorded, not bound.
        try alice.messenger.store.noteNodeRefused(senderID: try alice.messenger.contact(named: "bob").senderID, at: 6)
        guard case .receipt(_, _, _, nil) = try receipt(alice, bob, text: "two", naming: 0xDEAD_BEEF, id: 2) else {
            Issue.record("a node that is not the CRC32 was bound"); return
        }
        var c = try alice.messenger.contact(named: "bob")
        #expect(c.node == twoSeven)
        #expect(try alice.messenger.otherNodes(of: c).map(\.node).contains(0xDEAD_BEEF))
        guard case .receipt(_, _, _, let rebound) = try receipt(alice, bob, text: "three", naming: twoEight, id: 3) else {
            Issue.record("receipt refused"); return
        }
        c = try alice.messenger.contact(named: "bob")
        #expect(rebound == User.nodeID(twoEight) && c.node == twoEight)
        guard case .known(_, _, true) = try alice.messenger.radioKey(of: c) else { Issue.record("key lost on re-pointing"); return }
    }

    /// Without a known radio key the old rule stands: their authenticated receipt re-points a
    /// node lora-msg learned (no CRC32 to check against).
    @Test func withoutAKeyTheirReceiptStillRepoints() throws {
        let (alice, bob) = try pair()
        guard case .receipt(_, _, _, let first) = try receipt(alice, bob, text: "a", naming: 0x1111, id: 1) else { Issue.record("refused"); return }
        #expect(first == "!00001111")
        guard case .receipt(_, _, _, let second) = try receipt(alice, bob, text: "b", naming: 0x2222, id: 2) else { Issue.record("refused"); return }
        #expect(second == "!00002222")
    }

    /// A different key for the same node is not taken (the radio pins the first, and so do
    /// we); the user's set-node forgets what was known.
    @Test func aSecondKeyIsRefusedAndSetNodeForgets() throws {
        let (alice, _) = try pair()
        _ = try alice.messenger.setNode(named: "bob", node: "!00000b0b")
        let first = [UInt8](repeating: 1, count: 32), second = [UInt8](repeating: 2, count: 32)
        _ = try alice.messenger.store.noteRadioKey(node: 0xB0B, key: first, at: 1)
        #expect(try alice.messenger.store.noteRadioKey(node: 0xB0B, key: second, at: 2) == [.mismatch(name: "bob")])
        #expect(try alice.messenger.store.radioKey(senderID: try alice.messenger.contact(named: "bob").senderID).key == first)
        #expect(try alice.messenger.store.noteRadioKey(node: 0xB0B, key: [1, 2, 3], at: 3).isEmpty, "not a key")
        _ = try alice.messenger.setNode(named: "bob", node: "!00000c0c")
        #expect(try alice.messenger.radioKey(of: try alice.messenger.contact(named: "bob")) == .notHeard)
    }
}
