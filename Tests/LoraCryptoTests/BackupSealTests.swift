import Testing
@testable import LoraCrypto

/// The backup file's seal: Argon2id and secretstream, and every way a file can be wrong.
@Suite struct BackupSealTests {
    let secret = Array("correct horse battery".utf8)
    let plain: [UInt8] = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }   // three chunks

    @Test func roundTripsAcrossChunks() throws {
        let file = try BackupSeal.seal(plain, passphrase: secret, limits: .minimum)
        #expect(file.starts(with: Array("lora-msg backup\n".utf8)) && file[16] == 1)
        #expect(file.count == 49 + 24 + plain.count + 3 * 17)
        #expect(try BackupSeal.open(file, passphrase: secret) == plain)
        // An empty plaintext is one final chunk.
        #expect(try BackupSeal.open(BackupSeal.seal([], passphrase: secret, limits: .minimum), passphrase: secret).isEmpty)
    }

    @Test func theSameInputSealsDifferentlyEachTime() throws {
        let a = try BackupSeal.seal(plain, passphrase: secret, limits: .minimum)
        let b = try BackupSeal.seal(plain, passphrase: secret, limits: .minimum)
        #expect(a != b, "a fresh salt and stream header each time")
    }

    @Test func aWrongPassphraseIsRefused() throws {
        let file = try BackupSeal.seal(plain, passphrase: secret, limits: .minimum)
        #expect(throws: BackupSeal.Failure.wrongPassphraseOrAltered) { try BackupSeal.open(file, passphrase: Array("correct horse battery!".utf8)) }
        #expect(throws: BackupSeal.Failure.wrongPassphraseOrAltered) { try BackupSeal.open(file, passphrase: []) }
    }

    /// A multi-chunk file cut at a chunk boundary (every chunk authentic, no final one) or
    /// inside a later chunk is truncated, not a wrong passphrase.
    @Test func aCutAtOrAfterAChunkIsTruncated() throws {
        let file = try BackupSeal.seal(plain, passphrase: secret, limits: .minimum)
        #expect(throws: BackupSeal.Failure.truncated) { try BackupSeal.open(Array(file.prefix(73 + 65_536 + 17)), passphrase: secret) }
        #expect(throws: BackupSeal.Failure.truncated) { try BackupSeal.open(Array(file.prefix(file.count - 1)), passphrase: secret) }
        #expect(throws: BackupSeal.Failure.notABackup) { try BackupSeal.open([], passphrase: secret) }
    }

    /// Every truncation length of a small backup is refused, as truncated or not a backup.
    @Test func everyLengthShortOfTheWholeIsRefused() throws {
        let small = try BackupSeal.seal(Array("a small home".utf8), passphrase: secret, limits: .minimum)
        for n in 0..<small.count {
            #expect(throws: BackupSeal.Failure.self, "length \(n)") { try BackupSeal.open(Array(small.prefix(n)), passphrase: secret) }
        }
        #expect(try BackupSeal.open(small, passphrase: secret) == Array("a small home".utf8))
    }

    /// A byte changed anywhere (the limits and salt included) is found; so are bytes appended.
    @Test func anyAlteredByteIsRefused() throws {
        let small = try BackupSeal.seal(Array(plain.prefix(300)), passphrase: secret, limits: .minimum)
        for i in 0..<small.count {
            for bit in 0..<8 {
                var bad = small
                bad[i] ^= UInt8(1 << bit)
                #expect(throws: BackupSeal.Failure.self, "byte \(i) bit \(bit)") { try BackupSeal.open(bad, passphrase: secret) }
            }
        }
        #expect(throws: BackupSeal.Failure.self) { try BackupSeal.open(small + [0], passphrase: secret) }
    }

    @Test func garbageNewerVersionsAndAbsurdLimitsAreRefused() throws {
        var rng = SystemRandomNumberGenerator()
        #expect(throws: BackupSeal.Failure.notABackup) { try BackupSeal.open((0..<500).map { _ in UInt8.random(in: 0...255, using: &rng) }, passphrase: secret) }
        #expect(throws: BackupSeal.Failure.notABackup) { try BackupSeal.open(Array("SQLite format 3\u{0}".utf8) + [UInt8](repeating: 0, count: 100), passphrase: secret) }
        var newer = try BackupSeal.seal(plain, passphrase: secret, limits: .minimum)
        newer[16] = 2
        #expect(throws: BackupSeal.Failure.newerVersion(2)) { try BackupSeal.open(newer, passphrase: secret) }
        // Asking Argon2id for 512 GiB is refused before it runs.
        var greedy = try BackupSeal.seal(plain, passphrase: secret, limits: .minimum)
        for i in 25..<33 { greedy[i] = 0 }
        greedy[28] = 0x80
        #expect(throws: BackupSeal.Failure.self) { try BackupSeal.open(greedy, passphrase: secret) }
        do { _ = try BackupSeal.open(greedy, passphrase: secret); Issue.record("opened") } catch {
            #expect(error.description.contains("MiB"), "\(error)")
        }
    }
}
