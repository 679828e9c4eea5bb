import Testing
@_spi(KnownAnswer) import LoraCrypto

@Suite struct LoraEnvelopeTests {
    let alice: IdentityKeyPair
    let bob: IdentityKeyPair
    let aliceKey: ContactKey   // Alice's derivation for Bob
    let bobKey: ContactKey     // Bob's derivation for Alice

    init() throws {
        alice = try IdentityKeyPair.generate()
        bob = try IdentityKeyPair.generate()
        aliceKey = try ContactKey(own: alice, peer: bob.publicKey)
        bobKey = try ContactKey(own: bob, peer: alice.publicKey)
    }

    @Test func layoutIsSpecExact() {
        #expect(LoraEnvelope.overhead == 49)
        #expect(LoraEnvelope.maxPlaintextBytes == 151)
        #expect(LoraEnvelope.maxTotalBytes == 200)
    }

    @Test func roundTripIsByteIdentical() throws {
        let sealed = try LoraEnvelope.seal("meet at the ford", from: alice.senderID, with: aliceKey)
        let wire = sealed.bytes
        let parsed = try LoraEnvelope(bytes: wire)
        #expect(parsed == sealed)
        #expect(parsed.bytes == wire)
        #expect(wire[0] == 0x01)
        #expect(Array(wire[1..<9]) == alice.senderID.bytes)
        #expect(wire.count == 49 + 16)
        #expect(try parsed.openText(with: bobKey) == "meet at the ford")
    }

    @Test func contactKeyIsSymmetric() {
        #expect(aliceKey.matches(bobKey))
        let carol = try! IdentityKeyPair.generate()
        #expect(!(try! ContactKey(own: alice, peer: carol.publicKey)).matches(aliceKey))
    }

    @Test func freshNonceEveryTime() throws {
        let a = try LoraEnvelope.seal("same", from: alice.senderID, with: aliceKey)
        let b = try LoraEnvelope.seal("same", from: alice.senderID, with: aliceKey)
        #expect(a.nonce != b.nonce)
        #expect(a.ciphertext != b.ciphertext)
    }

    @Test func hundredCharacterMessageFitsInTwoHundredBytes() throws {
        let text = String(repeating: "abcdefghij", count: 10)
        #expect(text.count == 100)
        let env = try LoraEnvelope.seal(text, from: alice.senderID, with: aliceKey)
        #expect(env.bytes.count <= 200)
        #expect(env.bytes.count == 149)
    }

