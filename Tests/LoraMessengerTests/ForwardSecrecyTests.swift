import Foundation
import GRDB
@testable import LoraCrypto
import MeshtasticWire
import MessageStore
import Testing
import TestSupport
@testable import LoraMessenger

/// Two homes on one clock, and every frame that went between them, as a recorder on the air
/// would have it.
private final class Conversation: @unchecked Sendable {
    let clock = Clock(1_800_000_000)
    let alice: TestHome, bob: TestHome
    var air: [[UInt8]] = []

    init() throws {
        let c = clock
        alice = try TestHome(clock: { c.now })
        bob = try TestHome(clock: { c.now })
        try alice.messenger.addContact(name: "bob", key: bob.key, node: nil)
        try bob.messenger.addContact(name: "alice", key: alice.key, node: nil)
    }

    /// `from` sends `text`; `to` hears it. Returns the stored message.
    @discardableResult
    func say(_ text: String, from: TestHome, to: TestHome, name: String) throws -> StoredMessage {
        let m = try from.messenger.compose(to: name, text: text)
        try from.messenger.store.updateState(id: m.id, packetID: nil, to: .queued, at: clock.now)   // the radio took it
        air.append(m.envelope)
        guard case .message(let got) = to.messenger.receive(heard(m, from: from === alice ? 0xA11CE : 0xB0B)) else {
            Issue.record("\(text) did not arrive"); return m
        }
        #expect(got.text == text)
        return m
    }

    /// `maker` sends its receipts for what it holds of `other`'s; `other` hears them
    /// unless `lost`.
    func receipts(by maker: TestHome, to other: TestHome, lost: Bool = false) throws {
        let due = try maker.messenger.store.receiptsDue(readReceipts: false, since: 0)
        guard !due.isEmpty else { return }
        let packets = try maker.messenger.receiptPackets(for: due, read: false, node: maker === alice ? 0xA11CE : 0xB0B)
        try maker.messenger.store.markReceiptSent(ids: due.map(\.id), level: 1)
        for var p in packets {
            air.append(p.decoded?.payload ?? [])
            guard !lost else { continue }
            p.from = maker === alice ? 0xA11CE : 0xB0B
            _ = other.messenger.receive(p)
        }
    }

    /// Alice's first message goes under the static key; bob's receipt offers his ratchet.
    func startRatcheting() throws {
        try say("hello", from: alice, to: bob, name: "bob")
        try receipts(by: bob, to: alice)
    }

    /// A round trip: alice speaks, bob receipts, bob answers, alice receipts.
    func roundTrip(_ n: Int) throws {
        try say("alice \(n)", from: alice, to: bob, name: "bob")
        try receipts(by: bob, to: alice)
        try say("bob \(n)", from: bob, to: alice, name: "alice")
        try receipts(by: alice, to: bob)
    }
}

/// Everything an attacker who took a home's files gets: the identity and each contact's
/// ratchet state, read straight from the database file.
private struct StolenHome {
    let identity: IdentityKeyPair
    let ratchets: [RatchetState]
    let databaseBytes: Data

