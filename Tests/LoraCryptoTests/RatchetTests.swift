import Foundation
import Testing
import TestSupport
@testable import LoraCrypto

struct V3Vector: Decodable {
    let name: String
    let sender_secret, recipient_secret, sender_ratchet_secret, recipient_ratchet_public: String
    let s, r, n, kind: Int
    let body, epoch, message_key, nonce, frame: String
    let attached: Bool
}

struct V3Receipt: Decodable {
    let maker_secret, other_secret, body, frame: String
    let node, key_id, newest_peer_key_id: Int
    let read, transfer: Bool
    let ratchet_public: String?
}

struct V3File: Decodable { let cases: [V3Vector]; let receipts: [V3Receipt] }

func loadV3File() throws -> V3File {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/v3-vectors", withExtension: "json"))
    return try JSONDecoder().decode(V3File.self, from: Data(contentsOf: url))
}

func loadV3Vectors() throws -> [V3Vector] { try loadV3File().cases }

/// Receipts that carry the ratchet, against Python's bytes.
@Suite struct RatchetReceiptTests {
    @Test func swiftMakesAndVerifiesPythonsReceipts() throws {
        for v in try loadV3File().receipts {
            let maker = try IdentityKeyPair(secretKey: hex(v.maker_secret))
            let other = try IdentityKeyPair(secretKey: hex(v.other_secret))
            let k = try ContactKey(own: maker, peer: other.publicKey)
            let advert = RatchetAdvert(keyID: UInt8(v.key_id), newestPeerKeyID: UInt8(v.newest_peer_key_id),
                                       key: try v.ratchet_public.map { try PublicKey(bytes: hex($0)) })
            let made: DeliveryReceipt
            if v.transfer {
                let b = hex(v.body)
                let count = Int(b[4])
                let held = (0..<count).map { b[5 + $0 / 8] & (1 << ($0 % 8)) != 0 }
                made = try DeliveryReceipt.make(holdings: .init(transferID: UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3]), held: held),
                                                node: UInt32(v.node), maker: maker.senderID, key: k, ratchet: advert)
            } else {
                let b = hex(v.body)
                let nonces = stride(from: 0, to: b.count, by: 6).map { Array(b[$0..<$0 + 6]) + [UInt8](repeating: 0, count: 18) }
                made = try DeliveryReceipt.make(read: v.read, nonces: nonces, node: UInt32(v.node), maker: maker.senderID, key: k, ratchet: advert)
            }
            #expect(hexString(made.bytes) == v.frame)
            let parsed = try DeliveryReceipt(bytes: hex(v.frame))
            #expect(parsed == made && parsed.ratchet == advert)
            #expect(parsed.verify(maker: maker.senderID, key: k))
            // Altering the ratchet part fails the tag.
            var bent = hex(v.frame)
            bent[bent.count - 17] ^= 1
            #expect(!(try DeliveryReceipt(bytes: bent)).verify(maker: maker.senderID, key: k))
        }
    }

    @Test func badRatchetPartsAreRefused() throws {
        let frame = hex(try loadV3File().receipts[0].frame)
        var v = frame; v[1] = (v[1] & ~4) | 8   // a key without the ids
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: v) }
        v = frame; v[1] |= 0x10
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: v) }
        v = frame; v[v.count - 16 - 34] = 0   // key id 0
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: v) }
        for n in 0..<frame.count { _ = try? DeliveryReceipt(bytes: frame.prefix(n)) }
        // Flags say ratchet, but the frame has only a header and a tag.
        let short = Array(frame.prefix(10)) + Array(frame.suffix(16))
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: short) }
    }
}

