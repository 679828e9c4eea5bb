import Foundation
import LoraCrypto
import MessageStore
import Testing
import TestSupport
@testable import LoraMessenger

/// Moving house: a backup of a home, restored on an empty one, goes on as the same person.
@Suite struct HomeBackupTests {
    let secret = Array("meet at the ford".utf8)

    func paired() throws -> (alice: TestHome, bob: TestHome) {
        let (a, b) = try pair()
        try a.messenger.markVerified(named: "bob")
        try a.messenger.setReadReceipts(true)
        try a.messenger.setRetention(seconds: 7 * 86_400)
        return (a, b)
    }

    @Test func aRestoredHomeIsTheSamePersonWithTheSameContactsAndOutbox() throws {
        let (alice, bob) = try paired()
        let said = try alice.messenger.compose(to: "bob", text: "sent before the move")
        try alice.messenger.store.updateState(id: said.id, packetID: nil, to: .delivered, at: 1)
        let waiting = try alice.messenger.compose(to: "bob", text: "still in the outbox")
        let hello = try bob.messenger.compose(to: "alice", text: "hello alice")
        _ = alice.messenger.receive(heard(hello, from: 0xB0B, id: 3))
        let dir = TempDirectory("backup")
        let file = dir.file("home.backup")
        let s = try alice.messenger.backup(to: file, passphrase: secret, history: false, limits: .minimum)
        #expect(s.contacts == 1 && s.messages == 1, "without --history only the outbox: \(s)")
        var st = stat()
        #expect(stat(file, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let raw = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(raw.range(of: Data("bob".utf8)) == nil && raw.range(of: Data(alice.messenger.identity.publicKey.bytes)) == nil, "sealed")

        let newHome = dir.file("laptop2")
        let r = try Messenger.restore(from: file, into: newHome, passphrase: secret, force: false)
        #expect(r.contacts == 1 && r.messages == 1 && r.replacedIdentity == nil)
        let restored = try Messenger(home: newHome)
        #expect(restored.identity.publicKey == alice.messenger.identity.publicKey)
        let bobThere = try restored.contact(named: "bob")
        #expect(bobThere.verifiedAt != nil, "verification kept")
        #expect(restored.readReceiptsEnabled && restored.retentionSeconds == 7 * 86_400, "settings kept")
        #expect(try restored.store.pending().map(\.id) == [waiting.id], "the outbox kept")
        // With --history, every message comes too.
        let full = try alice.messenger.backup(to: file, passphrase: secret, history: true, limits: .minimum)
        #expect(full.messages == 3)
        // Bob reads what the restored home sends.
        let after = try restored.compose(to: "bob", text: "from the new laptop")
        guard case .message(let got) = bob.messenger.receive(heard(after, from: 0xA11CE, id: 9)) else { Issue.record("not opened"); return }
        #expect(got.text == "from the new laptop")
    }

