import CSodium

/// libsodium must be initialised once before use; `sodium_init` is idempotent and
/// thread-safe, so every entry point calls `Sodium.ready()` and pays one branch.
enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    static func ready() throws(LoraCryptoError) {
        guard initialised else { throw .libraryUnavailable }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        randombytes_buf(&out, count)
        return out
    }

    static func isZero(_ bytes: [UInt8]) -> Bool {
        sodium_is_zero(bytes, bytes.count) == 1
    }

    /// Constant-time comparison, for anything derived from secrets.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return sodium_memcmp(a, b, a.count) == 0
    }

    static func sha256(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        _ = crypto_hash_sha256(&out, input, UInt64(input.count))
        return out
    }

    /// Best-effort wipe of a secret held in a Swift array we own.
    static func wipe(_ bytes: inout [UInt8]) {
        let n = bytes.count
        sodium_memzero(&bytes, n)
    }
}

extension Sodium {
    static func sha512(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha512_BYTES))
        _ = crypto_hash_sha512(&out, input, UInt64(input.count))
        return out
    }
}