    init(_ home: TestHome) throws {
        identity = try IdentityFile.load(from: home.path + "/identity.key")
        let path = home.path + "/messages.sqlite"
        let queue = try DatabaseQueue(path: path)
        let blobs = try queue.read { db in try Data.fetchAll(db, sql: "SELECT state FROM ratchet") }
        ratchets = blobs.compactMap { try? RatchetState(stored: [UInt8]($0)) }
        try queue.close()
        databaseBytes = ((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
            + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
    }

    /// Tries every ratchet state of this home on a recorded 0x06 frame.
    func opens(_ frame: [UInt8], peer: PublicKey) -> Bool {
        guard let e = try? RatchetEnvelope(bytes: frame), let k = try? ContactKey(own: identity, peer: peer) else { return false }
        return ratchets.contains { state in
            var s = state
            return (try? s.open(e, contactKey: k, now: 0)) != nil
        }
    }
}

@Suite struct ForwardSecrecyTests {
    @Test func theConversationMovesToRatchetedEnvelopesAfterOneReceipt() throws {
        let c = try Conversation()
        let first = try c.say("first, under the static key", from: c.alice, to: c.bob, name: "bob")
        #expect(first.envelope[0] == 0x01 && first.localCopy == nil)
        try c.receipts(by: c.bob, to: c.alice)
        #expect(c.air.suffix(2).map { $0[1] & 4 } == [4, 0], "bob's first receipt: its ratchet form, then the plain one for a v2 build")
        let second = try c.say("second, ratcheted", from: c.alice, to: c.bob, name: "bob")
        #expect(second.envelope[0] == 0x06 && second.localCopy != nil)
        let reply = try c.say("the reply, ratcheted too", from: c.bob, to: c.alice, name: "alice")
        #expect(reply.envelope[0] == 0x06)
        try c.receipts(by: c.alice, to: c.bob)
        #expect(c.air.last.map { $0[1] } == UInt8(4 | 8), "one receipt now, carrying alice's new key")
        try c.receipts(by: c.bob, to: c.alice)
        #expect(c.air.last.map { $0[1] } == UInt8(4 | 8), "bob saw alice use his current key: a new one")
        #expect(try c.alice.messenger.store.message(id: second.id)?.state == .delivered)
        // Both histories read their copies; no plaintext in either file.
        let bobHistory = try c.bob.messenger.history(with: "alice", limit: 10).compactMap { if case .text(let t) = $0.body { t } else { nil } }
        #expect(bobHistory.contains("second, ratcheted") && bobHistory.contains("the reply, ratcheted too"))
        let aliceHistory = try c.alice.messenger.history(with: "bob", limit: 10).compactMap { if case .text(let t) = $0.body { t } else { nil } }
        #expect(aliceHistory.contains("second, ratcheted") && aliceHistory.contains("the reply, ratcheted too"))
        for home in [c.alice, c.bob] {
            try home.messenger.store.checkpoint()
            let raw = try StolenHome(home).databaseBytes
            #expect(raw.range(of: Data("ratcheted".utf8)) == nil)
        }
    }

    /// The attacker records the air, then steals both homes' files after the ratchet moved on
    /// and the copies expired: nothing on disk opens the recorded envelopes. Taken before the
    /// ratchet moved (positive control), the same files do.
    @Test func recordedEnvelopesStayClosedAfterTheRatchetMovesAndCopiesExpire() throws {
        let c = try Conversation()
        try c.startRatcheting()
        let secret = try c.say("the key is under the blue stone", from: c.alice, to: c.bob, name: "bob")
        #expect(secret.envelope[0] == 0x06)
        let recorded = secret.envelope
        let alicePublic = c.alice.messenger.identity.publicKey, bobPublic = c.bob.messenger.identity.publicKey
        // Positive control: files stolen now open it.
        try c.bob.messenger.store.checkpoint()
        let early = try StolenHome(c.bob)
        #expect(early.opens(recorded, peer: alicePublic))
        let earlySecrets = early.ratchets.flatMap { $0.own.map(\.secret) }

        try c.receipts(by: c.bob, to: c.alice)
        for n in 0..<3 { try c.roundTrip(n) }
        c.clock.now += RatchetState.graceSeconds + 60
        try c.roundTrip(9)   // keys retire as the pair goes on
        try c.alice.messenger.setRetention(seconds: 1800)
        try c.bob.messenger.setRetention(seconds: 1800)

        #expect(try c.bob.messenger.history(with: "alice", limit: 50).allSatisfy { $0.message.nonce != secret.nonce }, "bob's copy expired")
        let thieves = [try StolenHome(c.alice), try StolenHome(c.bob)]
        #expect(!thieves[0].opens(recorded, peer: bobPublic) && !thieves[1].opens(recorded, peer: alicePublic))
        // Not with the static contact key either (it was never sealed under it).
        let k = try ContactKey(own: thieves[1].identity, peer: alicePublic)
        #expect((try? LoraEnvelope(bytes: recorded).openText(with: k)) == nil)
        for t in thieves { #expect(t.databaseBytes.range(of: Data("blue stone".utf8)) == nil) }
        // The erased secrets are gone from the file and its WAL, not just from the row.
        let held = Set(thieves[1].ratchets.flatMap { $0.own.map(\.secret) })
        let erased = earlySecrets.filter { !held.contains($0) }
        #expect(!erased.isEmpty)
        // The stored ratchet holds each secret as its 32 raw bytes (RatchetState+Encoding).
        for secret in held { #expect(thieves[1].databaseBytes.range(of: Data(secret)) != nil, "the search finds a held secret") }
        for secret in erased { #expect(thieves[1].databaseBytes.range(of: Data(secret)) == nil, "an erased ratchet secret is still on disk") }
        // The latest frame still opens: the pair is not locked out.
        let now = try c.say("still talking", from: c.alice, to: c.bob, name: "bob")
        #expect(now.envelope[0] == 0x06)
    }

    /// 30 % of receipts lost (the first offers among them): the pair starts ratcheting, keeps
    /// at it, and every message arrives.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6]) func lostReceiptsNeverLockThePairOut(seed: UInt64) throws {
        let c = try Conversation()
        var rng = SeededGenerator(seed: seed)
        var ratcheted = 0
        for n in 0..<40 {
            let from = n % 3 == 0 ? c.bob : c.alice
            let to = from === c.alice ? c.bob : c.alice
            let m = try c.say("m\(n)", from: from, to: to, name: from === c.alice ? "bob" : "alice")
            if m.envelope[0] == 0x06 { ratcheted += 1 }
            try c.receipts(by: to, to: from, lost: Int.random(in: 0..<10, using: &rng) < 3)
            c.clock.now += 300
        }
        #expect(ratcheted > 30, "\(ratcheted) of 40 ratcheted")
    }

    /// A location between ratcheting contacts goes as 0x06 too, and history shows it.
    @Test func aLocationIsRatchetedToo() throws {
        let c = try Conversation()
        try c.startRatcheting()
        let fix = try LocationFix(latitude: 46.5197, longitude: 6.6323, fixTime: 1_800_000_000, altitude: 512, accuracy: 4)
        let m = try c.alice.messenger.composeSealed(.location(fix), to: try c.alice.messenger.contact(named: "bob"), broadcast: false, channel: 0, hopLimit: nil)
        #expect(m.envelope[0] == 0x06 && m.localCopy?.first == 0x02)
        guard case .message(let got) = c.bob.messenger.receive(heard(m, id: 401)) else { Issue.record("location lost"); return }
        let loc = try #require(got.location)
        #expect(abs(loc.lat - 46.5197) < 0.0001 && abs(loc.lon - 6.6323) < 0.0001)
        let shown = try c.bob.messenger.history(with: "alice", limit: 10).compactMap { if case .location(let l) = $0.body { l } else { nil } }
        #expect(shown.count == 1 && shown.first?.alt == 512)
        let own = try c.alice.messenger.history(with: "bob", limit: 10).compactMap { if case .location(let l) = $0.body { l } else { nil } }
        #expect(own.count == 1)
    }

    /// A restart on either side mid-conversation: the ratchet comes back from the store and
    /// the pair goes on ratcheting.
    @Test func aRestartOnEitherSideKeepsTheRatchet() throws {
        let c = try Conversation()
        try c.startRatcheting()
        let before = try c.say("before", from: c.alice, to: c.bob, name: "bob")
        #expect(before.envelope[0] == 0x06)
        let clock = c.clock
        // Both processes end; new ones open the same homes.
        let alice = try Messenger(home: c.alice.path, clock: MessengerClock { clock.now })
        let bob = try Messenger(home: c.bob.path, clock: MessengerClock { clock.now })
        let reply = try bob.compose(to: "alice", text: "after bob's restart")
        #expect(reply.envelope[0] == 0x06)
        guard case .message(let got) = alice.receive(heard(reply, from: 0xB0B, id: 301)) else { Issue.record("reply lost"); return }
        #expect(got.text == "after bob's restart")
        let next = try alice.compose(to: "bob", text: "after alice's restart")
        #expect(next.envelope[0] == 0x06 && next.nonce != before.nonce)
        guard case .message(let got2) = bob.receive(heard(next, id: 302)) else { Issue.record("next lost"); return }
        #expect(got2.text == "after alice's restart")
    }

    /// The first offer lost: the next receipt offers again; after three, once a week.
    @Test func aLostOfferIsMadeAgainThenOnlyWeekly() throws {
        let c = try Conversation()
        try c.say("one", from: c.alice, to: c.bob, name: "bob")
        try c.receipts(by: c.bob, to: c.alice, lost: true)
        #expect(try c.say("two", from: c.alice, to: c.bob, name: "bob").envelope[0] == 0x01)
        try c.receipts(by: c.bob, to: c.alice)
        #expect(try c.say("three", from: c.alice, to: c.bob, name: "bob").envelope[0] == 0x06)
        // Toward a contact that never answers in kind (a v2 build): three offers, then weekly.
        let v2 = try TestHome(clock: { c.clock.now })
        try c.bob.messenger.addContact(name: "old", key: v2.key, node: nil)
        try v2.messenger.addContact(name: "bob", key: c.bob.key, node: nil)
        var doubled = 0
        for n in 0..<6 {
            let m = try v2.messenger.compose(to: "bob", text: "v2 \(n)")
            _ = c.bob.messenger.receive(heard(m, from: 0x0DD, id: UInt32(100 + n)))
            let due = try c.bob.messenger.store.receiptsDue(readReceipts: false, since: 0)
            if try c.bob.messenger.receiptPackets(for: due, read: false, node: 0xB0B).count == 2 { doubled += 1 }
            try c.bob.messenger.store.markReceiptSent(ids: due.map(\.id), level: 1)
        }
        #expect(doubled == 3)
        c.clock.now += 8 * 86_400
        let m = try v2.messenger.compose(to: "bob", text: "a week later")
        _ = c.bob.messenger.receive(heard(m, from: 0x0DD, id: 200))
        #expect(try c.bob.messenger.receiptPackets(for: c.bob.messenger.store.receiptsDue(readReceipts: false, since: 0), read: false, node: 0xB0B).count == 2)
    }

    /// A ratcheted message lost on the air and retried after the receiver retired its keys:
    /// the retry is sealed afresh and arrives; the stale bytes would not open.
    @Test func aLateRetryIsSealedUnderTheCurrentKeys() throws {
        let c = try Conversation()
        try c.startRatcheting()
        let lost = try c.alice.messenger.compose(to: "bob", text: "lost on the way")
        try c.alice.messenger.store.updateState(id: lost.id, packetID: nil, to: .queued, at: c.clock.now)
        #expect(lost.envelope[0] == 0x06)
        for n in 0..<(RatchetState.maxRetiring + 2) { try c.roundTrip(n) }
        c.clock.now += RatchetState.graceSeconds + 60
        guard case .ignored = c.bob.messenger.receive(heard(lost)) else { Issue.record("stale bytes opened"); return }
        let retried = try #require(try c.alice.messenger.requeueOutbox().first { $0.id == lost.id })
        #expect(retried.envelope != lost.envelope && retried.nonce != lost.nonce)
        guard case .message(let got) = c.bob.messenger.receive(heard(retried, id: 78)) else { Issue.record("retry did not arrive"); return }
        #expect(got.text == "lost on the way")
        #expect(try c.alice.messenger.store.message(id: lost.id)?.envelope == retried.envelope)
    }

    /// A ratchet row that does not decode (a damaged or hand-edited file) is an error the
    /// user sees, not a silent fresh start that would strand frames under the old keys; a
    /// frame from the contact is dropped with the reason.
    @Test func aDamagedRatchetRowIsAnErrorNotAFreshStart() throws {
        let c = try Conversation()
        try c.startRatcheting()
        let m = try c.say("under the ratchet", from: c.alice, to: c.bob, name: "bob")
        #expect(m.envelope[0] == 0x06)
        for garbage in [Data(), Data("{".utf8), Data("{\"own\": 7}".utf8), Data(repeating: 0xFF, count: 40)] {
            let q = try DatabaseQueue(path: c.alice.path + "/messages.sqlite")
            try q.write { db in try db.execute(sql: "UPDATE ratchet SET state = ?", arguments: [garbage]) }
            try q.close()
            #expect(throws: MessengerError.self) { try c.alice.messenger.compose(to: "bob", text: "next") }
            do { _ = try c.alice.messenger.compose(to: "bob", text: "next") } catch {
                #expect(error.description.contains("ratchet"), "\(error.description)")
            }
        }
        let reply = try c.bob.messenger.compose(to: "alice", text: "from bob")
        #expect(reply.envelope[0] == 0x06)
        guard case .malformed(let why) = c.alice.messenger.receive(heard(reply, from: 0xB0B, id: 501)) else {
            Issue.record("a frame was taken with a damaged ratchet"); return
        }
        #expect(why.contains("ratchet"), "\(why)")
    }

    @Test func retentionDeletesOldMessagesButNotTheOutbox() throws {
        let c = try Conversation()
        try c.say("old", from: c.alice, to: c.bob, name: "bob")
        let unsent = try c.alice.messenger.compose(to: "bob", text: "never sent")
        let transfer = try c.alice.messenger.composeTransfer(TransferStream(type: .file, name: "map.bin", content: (0..<600).map { UInt8(($0 * 73 + 11) % 251) }),
                                                             to: try c.alice.messenger.contact(named: "bob"), broadcast: false, channel: 0, hopLimit: nil)
        try c.alice.messenger.store.updateState(id: transfer.id, packetID: nil, to: .queued, at: c.clock.now)
        func chunks() throws -> Int { try c.alice.messenger.store.chunks(peer: transfer.peer, direction: .outgoing, transferID: transfer.transferID ?? 0).count }
        #expect(try chunks() > 1)
        c.clock.now += 7200
        try c.say("new", from: c.alice, to: c.bob, name: "bob")
        try c.alice.messenger.setRetention(seconds: 3600)
        #expect(try chunks() == 0, "an expired long message goes with its chunks")
        #expect(try c.alice.messenger.store.message(id: transfer.id) == nil)
        let left = try c.alice.messenger.history(with: "bob", limit: 10).compactMap { if case .text(let t) = $0.body { t } else { nil } }
        #expect(left.contains("new") && !left.contains("old") && left.contains("never sent"), "\(left)")
        #expect(try c.alice.messenger.store.message(id: unsent.id) != nil)
        try c.alice.messenger.setRetention(seconds: nil)
        #expect(c.alice.messenger.retentionSeconds == nil)
    }
}

/// Hardening 3, item 2: a home copied after a few ratcheted round trips (a second laptop, a
/// restored disk) must never seal under a key and nonce its original may also use.
@Suite struct CopiedHomeTests {
    @Test func aCopyNeverSealsUnderTheOriginalsKeyAndNonce() throws {
        let c = try Conversation()
        try c.startRatcheting()
        for n in 1...3 { try c.roundTrip(n) }
        try c.alice.messenger.store.checkpoint()
        let copyDir = TempDirectory("copied-home")
        try? FileManager.default.removeItem(atPath: copyDir.path)
        try FileManager.default.copyItem(atPath: c.alice.path, toPath: copyDir.path)   // new files: `cp -a`
        let clock = c.clock
        let copy = try Messenger(home: copyDir.path, clock: MessengerClock { clock.now })
        let dawn = "attack at dawn!", noon = "retreat at noon"
        #expect(dawn.utf8.count == noon.utf8.count)
        let fromOriginal = try c.say(dawn, from: c.alice, to: c.bob, name: "bob")
        let fromCopy = try copy.compose(to: "bob", text: noon)
        // The air: both are ratcheted frames, and they differ in (s, r, n) or in the key they
        // announce, so their keys and nonces differ.
        let a = try RatchetEnvelope(bytes: fromOriginal.envelope), b = try RatchetEnvelope(bytes: fromCopy.envelope)
        let sameHeader = a.senderKeyID == b.senderKeyID && a.recipientKeyID == b.recipientKeyID && a.number == b.number
        #expect(!sameHeader || (b.attachedKey != nil && a.attachedKey != b.attachedKey), "(s, r, n) reused")
        #expect(fromOriginal.nonce != fromCopy.nonce)
        // The attack itself: XOR of the ciphertexts is not the XOR of the texts.
        let xorCipher = zip(a.ciphertext, b.ciphertext).map { $0 ^ $1 }
        let xorPlain = zip(Array(dawn.utf8), Array(noon.utf8)).map { $0 ^ $1 }
        #expect(xorCipher.count >= xorPlain.count)
        #expect(!xorCipher.indices.contains { i in
            xorCipher.count - i >= xorPlain.count && Array(xorCipher[i..<(i + xorPlain.count)]) == xorPlain
        })
        // Bob still reads what the copy sends (it announces its new key).
        var p = heard(fromCopy, from: 0xA11CE, id: 991)
        p.from = 0xA11CE
        guard case .message(let got) = c.bob.messenger.receive(p) else { Issue.record("the copy's frame did not open"); return }
        #expect(got.text == noon)
    }

    /// Issue 32: one identity in two homes at once does not mix with a ratchet; when it happens
    /// (the contact answers the copy's new key), the original says so instead of dropping it.
    @Test func theOriginalNoticesAnotherCopyTalkingToTheContact() throws {
        let c = try Conversation()
        try c.startRatcheting()
        try c.roundTrip(1)
        try c.alice.messenger.store.checkpoint()
        let copyDir = TempDirectory("second-laptop")
        try? FileManager.default.removeItem(atPath: copyDir.path)
        try FileManager.default.copyItem(atPath: c.alice.path, toPath: copyDir.path)
        let clock = c.clock
        let copy = try Messenger(home: copyDir.path, clock: MessengerClock { clock.now })
        let fromCopy = try copy.compose(to: "bob", text: "from the second laptop")
        guard case .message = c.bob.messenger.receive(heard(fromCopy, from: 0xA11CF, id: 801)) else { Issue.record("bob did not read the copy"); return }
        let reply = try c.bob.messenger.compose(to: "alice", text: "which laptop is this?")
        let outcome = c.alice.messenger.receive(heard(reply, from: 0xB0B, id: 802))
        guard case .anotherCopy(let name, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(name == "bob")
    }

    /// Without the guard the two would collide: the same home opened again where it was made
    /// keeps its numbering (no new key, no abandoned numbers).
    @Test func theSameHomeReopenedKeepsItsNumbering() throws {
        let c = try Conversation()
        try c.startRatcheting()
        try c.roundTrip(1)
        let clock = c.clock
        let again = try Messenger(home: c.alice.path, clock: MessengerClock { clock.now })
        #expect(try again.guardAgainstCopy() == false)
        _ = try again.compose(to: "bob", text: "still the same home")
        #expect(try again.guardAgainstCopy() == false)
    }
}

/// Found by implementing PROTOCOL.md from the document alone: a 0x06 text of 152–169 bytes is
/// a valid frame (lora-msg sends texts that long in chunks, another implementation need not),
/// and was dropped because its local copy did not fit a 200-byte envelope.
@Suite struct LongRatchetedTextTests {
    @Test(arguments: [152, 160, 169])
    func aRatchetedTextUpTo169BytesIsShownAndKept(length: Int) throws {
        let c = try Conversation()
        try c.startRatcheting()
        try c.roundTrip(1)
        let text = String(repeating: "é", count: length / 2) + String(repeating: "x", count: length % 2)
        #expect(text.utf8.count == length)
        let bob = c.bob.messenger.identity.publicKey
        let key = try ContactKey(own: c.alice.messenger.identity, peer: bob)
        let me = c.alice.messenger.identity.senderID
        let now = c.clock.now
        let sealed = try #require(try c.alice.messenger.withRatchet(peer: bob.senderID.bytes) { (state, _) throws(LoraCryptoError) in
            try state.seal(RatchetedContent.text(text).bytes, from: me, contactKey: key, now: now)
        })
        var p = MeshPacket(); p.from = 0xA11CE; p.to = MeshPacket.broadcast; p.id = 7777
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: sealed.envelope.bytes))
        guard case .message(let got) = c.bob.messenger.receive(p) else { Issue.record("a \(length)-byte 0x06 text was not shown"); return }
        #expect(got.text == text)
        let history = try c.bob.messenger.history(with: "alice", limit: 50).compactMap { if case .text(let t) = $0.body { t } else { nil } }
        #expect(history.contains(text), "its local copy opens")
        let due = try c.bob.messenger.store.receiptsDue(readReceipts: false, since: 0)
        #expect(due.contains { $0.id == got.id }, "a receipt is owed")
    }

    @Test func aLocalCopyIsStillBounded() throws {
        let key = try ContactKey(own: IdentityKeyPair.generate(), peer: IdentityKeyPair.generate().publicKey)
        let sender = try IdentityKeyPair.generate().senderID
        #expect(throws: LoraCryptoError.self) { try LoraEnvelope.sealLocalCopy(String(repeating: "x", count: 208), from: sender, with: key) }
        let fits = try LoraEnvelope.sealLocalCopy(String(repeating: "x", count: 207), from: sender, with: key)
        #expect(fits.bytes.count == 256)
        #expect(throws: LoraCryptoError.self) { try LoraEnvelope(bytes: fits.bytes) }
        #expect(throws: LoraCryptoError.self) { try LoraEnvelope(localCopy: fits.bytes + [0]) }
        #expect(try LoraEnvelope(localCopy: fits.bytes) == fits)
    }
}

