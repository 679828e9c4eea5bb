import Foundation
import GRDB
import LoraCrypto
import MeshtasticWire
import Testing
@testable import LoraMessenger

/// House order: a write below the commands that fails while the caller's answer goes on is
/// not swallowed: it is kept and shown (the courier emits it as a notice, `history` prints it).
@Suite struct StoreProblemTests {
    @Test func aFailedSightingIsToldNotSwallowed() throws {
        let (north, east) = try pair()
        // The database refuses the sighting of the contact, as a full disk would.
        let queue = try DatabaseQueue(path: north.path + "/messages.sqlite")
        try queue.write { db in
            try db.execute(sql: "CREATE TRIGGER full BEFORE UPDATE OF last_heard_at ON contact BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END")
        }
        let m = try east.messenger.compose(to: "alice", text: "still shown")
        guard case .message(let shown) = north.messenger.receive(heard(m, from: 0xEA57, id: 1)) else {
            Issue.record("the message itself must still be kept and shown"); return
        }
        #expect(shown.text == "still shown")
        let problems = north.messenger.takeStoreProblems()
        #expect(problems.count == 1)
        #expect(problems.first?.contains("when the contact was heard") == true && problems.first?.contains("full") == true, "\(problems)")
        #expect(north.messenger.takeStoreProblems().isEmpty, "told once")
    }
}

/// A ratchet row written by an earlier version (JSON) still loads, and is written back as the
/// versioned bytes; a row that is neither is refused, never read as a fresh ratchet.
@Suite struct RatchetRowTests {
    @Test func oldJSONRowsLoadAndNewOnesAreBytes() throws {
        var state = RatchetState()
        _ = try state.advert()
        let json = [UInt8](try JSONEncoder().encode(state))
        #expect(json.first == UInt8(ascii: "{"))
        #expect(Messenger.ratchetState(json) == state)
        #expect(Messenger.ratchetState(state.encoded()) == state)
        #expect(Messenger.ratchetState([0x01, 0x00]) == nil)
        #expect(Messenger.ratchetState(Array("{not json".utf8)) == nil)
    }
}
