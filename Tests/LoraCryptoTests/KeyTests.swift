import Testing
import LoraCrypto

@Suite struct KeyTests {
    let sample = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")

    @Test func textFormsAllParse() throws {
        let key = try PublicKey(bytes: sample)
        #expect(key.base64 == "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=")
        #expect(key.base64.utf8.count == 44)
        for text in [
            key.base64,
            "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo",          // no padding
            "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo=",         // base64url
            "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo",          // base64url, no padding
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
            "8520F0098930A754748B7DDCB43EF75A0DBF3A0D26381AF4EBA4A98EAA9B4E6A",
            "  \(key.base64)\n",                                   // pasted with whitespace
        ] {
            #expect(try PublicKey(text: text) == key, "\(text)")
        }
    }

    @Test(arguments: [
        "", "   ", "abc", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm",       // one char short
        "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=A",                         // trailing junk
        "hSDwCYkwp1R0i33ctD73Wg2/Og0m OBr066SpjqqbTmo=",                         // inner space
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6",      // 63 hex
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a00",   // 33 bytes hex
        "zz20f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB",     // 48 bytes of base64
        "🔑🔑🔑", String(repeating: "A", count: 10_000),
    ])
    func badKeyTextsAreRejected(text: String) {
        #expect(throws: LoraCryptoError.self) { try PublicKey(text: text) }
    }

    @Test func wrongLengthsAreRejected() {
        #expect(throws: LoraCryptoError.self) { try PublicKey(bytes: [UInt8](repeating: 9, count: 31)) }
        #expect(throws: LoraCryptoError.self) { try PublicKey(bytes: [UInt8](repeating: 9, count: 33)) }
        #expect(throws: LoraCryptoError.self) { try IdentityKeyPair(secretKey: [UInt8](repeating: 9, count: 16)) }
        #expect(throws: LoraCryptoError.self) { try ContactKey(bytes: []) }
        #expect(throws: LoraCryptoError.self) { try SenderID(hex: "0011") }
    }

    /// Low-order points give an all-zero DH output; that must be an error, never a key.
    @Test(arguments: [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ])
    func lowOrderPeerKeysGiveNoSecret(pointHex: String) throws {
        let me = try IdentityKeyPair.generate()
        let peer = try PublicKey(bytes: hex(pointHex))
        #expect(throws: LoraCryptoError.weakSharedSecret) { try ContactKey(own: me, peer: peer) }
    }
}
