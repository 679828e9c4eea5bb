import CSodium

/// HKDF with HMAC-SHA-256 (RFC 5869). Debian's libsodium 1.0.18 predates
/// `crypto_kdf_hkdf_sha256_*`, so this is built on its HMAC-SHA-256, which accepts keys of
/// any length (an empty salt is HMAC's zero-padded key, the same as RFC 5869's HashLen zeros).
public enum HKDF {
    public static let hashLength = 32

    public static func extract(salt: [UInt8]?, ikm: [UInt8]) -> [UInt8] {
        hmac(key: salt ?? [UInt8](repeating: 0, count: hashLength), [ikm])
    }

    /// - Precondition for callers: `length <= 255 * 32`; longer requests throw.
    public static func expand(prk: [UInt8], info: [UInt8], length: Int) throws(LoraCryptoError) -> [UInt8] {
        guard length >= 0, length <= 255 * hashLength else {
            throw .invalidKey("HKDF output length \(length) is outside 0...\(255 * hashLength)")
        }
        var okm: [UInt8] = []
        okm.reserveCapacity(length)
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while okm.count < length {
            previous = hmac(key: prk, [previous, info, [counter]])
            okm.append(contentsOf: previous.prefix(length - okm.count))
            counter &+= 1
        }
        return okm
    }

    public static func deriveKey(ikm: [UInt8], salt: [UInt8]? = nil, info: [UInt8], length: Int) throws(LoraCryptoError) -> [UInt8] {
        var prk = extract(salt: salt, ikm: ikm)
        defer { Sodium.wipe(&prk) }
        return try expand(prk: prk, info: info, length: length)
    }

    static func hmac(key: [UInt8], _ parts: [[UInt8]]) -> [UInt8] {
        var state = crypto_auth_hmacsha256_state()
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        _ = crypto_auth_hmacsha256_init(&state, key, key.count)
        for part in parts {
            _ = crypto_auth_hmacsha256_update(&state, part, UInt64(part.count))
        }
        _ = crypto_auth_hmacsha256_final(&state, &out)
        return out
    }
}