/// Hardening 3 (minor): what `tail --verbose` says of a frame names its real fault.
@Suite struct VerboseWordingTests {
    @Test func ourOwnEchoedFrameIsNotAnUnknownSender() throws {
        let c = try Conversation()
        let m = try c.alice.messenger.compose(to: "bob", text: "to all")
        #expect(c.alice.messenger.receive(heard(m, from: 0xA11CE, id: 4)) == .ignored("our own frame, echoed by our radio"))
    }

    @Test func aForgedReceiptNamesWhoItClaimsToBeFrom() throws {
        let c = try Conversation()
        try c.say("hello", from: c.alice, to: c.bob, name: "bob")
        let due = try c.bob.messenger.store.receiptsDue(readReceipts: false, since: 0)
        var p = try #require(try c.bob.messenger.receiptPackets(for: due, read: false, node: 0xB0B).first)
        guard case .decoded(var d) = p.payloadVariant else { Issue.record("not decoded"); return }
        d.payload[d.payload.count - 1] ^= 1
        p.payloadVariant = .decoded(d)
        p.from = 0xB0B
        #expect(c.alice.messenger.receive(p) == .failedAuthentication(contact: "receipt from 'bob'"))
    }

    @Test func aLowOrderRatchetKeyIsTheFramesFaultNotTheContacts() throws {
        let c = try Conversation()
        try c.startRatcheting()
        let bobsKeyID = try #require(try c.bob.messenger.store.ratchet(peer: c.alice.messenger.identity.senderID.bytes)
            .flatMap { try RatchetState(stored: $0.state).currentKeyID })
        // 0x06 | alice's sender id | flags: key attached | s 9 | r bob's | n 0 | key: all zeros | ciphertext | tag
        var frame: [UInt8] = [0x06] + c.alice.messenger.identity.senderID.bytes + [0x01, 9, bobsKeyID, 0, 0]
        frame += [UInt8](repeating: 0, count: 32) + [1, 2, 3, 4, 5] + [UInt8](repeating: 7, count: 16)
        var p = MeshPacket(); p.from = 0xA11CE; p.to = MeshPacket.broadcast; p.id = 55
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: frame))
        let outcome = c.bob.messenger.receive(p)
        guard case .malformed(let why) = outcome else { Issue.record("\(outcome)"); return }
        #expect(why.contains("unusable ratchet key") && !why.contains("contact's public key"), "\(why)")
    }
}