/// The 0x06 frame against Python's bytes (Scripts/gen-v3-vectors.py, written from
/// docs/PROTOCOL.md with `cryptography` and PyNaCl).
@Suite struct RatchetEnvelopeVectorTests {
    @Test func swiftMakesPythonsBytesAndOpensThem() throws {
        let vectors = try loadV3Vectors()
        #expect(vectors.count == 6)
        for v in vectors {
            let sender = try IdentityKeyPair(secretKey: hex(v.sender_secret))
            let recipient = try IdentityKeyPair(secretKey: hex(v.recipient_secret))
            let k = try ContactKey(own: sender, peer: recipient.publicKey)
            let ratchet = try IdentityKeyPair(secretKey: hex(v.sender_ratchet_secret))
            let epoch = try RatchetEnvelope.epochSecret(contactKey: k, own: ratchet, peer: try PublicKey(bytes: hex(v.recipient_ratchet_public)))
            #expect(hexString(epoch) == v.epoch, "\(v.name)")
            let (made, nonce) = try RatchetEnvelope.seal([UInt8(v.kind)] + hex(v.body), epoch: epoch, senderID: sender.senderID,
                                                         senderKeyID: UInt8(v.s), recipientKeyID: UInt8(v.r), number: UInt16(v.n),
                                                         attachedKey: v.attached ? ratchet.publicKey : nil)
            #expect(hexString(made.bytes) == v.frame, "\(v.name)")
            #expect(hexString(nonce) == v.nonce, "\(v.name)")
            let parsed = try RatchetEnvelope(bytes: hex(v.frame))
            #expect(parsed == made && parsed.number == UInt16(v.n) && (parsed.attachedKey != nil) == v.attached)
            let opened = try parsed.open(epoch: epoch)
            #expect(opened.plaintext == [UInt8(v.kind)] + hex(v.body) && opened.nonce == nonce, "\(v.name)")
        }
    }

    @Test func aTextOf151BytesFitsAndWithTheKey137() throws {
        #expect(RatchetEnvelope.overhead == 30 && RatchetEnvelope.overheadWithKey == 62)
        #expect(RatchetEnvelope.maxPlaintextBytes - 1 >= 151)
        #expect(RatchetEnvelope.maxPlaintextBytesWithKey - 1 == 137)
        let v = try loadV3Vectors()
        #expect(hex(v[2].frame).count == 182 && hex(v[3].frame).count == 200)
    }
}

@Suite struct RatchetEnvelopeParsingTests {
    let good: [UInt8]
    init() throws { good = hex(try loadV3Vectors()[0].frame) }

    @Test func truncatedOversizedAndGarbageAreRefusedNotTrapped() throws {
        for n in 0..<good.count {
            // Shorter than a keyed frame's header: refused; otherwise it may parse but never opens.
            _ = try? RatchetEnvelope(bytes: good.prefix(n))
        }
        #expect(throws: LoraCryptoError.self) { try RatchetEnvelope(bytes: good.prefix(30)) }
        #expect(throws: LoraCryptoError.self) { try RatchetEnvelope(bytes: good.prefix(62)) }   // keyed: needs 63
        #expect(throws: LoraCryptoError.self) { try RatchetEnvelope(bytes: good + [UInt8](repeating: 0, count: 201 - good.count)) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let junk = (0..<Int.random(in: 0...210, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? RatchetEnvelope(bytes: junk)
        }
    }

    @Test func badFieldsAreRefused() {
        var v = good; v[0] = 0x01
        #expect(throws: LoraCryptoError.malformedEnvelope(.unsupportedVersion(1))) { try RatchetEnvelope(bytes: v) }
        v = good; v[9] = 0x03
        #expect(throws: LoraCryptoError.self) { try RatchetEnvelope(bytes: v) }
        v = good; v[10] = 0
        #expect(throws: LoraCryptoError.self) { try RatchetEnvelope(bytes: v) }
        v = good; v[11] = 0
        #expect(throws: LoraCryptoError.self) { try RatchetEnvelope(bytes: v) }
    }
}

/// Two people, their identities and a ratchet each, and frames carried by hand: lost,
/// reordered, late, or the state saved and reloaded.
struct RatchetPair {
    let a: IdentityKeyPair, b: IdentityKeyPair
    let k: ContactKey
    var ra = RatchetState(), rb = RatchetState()
    var now = 1_800_000_000.0

    init() throws {
        a = try IdentityKeyPair.generate()
        b = try IdentityKeyPair.generate()
        k = try ContactKey(own: a, peer: b.publicKey)
    }

    /// b's receipt to a (or a's to b) carries its ratchet.
    mutating func receiptToA() throws { try ra.learn(try rb.advert(), now: now) }
    mutating func receiptToB() throws { try rb.learn(try ra.advert(), now: now) }

