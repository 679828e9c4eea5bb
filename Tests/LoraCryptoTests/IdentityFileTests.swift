import Foundation
import Testing
import TestSupport
@testable import LoraCrypto

@Suite struct IdentityFileTests {
    // Each test gets its own instance; its directory (a 0600 key among others) goes with it.
    private let temp = TempDirectory("idtest")
    var dir: String { temp.path }

    var path: String { dir + "/identity.key" }

    func mode(_ p: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int) ?? -1
    }

    @Test func savesWithMode0600AndLoadsBack() throws {
        let pair = try IdentityKeyPair.generate()
        try IdentityFile.save(pair, to: path, overwrite: false)
        #expect(try mode(path) == 0o600)
        let loaded = try IdentityFile.load(from: path)
        #expect(loaded.publicKey == pair.publicKey)
        #expect(loaded.secretKeyBytes == pair.secretKeyBytes)
        // No temp file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["identity.key"])
    }

    @Test func refusesToOverwriteUnlessAsked() throws {
        let first = try IdentityKeyPair.generate()
        try IdentityFile.save(first, to: path, overwrite: false)
        #expect(throws: IdentityFileError.alreadyExists(path: path)) {
            try IdentityFile.save(try IdentityKeyPair.generate(), to: path, overwrite: false)
        }
        #expect(try IdentityFile.load(from: path).publicKey == first.publicKey)
        let second = try IdentityKeyPair.generate()
        try IdentityFile.save(second, to: path, overwrite: true)
        #expect(try IdentityFile.load(from: path).publicKey == second.publicKey)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o666])
    func refusesFilesOthersCanRead(mode: Int) throws {
        try IdentityFile.save(try IdentityKeyPair.generate(), to: path, overwrite: false)
        chmod(path, mode_t(mode))
        #expect(throws: IdentityFileError.insecurePermissions(path: path, mode: UInt32(mode))) {
            try IdentityFile.load(from: path)
        }
        let message = IdentityFileError.insecurePermissions(path: path, mode: UInt32(mode)).description
        #expect(message.contains("chmod 600 \(path)"))
    }

    @Test func missingFileSaysRunInit() {
        #expect(throws: IdentityFileError.notFound(path: path)) { try IdentityFile.load(from: path) }
        #expect(IdentityFileError.notFound(path: path).description.contains("lora-msg init"))
    }

    func write(_ bytes: [UInt8]) throws {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
    }

    @Test func everyTruncationIsReportedAsTruncatedOrCorrupt() throws {
        let pair = try IdentityKeyPair.generate()
        let full = IdentityFile.render(pair)
        var loaded = 0
        for n in 0..<full.count {
            try write(Array(full.prefix(n)))
            do {
                // Only a cut that removes nothing but padding and newline may load, and
                // then it must be the same key: never a different one.
                let got = try IdentityFile.load(from: path)
                #expect(got.publicKey == pair.publicKey, "prefix of \(n) bytes")
                #expect(n >= full.count - 2, "prefix of \(n) bytes loaded")
                loaded += 1
            } catch IdentityFileError.truncated, IdentityFileError.corrupt {
            }
        }
        #expect(loaded == 2)
        try write(Array(full.prefix(10)))
        #expect(throws: IdentityFileError.truncated(path: path)) { try IdentityFile.load(from: path) }
    }

    @Test func corruptFilesAreRejected() throws {
        let pair = try IdentityKeyPair.generate()
        let other = try IdentityKeyPair.generate()
        let mismatched = "lora-msg identity v1\nsecret-key \(TextCodec.base64String(pair.secretKeyBytes))\npublic-key \(other.publicKey.base64)\n"
        let cases: [[UInt8]] = [
            Array(mismatched.utf8),
            Array("ssh-ed25519 AAAA...\n".utf8),
            [0xff, 0xfe, 0x00, 0x01, 0x80],
            Array("lora-msg identity v1\nsecret-key !!!notbase64!!!\npublic-key x\n".utf8),
            [UInt8](repeating: 0x41, count: 5000),
        ]
        for c in cases {
            try write(c)
            #expect(throws: IdentityFileError.self) { try IdentityFile.load(from: path) }
        }
        // Flipping a byte of the secret key is caught by the public-key check.
        var bytes = IdentityFile.render(pair)
        let at = Array("lora-msg identity v1\nsecret-key ".utf8).count + 3
        bytes[at] = bytes[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try write(bytes)
        #expect(throws: IdentityFileError.corrupt(path: path, why: "the public key does not match the secret key")) {
            try IdentityFile.load(from: path)
        }
    }

    @Test func refusesDirectoriesAndSymlinks() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(throws: IdentityFileError.self) { try IdentityFile.load(from: path) }
        try FileManager.default.removeItem(atPath: path)
        let real = dir + "/real.key"
        try IdentityFile.save(try IdentityKeyPair.generate(), to: real, overwrite: false)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: real)
        #expect(throws: IdentityFileError.self) { try IdentityFile.load(from: path) }
    }
}
