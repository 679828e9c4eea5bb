import CSodium

/// libsodium's IETF XChaCha20-Poly1305 in detached form (ciphertext and tag apart, as the
/// envelope lays them out).
enum XChaCha20Poly1305 {
    static func seal(_ plaintext: [UInt8], ad: [UInt8], nonce: [UInt8], key: [UInt8]) throws(LoraCryptoError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        try Sodium.ready()
        guard nonce.count == LoraEnvelope.nonceByteCount, key.count == ContactKey.byteCount else {
            throw .invalidKey("XChaCha20-Poly1305 needs a 24-byte nonce and a 32-byte key")
        }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: LoraEnvelope.tagByteCount)
        var tagLength: UInt64 = 0
        let rc = crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
            &ciphertext, &tag, &tagLength,
            plaintext, UInt64(plaintext.count),
            ad, UInt64(ad.count),
            nil, nonce, key)
        guard rc == 0 else { throw .libraryUnavailable }
        return (ciphertext, tag)
    }

    static func open(_ ciphertext: [UInt8], tag: [UInt8], ad: [UInt8], nonce: [UInt8], key: [UInt8]) throws(LoraCryptoError) -> [UInt8] {
        try Sodium.ready()
        guard nonce.count == LoraEnvelope.nonceByteCount, key.count == ContactKey.byteCount,
              tag.count == LoraEnvelope.tagByteCount else { throw .authenticationFailed }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count)
        let rc = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
            &plaintext, nil,
            ciphertext, UInt64(ciphertext.count),
            tag,
            ad, UInt64(ad.count),
            nonce, key)
        guard rc == 0 else { throw .authenticationFailed }
        return plaintext
    }
}