    mutating func aSeals(_ text: String) throws(LoraCryptoError) -> RatchetEnvelope? {
        try ra.seal([0] + Array(text.utf8), from: a.senderID, contactKey: k, now: now)?.envelope
    }
    mutating func bSeals(_ text: String) throws(LoraCryptoError) -> RatchetEnvelope? {
        try rb.seal([0] + Array(text.utf8), from: b.senderID, contactKey: k, now: now)?.envelope
    }
    mutating func bOpens(_ e: RatchetEnvelope) throws(LoraCryptoError) -> String {
        String(decoding: try rb.open(e, contactKey: k, now: now).plaintext.dropFirst(), as: UTF8.self)
    }
    /// Delivers a frame; one whose keys were retired meanwhile is dropped by the receiver and
    /// sent again by the sender, sealed afresh (what an unanswered message's retry does).
    mutating func deliverToB(_ e: RatchetEnvelope, _ text: String, resealed: inout Int) throws -> String {
        do { return try bOpens(e) } catch {
            guard case .ratchetKeyUnavailable = error else { throw error }
            resealed += 1
            guard let again = try aSeals(text) else { return text }   // static fallback: opens under K
            return try bOpens(again)
        }
    }
    mutating func deliverToA(_ e: RatchetEnvelope, _ text: String, resealed: inout Int) throws -> String {
        do { return try aOpens(e) } catch {
            guard case .ratchetKeyUnavailable = error else { throw error }
            resealed += 1
            guard let again = try bSeals(text) else { return text }
            return try aOpens(again)
        }
    }
    mutating func aOpens(_ e: RatchetEnvelope) throws(LoraCryptoError) -> String {
        String(decoding: try ra.open(e, contactKey: k, now: now).plaintext.dropFirst(), as: UTF8.self)
    }
}

@Suite struct RatchetStateTests {
    @Test func withNoKeyOfTheContactsTheStaticEnvelopeGoes() throws {
        var p = try RatchetPair()
        #expect(try p.aSeals("hello") == nil)
        try p.receiptToA()   // b's first receipt announces b's key 1
        let e = try #require(try p.aSeals("hello"))
        #expect(e.attachedKey != nil && e.senderKeyID == 1 && e.recipientKeyID == 1 && e.number == 0)
        #expect(try p.bOpens(e) == "hello")
    }

    @Test func everyRoundTripMovesBothSidesToNewKeys() throws {
        var p = try RatchetPair()
        try p.receiptToA()
        let m1 = try #require(try p.aSeals("one"))
        #expect(try p.bOpens(m1) == "one")
        #expect(p.rb.currentKeyID == 1, "made when b next speaks, not before")
        try p.receiptToA()
        #expect(p.rb.currentKeyID == 2, "b saw a use its current key: its receipt announces a new one")
        let m2 = try #require(try p.aSeals("two"))
        #expect(m2.recipientKeyID == 2 && m2.attachedKey != nil, "a moved to b's key 2 and still announces its own")
        let r = try #require(try p.bSeals("reply"))
        #expect(r.senderKeyID == 2 && r.recipientKeyID == 1 && r.attachedKey != nil)
        #expect(try p.aOpens(r) == "reply")
        _ = try p.aSeals("next")
        #expect(p.ra.currentKeyID == 2, "b showed it holds a's key 1, a's current: a's next frame has key 2")
        #expect(try p.bOpens(m2) == "two")
    }

    /// The property: after the round trips and the hour, neither side holds what opens an
    /// old frame; a frame of the current epoch still opens (positive control).
    @Test func retiredKeysNoLongerOpenOldFrames() throws {
        var p = try RatchetPair()
        try p.receiptToA()
        let old = try #require(try p.aSeals("recorded from the air"))
        let oldCopy = old
        #expect(try p.bOpens(old) == "recorded from the air")
        for i in 0..<3 {
            try p.receiptToA()
            let m = try #require(try p.aSeals("m\(i)"))
            _ = try p.bOpens(m)
            let r = try #require(try p.bSeals("r\(i)"))
            _ = try p.aOpens(r)
            try p.receiptToB()
        }
        p.now += RatchetState.graceSeconds + 1
        p.ra.retire(now: p.now); p.rb.retire(now: p.now)
        #expect(!p.rb.heldOwnKeyIDs.contains(oldCopy.recipientKeyID) && !p.ra.heldOwnKeyIDs.contains(oldCopy.senderKeyID))
        #expect(throws: LoraCryptoError.self) { _ = try p.bOpens(oldCopy) }
        // Even with both states reloaded from disk (JSON) and both identities.
        var diskB = try RatchetState(stored: p.rb.encoded())
        #expect(throws: LoraCryptoError.self) { _ = try diskB.open(oldCopy, contactKey: p.k, now: p.now) }
        let fresh = try #require(try p.aSeals("still works"))
        #expect(try p.bOpens(fresh) == "still works")
    }