    @Test func limitIsInBytes() throws {
        let fits = String(repeating: "a", count: 151)
        let env = try LoraEnvelope.seal(fits, from: alice.senderID, with: aliceKey)
        #expect(env.bytes.count == 200)
        #expect(throws: LoraCryptoError.messageTooLong(bytes: 152, limit: 151)) {
            try LoraEnvelope.seal(fits + "a", from: alice.senderID, with: aliceKey)
        }
        // 51 characters of 3-byte UTF-8 are 153 bytes: too long, though far under 151 characters.
        let wide = String(repeating: "谷", count: 51)
        #expect(wide.count == 51)
        #expect(throws: LoraCryptoError.messageTooLong(bytes: 153, limit: 151)) {
            try LoraEnvelope.seal(wide, from: alice.senderID, with: aliceKey)
        }
        // Emoji: 4 bytes each; 37 fit (148 bytes), 38 do not (152).
        _ = try LoraEnvelope.seal(String(repeating: "🌄", count: 37), from: alice.senderID, with: aliceKey)
        #expect(throws: LoraCryptoError.messageTooLong(bytes: 152, limit: 151)) {
            try LoraEnvelope.seal(String(repeating: "🌄", count: 38), from: alice.senderID, with: aliceKey)
        }
    }

    /// Every single-bit flip anywhere — version, sender id, nonce, ciphertext, tag — must be
    /// rejected, never opened to plaintext.
    @Test func everyBitFlipIsRejected() throws {
        let env = try LoraEnvelope.seal("the bridge is out", from: alice.senderID, with: aliceKey)
        let wire = env.bytes
        var rejected = 0
        for byte in wire.indices {
            for bit in 0..<8 {
                var tampered = wire
                tampered[byte] ^= 1 << bit
                do {
                    let parsed = try LoraEnvelope(bytes: tampered)
                    _ = try parsed.open(with: bobKey)
                    Issue.record("bit \(bit) of byte \(byte) flipped and still opened")
                } catch LoraCryptoError.authenticationFailed, LoraCryptoError.malformedEnvelope {
                    rejected += 1
                }
            }
        }
        #expect(rejected == wire.count * 8)
    }

    @Test func wrongKeyFailsAuthentication() throws {
        let env = try LoraEnvelope.seal("hello", from: alice.senderID, with: aliceKey)
        let eve = try IdentityKeyPair.generate()
        let eveKey = try ContactKey(own: eve, peer: alice.publicKey)
        #expect(throws: LoraCryptoError.authenticationFailed) { try env.open(with: eveKey) }
    }

    @Test func relabelledSenderFailsAuthentication() throws {
        // Same key, header claims another sender: the header is associated data, so the tag fails.
        let env = try LoraEnvelope.seal("hello", from: alice.senderID, with: aliceKey)
        var wire = env.bytes
        wire.replaceSubrange(1..<9, with: bob.senderID.bytes)
        #expect(throws: LoraCryptoError.authenticationFailed) { try LoraEnvelope(bytes: wire).open(with: bobKey) }
    }

    @Test func truncatedOversizedAndGarbageEnvelopes() throws {
        let wire = try LoraEnvelope.seal("x", from: alice.senderID, with: aliceKey).bytes
        for n in 0..<49 {
            #expect(throws: LoraCryptoError.malformedEnvelope(.tooShort(bytes: n, minimum: 49))) {
                try LoraEnvelope(bytes: wire.prefix(n))
            }
        }
        // A truncation that is still ≥ 49 bytes parses but fails authentication.
        #expect(throws: LoraCryptoError.authenticationFailed) {
            try LoraEnvelope(bytes: wire.prefix(wire.count - 1)).open(with: bobKey)
        }
        #expect(throws: LoraCryptoError.malformedEnvelope(.tooLong(bytes: 201, maximum: 200))) {
            try LoraEnvelope(bytes: [UInt8](repeating: 1, count: 201))
        }
        #expect(throws: LoraCryptoError.malformedEnvelope(.tooLong(bytes: 65_536, maximum: 200))) {
            try LoraEnvelope(bytes: [UInt8](repeating: 1, count: 65_536))
        }
        var v3 = wire; v3[0] = 0x03
        #expect(throws: LoraCryptoError.malformedEnvelope(.unsupportedVersion(3))) { try LoraEnvelope(bytes: v3) }
        // Version 2 parses (a sealed kind) but its tag, over the version byte, fails.
        var v2 = wire; v2[0] = 0x02
        #expect(throws: LoraCryptoError.authenticationFailed) { try LoraEnvelope(bytes: v2).open(with: bobKey) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let n = Int.random(in: 49...200, using: &rng)
            var garbage = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            garbage[0] = 0x01
            #expect(throws: LoraCryptoError.authenticationFailed) { try LoraEnvelope(bytes: garbage).open(with: bobKey) }
        }
    }

    @Test func keyringResolvesKnownSendersOnly() throws {
        var bobsRing = ContactKeyring(identity: bob)
        let id = try bobsRing.add(alice.publicKey)
        #expect(id == alice.senderID)
        #expect(try #require(bobsRing.key(for: alice.senderID)).matches(aliceKey))
        let stranger = try IdentityKeyPair.generate()
        #expect(bobsRing.key(for: stranger.senderID) == nil)
        let fromStranger = try LoraEnvelope.seal("hi", from: stranger.senderID,
                                                 with: try ContactKey(own: stranger, peer: bob.publicKey))
        #expect(try bobsRing.open(fromStranger) == nil)
        let fromAlice = try LoraEnvelope.seal("hi bob", from: alice.senderID, with: aliceKey)
        #expect(try bobsRing.open(fromAlice) == "hi bob")
        #expect(throws: LoraCryptoError.self) { try bobsRing.add(bob.publicKey) }
    }

    @Test func nonUTF8PlaintextIsReportedNotShown() throws {
        let env = try LoraEnvelope.seal(bytes: [0xff, 0xfe, 0x41], from: alice.senderID, with: aliceKey,
                                        nonce: [UInt8](repeating: 7, count: 24))
        #expect(try env.open(with: bobKey) == [0xff, 0xfe, 0x41])
        #expect(throws: LoraCryptoError.plaintextNotUTF8) { try env.openText(with: bobKey) }
    }
}
