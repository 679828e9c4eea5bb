import Testing
@testable @_spi(KnownAnswer) import LoraCrypto

/// Published vectors: if any of these fail, our primitives are not the ones the protocol names.
@Suite struct KnownAnswerTests {
    // RFC 7748 §6.1
    let alicePrivate = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    let alicePublic = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    let bobPrivate = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    let bobPublic = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    let shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")

    @Test func x25519RFC7748() throws {
        let alice = try IdentityKeyPair(secretKey: alicePrivate)
        let bob = try IdentityKeyPair(secretKey: bobPrivate)
        #expect(alice.publicKey.bytes == alicePublic)
        #expect(bob.publicKey.bytes == bobPublic)
        #expect(try alice.diffieHellman(with: bob.publicKey) == shared)
        #expect(try bob.diffieHellman(with: alice.publicKey) == shared)
    }

    struct HKDFCase: Sendable { let ikm, salt, info: [UInt8]; let length: Int; let prk, okm: [UInt8] }

    static let rfc5869: [HKDFCase] = [
        HKDFCase(ikm: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c), info: Array(0xf0...0xf9), length: 42,
                 prk: hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"),
                 okm: hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")),
        HKDFCase(ikm: Array(0x00...0x4f), salt: Array(0x60...0xaf), info: Array(0xb0...0xff), length: 82,
                 prk: hex("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244"),
                 okm: hex("""
                 b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09\
                 da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87
                 """)),
        HKDFCase(ikm: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [], length: 42,
                 prk: hex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"),
                 okm: hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")),
    ]

    @Test(arguments: rfc5869.indices) func hkdfRFC5869(caseIndex: Int) throws {
        let c = Self.rfc5869[caseIndex]
        let prk = HKDF.extract(salt: c.salt, ikm: c.ikm)
        #expect(prk == c.prk)
        #expect(try HKDF.expand(prk: prk, info: c.info, length: c.length) == c.okm)
    }

    @Test func hkdfAbsentSaltEqualsZeroSalt() throws {
        let ikm = Array("input".utf8)
        #expect(HKDF.extract(salt: nil, ikm: ikm) == HKDF.extract(salt: [UInt8](repeating: 0, count: 32), ikm: ikm))
        #expect(HKDF.extract(salt: nil, ikm: ikm) == HKDF.extract(salt: [], ikm: ikm))
    }

    @Test func hkdfRejectsOverlongOutput() {
        #expect(throws: LoraCryptoError.self) { try HKDF.expand(prk: [UInt8](repeating: 1, count: 32), info: [], length: 255 * 32 + 1) }
    }

    // draft-irtf-cfrg-xchacha-03 §A.3.1
    @Test func xchacha20Poly1305Draft() throws {
        let plaintext = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        let ad = hex("50515253c0c1c2c3c4c5c6c7")
        let key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
        let nonce = hex("404142434445464748494a4b4c4d4e4f5051525354555657")
        let expectedCiphertext = hex("""
        bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452\
        2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e
        """)
        let expectedTag = hex("c0875924c1c7987947deafd8780acf49")
        let (ct, tag) = try XChaCha20Poly1305.seal(plaintext, ad: ad, nonce: nonce, key: key)
        #expect(ct == expectedCiphertext)
        #expect(tag == expectedTag)
        #expect(try XChaCha20Poly1305.open(ct, tag: tag, ad: ad, nonce: nonce, key: key) == plaintext)
    }

    @Test func senderIDIsSHA256Prefix() throws {
        // SHA-256 of RFC 7748 Alice's public key, first 8 bytes (checked with hashlib).
        let id = try PublicKey(bytes: alicePublic).senderID
        #expect(id.hex == "300c9c9603b92a4b")
        #expect(id.bytes.count == 8)
    }

    /// Envelopes produced by Python's `cryptography` + PyNaCl (Scripts/gen-crypto-vectors.py).
    @Test func envelopesMatchIndependentImplementation() throws {
        let vectors = try loadEnvelopeVectors()
        #expect(vectors.count >= 4)
        for v in vectors {
            let sender = try IdentityKeyPair(secretKey: hex(v.sender_secret))
            let recipient = try IdentityKeyPair(secretKey: hex(v.recipient_secret))
            #expect(sender.publicKey.bytes == hex(v.sender_public), "\(v.name)")
            #expect(try sender.diffieHellman(with: recipient.publicKey) == hex(v.shared_secret), "\(v.name)")
            let key = try ContactKey(own: sender, peer: recipient.publicKey)
            #expect(key.bytes == hex(v.contact_key), "\(v.name)")
            #expect(sender.senderID.hex == v.sender_id, "\(v.name)")
            let sealed = try LoraEnvelope.seal(bytes: Array(v.plaintext_utf8.utf8), from: sender.senderID, with: key, nonce: hex(v.nonce))
            #expect(hexString(sealed.bytes) == v.envelope, "\(v.name)")
            // And the recipient opens the independent bytes with its own derivation.
            let theirs = try LoraEnvelope(bytes: hex(v.envelope))
            let recipientKey = try ContactKey(own: recipient, peer: sender.publicKey)
            #expect(try theirs.openText(with: recipientKey) == v.plaintext_utf8, "\(v.name)")
        }
    }
}