    @Test func aWrongPassphraseOrABadFileChangesNothing() throws {
        let (alice, _) = try paired()
        let dir = TempDirectory("backup")
        let file = dir.file("home.backup")
        _ = try alice.messenger.backup(to: file, passphrase: secret, history: true, limits: .minimum)
        let target = dir.file("empty")
        #expect(throws: MessengerError.backup(file, .wrongPassphraseOrAltered)) {
            try Messenger.restore(from: file, into: target, passphrase: Array("meet at the bridge".utf8), force: false)
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: file))
        #expect(throws: MessengerError.self) { try Messenger.restore(from: file, into: target, passphrase: secret, force: false) }
        try Data("not a backup at all".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: MessengerError.backup(file, .notABackup)) { try Messenger.restore(from: file, into: target, passphrase: secret, force: false) }
        #expect(!FileManager.default.fileExists(atPath: target), "nothing was written")
        #expect(MessengerError.backup(file, .notABackup).exitStatus == .dataError)
        #expect(throws: MessengerError.self, "a short passphrase is refused") {
            try alice.messenger.backup(to: file, passphrase: Array("short".utf8), history: false, limits: .minimum)
        }
    }

    @Test func anExistingIdentityIsKeptUnlessForcedAndThenKeptBeside() throws {
        let (alice, _) = try paired()
        let dir = TempDirectory("backup")
        let file = dir.file("home.backup")
        _ = try alice.messenger.backup(to: file, passphrase: secret, history: false, limits: .minimum)
        let other = try TestHome()
        let before = other.messenger.identity.publicKey
        #expect(throws: MessengerError.self) { try Messenger.restore(from: file, into: other.path, passphrase: secret, force: false) }
        #expect(try Messenger(home: other.path).identity.publicKey == before, "refused: untouched")
        let r = try Messenger.restore(from: file, into: other.path, passphrase: secret, force: true)
        let kept = try #require(r.replacedIdentity)
        #expect(try IdentityFile.load(from: kept).publicKey == before, "the old identity is kept")
        #expect(try Messenger(home: other.path).identity.publicKey == alice.messenger.identity.publicKey)
    }

    /// A restored ratchet may be behind what the contacts saw: it never reuses a message
    /// number; its next frame announces a fresh key.
    @Test func aRestoredRatchetStartsAFreshKey() throws {
        let (alice, bob) = try pair()
        func say(_ from: Messenger, _ to: Messenger, _ name: String, _ text: String, _ id: UInt32) throws -> StoredMessage {
            let m = try from.compose(to: name, text: text)
            _ = to.receive(heard(m, from: from === alice.messenger ? 0xA11CE : 0xB0B, id: id))
            let due = try to.store.receiptsDue(readReceipts: false, since: 0)
            try to.store.markReceiptSent(ids: due.map(\.id), level: 1)
            for var p in try to.receiptPackets(for: due, read: false, node: 0xB0B) { p.from = 1; _ = from.receive(p) }
            return m
        }
        _ = try say(alice.messenger, bob.messenger, "bob", "one", 1)
        _ = try say(bob.messenger, alice.messenger, "alice", "two", 2)
        let dir = TempDirectory("backup")
        let file = dir.file("home.backup")
        _ = try alice.messenger.backup(to: file, passphrase: secret, history: false, limits: .minimum)
        let sent = try say(alice.messenger, bob.messenger, "bob", "three, after the backup", 3)
        let restoredHome = dir.file("restored")
        _ = try Messenger.restore(from: file, into: restoredHome, passphrase: secret, force: false)
        let restored = try Messenger(home: restoredHome)
        let next = try restored.compose(to: "bob", text: "four, from the restore")
        let a = try RatchetEnvelope(bytes: sent.envelope), b = try RatchetEnvelope(bytes: next.envelope)
        #expect(b.attachedKey != nil, "a fresh key, announced")
        #expect(!(a.senderKeyID == b.senderKeyID && a.recipientKeyID == b.recipientKeyID && a.number == b.number && a.attachedKey == b.attachedKey))
        guard case .message(let got) = bob.messenger.receive(heard(next, from: 0xA11CE, id: 4)) else { Issue.record("bob cannot read the restored home"); return }
        #expect(got.text == "four, from the restore")
    }
}

/// The bundle inside a backup's seal is a parser too: truncated, oversized and garbage
/// bundles (authentic under the passphrase, so past the seal) are refused, nothing written.
@Suite struct HomeBundleTests {
    let secret = Array("meet at the ford".utf8)
    let sqlite = Array("SQLite format 3\u{0}".utf8) + [UInt8](repeating: 7, count: 40)

    @Test func theBundleParserRefusesTruncatedOversizedAndGarbageInput() {
        let good = HomeBackup.bundle([("identity.key", [1, 2, 3]), ("messages.sqlite", sqlite)])
        #expect(HomeBackup.unbundle(good)?["messages.sqlite"] == sqlite)
        for n in 0..<good.count {
            let files = HomeBackup.unbundle(Array(good.prefix(n)))
            #expect(files == nil || files?["messages.sqlite"] == nil, "length \(n) gave a whole database")
        }
        var oversized = good
        oversized[HomeBackup.tag.count + 1 + 12 + 7] = 0xFF   // identity.key's length claims more than there is
        #expect(HomeBackup.unbundle(oversized) == nil)
        #expect(HomeBackup.unbundle(Array("garbage, not a bundle".utf8)) == nil)
        #expect(HomeBackup.unbundle([]) == nil)
    }

    @Test(arguments: [0, 1, 2, 3])
    func aSealedFileThatIsNotAWholeHomeChangesNothing(kind: Int) throws {
        let dir = TempDirectory("bundle")
        let file = dir.file("odd.backup")
        let inside: [UInt8]
        switch kind {
        case 0: inside = Array("garbage, sealed properly".utf8)
        case 1: inside = HomeBackup.bundle([("identity.key", [1, 2, 3])])                             // no database
        case 2: inside = HomeBackup.bundle([("identity.key", [1, 2, 3]), ("messages.sqlite", [0, 1, 2])])   // not SQLite
        default: inside = Array(HomeBackup.bundle([("identity.key", [1, 2, 3]), ("messages.sqlite", sqlite)]).dropLast(5))
        }
        try Data(BackupSeal.seal(inside, passphrase: secret, limits: .minimum)).write(to: URL(fileURLWithPath: file))
        let target = dir.file("home")
        #expect(throws: MessengerError.backup(file, .notABackup)) {
            try Messenger.restore(from: file, into: target, passphrase: secret, force: false)
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
