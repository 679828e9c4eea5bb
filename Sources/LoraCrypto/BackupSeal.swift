import CSodium

/// A sealed backup file (`lora-msg backup`): whatever a home needs, under a key derived from a
/// passphrase with Argon2id (libsodium `crypto_pwhash`), in libsodium's secretstream
/// (XChaCha20-Poly1305, 64 KiB chunks, the last tagged final, so a truncated file is refused).
///
///     magic "lora-msg backup\n"(16) | version(1) | opslimit(8, BE) | memlimit(8, BE) | salt(16)
///     | secretstream header(24) | chunk × n      chunk = ciphertext of ≤ 64 KiB + 17
///
/// Every chunk is authenticated with the 49 bytes before the stream header as associated data,
/// so the version and limits cannot be changed either.
public enum BackupSeal {
    public static let magic: [UInt8] = Array("lora-msg backup\n".utf8)
    public static let version: UInt8 = 1
    static let saltBytes = Int(crypto_pwhash_SALTBYTES)
    static let headerBytes = Int(crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    static let chunkPlaintext = 65_536
    static let chunkOverhead = Int(crypto_secretstream_xchacha20poly1305_ABYTES)
    static let fixedBytes = magic.count + 1 + 8 + 8 + saltBytes   // 49: the associated data
    /// The most memory a file may ask Argon2id for: more is refused rather than risked.
    public static let maxMemoryLimit: UInt64 = 1 << 30

    /// Argon2id's cost. `standard` is libsodium's MODERATE (3 passes over 256 MiB, under a
    /// second on a laptop, a few seconds on a Raspberry Pi 4): a backup is made rarely and an
    /// attacker with the file may guess offline for as long as they like, so each guess should
    /// cost. `minimum` exists for tests.
    public struct Limits: Equatable, Sendable {
        public var operations: UInt64
        public var memory: UInt64
        public init(operations: UInt64, memory: UInt64) { self.operations = operations; self.memory = memory }
        public static let standard = Limits(operations: UInt64(crypto_pwhash_OPSLIMIT_MODERATE), memory: UInt64(crypto_pwhash_MEMLIMIT_MODERATE))
        public static let minimum = Limits(operations: UInt64(crypto_pwhash_OPSLIMIT_MIN), memory: UInt64(crypto_pwhash_MEMLIMIT_MIN))
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case notABackup
        case newerVersion(UInt8)
        case truncated
        /// Wrong passphrase, or a byte of the file changed: the two look the same.
        case wrongPassphraseOrAltered
        case unreasonableLimits(String)
        case library

        public var description: String {
            switch self {
            case .notABackup: return "not a lora-msg backup"
            case .newerVersion(let v): return "a backup of format \(v), newer than this lora-msg reads (1); upgrade lora-msg to restore it"
            case .truncated: return "the backup is cut short (copied in part?)"
            case .wrongPassphraseOrAltered: return "wrong passphrase, or the backup was altered"
            case .unreasonableLimits(let why): return "the backup asks for an unreasonable key derivation (\(why))"
            case .library: return "libsodium failed"
            }
        }
    }

    public static func seal(_ plaintext: [UInt8], passphrase: [UInt8], limits: Limits = .standard) throws(Failure) -> [UInt8] {
        guard sodium_init() >= 0 else { throw .library }
        let salt = Sodium.randomBytes(saltBytes)
        var fixed = magic + [version]
        fixed += bigEndian(limits.operations) + bigEndian(limits.memory) + salt
        var key = try derive(passphrase: passphrase, salt: salt, limits: limits)
        defer { Sodium.wipe(&key) }
        var state = crypto_secretstream_xchacha20poly1305_state()
        var header = [UInt8](repeating: 0, count: headerBytes)
        guard crypto_secretstream_xchacha20poly1305_init_push(&state, &header, key) == 0 else { throw .library }
        var out = fixed + header
        var offset = 0
        repeat {
            let end = min(plaintext.count, offset + chunkPlaintext)
            let piece = Array(plaintext[offset..<end])
            let last = end == plaintext.count
            var cipher = [UInt8](repeating: 0, count: piece.count + chunkOverhead)
            let tag = UInt8(last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
            guard crypto_secretstream_xchacha20poly1305_push(&state, &cipher, nil, piece, UInt64(piece.count), fixed, UInt64(fixed.count), tag) == 0
            else { throw .library }
            out += cipher
            offset = end
        } while offset < plaintext.count
        return out
    }

    public static func open(_ file: [UInt8], passphrase: [UInt8]) throws(Failure) -> [UInt8] {
        guard sodium_init() >= 0 else { throw .library }
        guard file.count >= magic.count, Array(file[0..<magic.count]) == magic else { throw .notABackup }
        guard file.count > magic.count else { throw .truncated }
        let v = file[magic.count]
        guard v <= version else { throw .newerVersion(v) }
        guard v == version else { throw .notABackup }
        guard file.count >= fixedBytes + headerBytes + chunkOverhead else { throw .truncated }
        let fixed = Array(file[0..<fixedBytes])
        let ops = number(file[(magic.count + 1)..<(magic.count + 9)])
        let memory = number(file[(magic.count + 9)..<(magic.count + 17)])
        guard ops >= UInt64(crypto_pwhash_OPSLIMIT_MIN), ops <= 64 else { throw .unreasonableLimits("\(ops) passes") }
        guard memory >= UInt64(crypto_pwhash_MEMLIMIT_MIN), memory <= maxMemoryLimit else {
            throw .unreasonableLimits("\(memory / (1 << 20)) MiB of memory")
        }
        let salt = Array(file[(magic.count + 17)..<fixedBytes])
        var key = try derive(passphrase: passphrase, salt: salt, limits: Limits(operations: ops, memory: memory))
        defer { Sodium.wipe(&key) }
        var state = crypto_secretstream_xchacha20poly1305_state()
        let header = Array(file[fixedBytes..<(fixedBytes + headerBytes)])
        guard crypto_secretstream_xchacha20poly1305_init_pull(&state, header, key) == 0 else { throw .wrongPassphraseOrAltered }
        var plaintext: [UInt8] = []
        var offset = fixedBytes + headerBytes
        var finished = false
        while offset < file.count {
            guard !finished else { throw .wrongPassphraseOrAltered }   // bytes after the final chunk
            let end = min(file.count, offset + chunkPlaintext + chunkOverhead)
            let cipher = Array(file[offset..<end])
            guard cipher.count >= chunkOverhead else { throw .truncated }
            var piece = [UInt8](repeating: 0, count: cipher.count - chunkOverhead)
            var tag: UInt8 = 0
            guard crypto_secretstream_xchacha20poly1305_pull(&state, &piece, nil, &tag, cipher, UInt64(cipher.count), fixed, UInt64(fixed.count)) == 0 else {
                // The first chunk failing is a wrong passphrase or an altered file; a later one
                // cut short is a truncated file.
                throw offset > fixedBytes + headerBytes && end == file.count && cipher.count < chunkPlaintext + chunkOverhead
                    ? .truncated : .wrongPassphraseOrAltered
            }
            plaintext += piece
            finished = tag == UInt8(crypto_secretstream_xchacha20poly1305_TAG_FINAL)
            offset = end
        }
        guard finished else { throw .truncated }
        return plaintext
    }

    private static func derive(passphrase: [UInt8], salt: [UInt8], limits: Limits) throws(Failure) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: Int(crypto_secretstream_xchacha20poly1305_KEYBYTES))
        // An empty passphrase still needs a pointer to hand over.
        let bytes = passphrase.isEmpty ? [0] : passphrase
        let rc = bytes.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                crypto_pwhash(&key, UInt64(key.count), chars, UInt64(passphrase.count), salt,
                              limits.operations, Int(limits.memory), crypto_pwhash_ALG_ARGON2ID13)
            }
        }
        guard rc == 0 else { throw .library }   // out of memory for the limits asked
        return key
    }

    /// Zeroes a plaintext once it is no longer needed.
    public static func wipe(_ bytes: inout [UInt8]) { Sodium.wipe(&bytes) }

    private static func bigEndian(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }
    private static func number(_ b: ArraySlice<UInt8>) -> UInt64 { b.reduce(0) { $0 << 8 | UInt64($1) } }
}