    @Test func healingLocksOutAThiefAfterOneRoundTrip() throws {
        var p = try RatchetPair()
        try p.receiptToA()
        _ = try p.bOpens(try #require(try p.aSeals("before")))
        try p.receiptToA()
        var stolenA = p.ra   // the thief copies a's ratchet state (and has a's identity)
        let now = p.now
        // Before healing the thief reads b's next message.
        let early = try #require(try p.bSeals("read by the thief"))
        #expect(String(decoding: try stolenA.open(early, contactKey: p.k, now: now).plaintext.dropFirst(), as: UTF8.self) == "read by the thief")
        _ = try p.aOpens(early)
        // One round trip with fresh keys: a announces a new key, b uses it.
        let m = try #require(try p.aSeals("new key inside"))
        _ = try p.bOpens(m)
        let later = try #require(try p.bSeals("not for the thief"))
        #expect(later.recipientKeyID == p.ra.currentKeyID)
        #expect(try p.aOpens(later) == "not for the thief")
        #expect(throws: LoraCryptoError.self) { _ = try stolenA.open(later, contactKey: p.k, now: now) }
    }

    /// 30 % of receipts lost, messages reordered and up to a quarter of an hour late, states
    /// saved and reloaded at random: every message opens, and the pair never locks itself out.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5]) func lossReorderAndRestartsLoseNothing(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var p = try RatchetPair()
        // (frame, text, step sent) on the way to b and to a.
        var toB: [(RatchetEnvelope, String, Int)] = []
        var toA: [(RatchetEnvelope, String, Int)] = []
        var sent = 0, sentStatic = 0, opened = 0, resealed = 0
        func due(_ list: [(RatchetEnvelope, String, Int)], _ step: Int) -> Int? {
            if let late = list.firstIndex(where: { step - $0.2 >= 15 }) { return late }
            return list.isEmpty || rng.next() % 3 != 0 ? nil : Int(rng.next() % UInt64(list.count))
        }
        for step in 0..<600 {
            p.now += Double(20 + rng.next() % 60)   // a step is about a minute
            switch rng.next() % 5 {
            case 0:
                sent += 1
                if let e = try p.aSeals("a\(step)") { toB.append((e, "a\(step)", step)) } else { sentStatic += 1 }
            case 1:
                sent += 1
                if let e = try p.bSeals("b\(step)") { toA.append((e, "b\(step)", step)) } else { sentStatic += 1 }
            case 2:
                // Receipts, 30 % of them lost.
                if rng.next() % 10 >= 3 { try p.receiptToA() }
                if rng.next() % 10 >= 3 { try p.receiptToB() }
            case 3:
                p.ra = try RatchetState(stored: p.ra.encoded())
                p.rb = try RatchetState(stored: p.rb.encoded())
            default: break
            }
            // Deliveries, in any order, none later than 15 steps.
            while let i = due(toB, step) {
                let (e, text, _) = toB.remove(at: i)
                #expect(try p.deliverToB(e, text, resealed: &resealed) == text, "seed \(seed) step \(step)")
                opened += 1
                if rng.next() % 10 >= 3 { try p.receiptToA() }
            }
            while let i = due(toA, step) {
                let (e, text, _) = toA.remove(at: i)
                #expect(try p.deliverToA(e, text, resealed: &resealed) == text, "seed \(seed) step \(step)")
                opened += 1
                if rng.next() % 10 >= 3 { try p.receiptToB() }
            }
        }
        for (e, text, _) in toB { #expect(try p.deliverToB(e, text, resealed: &resealed) == text); opened += 1 }
        for (e, text, _) in toA { #expect(try p.deliverToA(e, text, resealed: &resealed) == text); opened += 1 }
        #expect(opened + sentStatic == sent && sentStatic <= 3, "sent \(sent), opened \(opened), static \(sentStatic)")
        #expect(resealed == 0, "frames of a quarter of an hour never outlive their keys")
        let bound = 2 + RatchetState.maxRetiring
        #expect(p.ra.heldOwnKeyIDs.count <= bound && p.rb.heldOwnKeyIDs.count <= bound)
    }

    /// A frame that outlives its keys (past the hour) is dropped by the receiver without an
    /// error shown; the sender's retry seals it afresh and it opens.
    @Test func aFrameLaterThanItsKeysIsSealedAgain() throws {
        var p = try RatchetPair()
        try p.receiptToA()
        let late = try #require(try p.aSeals("late"))
        _ = try p.bOpens(try #require(try p.aSeals("first")))
        for _ in 0..<3 {
            try p.receiptToA()
            _ = try p.bOpens(try #require(try p.aSeals("x")))
            _ = try p.aOpens(try #require(try p.bSeals("y")))
        }
        p.now += RatchetState.graceSeconds + 1
        try p.receiptToA()
        _ = try p.bOpens(try #require(try p.aSeals("z")))
        var resealed = 0
        #expect(throws: LoraCryptoError.self) { _ = try p.bOpens(late) }
        #expect(try p.deliverToB(late, "late", resealed: &resealed) == "late" && resealed == 1)
    }

    @Test func aLongTextUsesAKeyTheContactHoldsOrGoesStatic() throws {
        var p = try RatchetPair()
        try p.receiptToA()
        let long = String(repeating: "z", count: 150)
        #expect(try p.aSeals(long) == nil, "no room to announce a's key and b holds none")
        _ = try p.bOpens(try #require(try p.aSeals("short")))
        try p.receiptToA()
        _ = try p.aOpens(try #require(try p.bSeals("ack")))   // b uses a's key 1: a makes key 2
        let e = try #require(try p.aSeals(long))
        #expect(e.attachedKey == nil && e.senderKeyID == 1, "the key b holds, not the new one")
        #expect(try p.bOpens(e) == long)
    }

    @Test func numbersAreNeverReused() throws {
        var p = try RatchetPair()
        try p.receiptToA()
        var nonces = Set<[UInt8]>()
        for i in 0..<50 {
            let sealed = try #require(try p.ra.seal([0, UInt8(i)], from: p.a.senderID, contactKey: p.k, now: p.now))
            #expect(nonces.insert(sealed.nonce).inserted)
            #expect(sealed.envelope.number == UInt16(i))
        }
        let reloaded = try RatchetState(stored: p.ra.encoded())
        var again = reloaded
        let next = try #require(try again.seal([0], from: p.a.senderID, contactKey: p.k, now: p.now))
        #expect(next.envelope.number == 50 && !nonces.contains(next.nonce))
    }

    @Test func keyIDsWrapPast255() {
        #expect(RatchetState.following(255) == 1 && RatchetState.following(1) == 2)
        #expect(RatchetState.isNewer(1, than: 255) && !RatchetState.isNewer(255, than: 1))
        #expect(RatchetState.isNewer(5, than: 0) && !RatchetState.isNewer(0, than: 5))
        #expect(!RatchetState.isNewer(7, than: 7))
    }
}

/// The plaintext inside a 0x06 envelope: text and location, nothing else, nothing broken.
@Suite struct RatchetedContentTests {
    @Test func textAndLocationRoundTrip() throws {
        #expect(try RatchetedContent(bytes: RatchetedContent.text("Сейчас иду 🌊").bytes) == .text("Сейчас иду 🌊"))
        #expect(try RatchetedContent(bytes: [0]) == .text(""))
        let fix = try LocationFix(latitude: -33.9, longitude: 18.4, fixTime: 1_800_000_000, altitude: nil, accuracy: 7)
        #expect(try RatchetedContent(bytes: RatchetedContent.location(fix).bytes) == .location(fix))
    }

    @Test func emptyBrokenAndUnshownKindsAreRefused() throws {
        #expect(throws: LoraCryptoError.self) { try RatchetedContent(bytes: []) }
        #expect(throws: LoraCryptoError.plaintextNotUTF8) { try RatchetedContent(bytes: [0, 0xC3]) }
        let fix = try LocationFix(latitude: 1, longitude: 2, fixTime: 3, altitude: 4, accuracy: 5)
        let location = RatchetedContent.location(fix).bytes
        #expect(throws: LoraCryptoError.self) { try RatchetedContent(bytes: Array(location.dropLast())) }
        #expect(throws: LoraCryptoError.self) { try RatchetedContent(bytes: location + [0]) }
        // A chunk (kind 0x02) is not carried inside 0x06 by this build; unknown kinds neither.
        let chunk = SealedContent.chunk(try TransferChunk(transferID: 1, index: 0, count: 1, data: [1, 2, 3])).bytes
        #expect(throws: LoraCryptoError.self) { try RatchetedContent(bytes: chunk) }
        for kind: UInt8 in [0x03, 0x7F, 0xFF] {
            #expect(throws: LoraCryptoError.self) { try RatchetedContent(bytes: [kind, 1, 2, 3]) }
        }
    }
}
