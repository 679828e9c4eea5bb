import Foundation
import Glibc
import LoraCrypto
import MessageStore

/// Moving house (`lora-msg backup`, `lora-msg restore`): a home's identity and database in one
/// file sealed under a passphrase (`BackupSeal`), and back onto a new machine.
///
/// Inside the seal: `"lora-msg home\n"` then, per file, name length (1) ‖ name ‖ length (8, BE)
/// ‖ bytes, for `identity.key` and `messages.sqlite`.
public struct HomeBackup: Sendable {
    static let tag = Array("lora-msg home\n".utf8)
    static let identityName = Messenger.identityFileName
    static let databaseName = Messenger.databaseFileName

    public struct Summary: Sendable, Equatable {
        public var contacts: Int
        public var messages: Int
        public var bytes: Int
        /// Where the identity the restore replaced was kept (`--force`).
        public var replacedIdentity: String?
    }

    static func bundle(_ files: [(String, [UInt8])]) -> [UInt8] {
        var out = tag
        for (name, bytes) in files {
            out += [UInt8(name.utf8.count)] + Array(name.utf8)
            out += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bytes.count) >> (56 - 8 * UInt64($0))) } + bytes
        }
        return out
    }

    /// The files in a bundle; nil when it is not one (a sealed file of something else).
    static func unbundle(_ b: [UInt8]) -> [String: [UInt8]]? {
        guard b.starts(with: tag) else { return nil }
        var files: [String: [UInt8]] = [:]
        var i = tag.count
        while i < b.count {
            let n = Int(b[i]); i += 1
            guard i + n + 8 <= b.count, let name = String(bytes: b[i..<(i + n)], encoding: .utf8) else { return nil }
            i += n
            let length = b[i..<(i + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }; i += 8
            guard length <= UInt64(b.count - i) else { return nil }
            files[name] = Array(b[i..<(i + Int(length))]); i += Int(length)
        }
        return files
    }
}

extension Messenger {
    /// Writes this home to `path`, sealed under `passphrase`: identity, contacts (with their
    /// verification), settings, ratchets, the outbox and, with `history`, every message. The
    /// file is written 0600 and atomically (a half-written backup never replaces a good one).
    public func backup(to path: String, passphrase: [UInt8], history: Bool,
                       limits: BackupSeal.Limits = .standard) throws(MessengerError) -> HomeBackup.Summary {
        guard passphrase.count >= 8 else { throw .usage(reason: "the passphrase must be at least 8 characters") }
        let identityBytes: [UInt8]
        do { identityBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: identityPath))) } catch {
            throw .cannotCreate(reason: "cannot read \(identityPath): \(error.localizedDescription)")
        }
        let snapshot = home + "/.backup-snapshot-\(getpid()).sqlite"
        unlink(snapshot)
        defer { unlink(snapshot) }
        try stored(try store.writeSnapshot(to: snapshot, history: history))
        let counts: (contacts: Int, messages: Int)
        do {
            let copy = try MessageStore(path: snapshot)
            counts = try copy.counts()
        } catch { throw .store(error) }
        let databaseBytes: [UInt8]
        do { databaseBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: snapshot))) } catch {
            throw .cannotCreate(reason: "cannot read the database snapshot: \(error.localizedDescription)")
        }
        var plain = HomeBackup.bundle([(HomeBackup.identityName, identityBytes), (HomeBackup.databaseName, databaseBytes)])
        defer { BackupSeal.wipe(&plain) }
        let sealed: [UInt8]
        do { sealed = try BackupSeal.seal(plain, passphrase: passphrase, limits: limits) } catch { throw .backup(path, error) }
        try Self.writePrivately(sealed, to: path)
        return HomeBackup.Summary(contacts: counts.contacts, messages: counts.messages, bytes: sealed.count, replacedIdentity: nil)
    }

    /// Writes `bytes` to `path` through a 0600 temporary file beside it, then renames it over.
    static func writePrivately(_ bytes: [UInt8], to path: String) throws(MessengerError) {
        let temporary = path + ".partial-\(getpid())"
        try createPrivately(bytes, at: temporary, naming: path)
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotCreate(reason: "cannot write \(path): \(why)")
        }
    }

    /// Creates `path` (which must not exist) 0600 with `bytes`, flushed to the disk; nothing is
    /// left behind on failure. `naming`: the path errors speak of.
    static func createPrivately(_ bytes: [UInt8], at path: String, naming: String? = nil) throws(MessengerError) {
        let shown = naming ?? path
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw .cannotCreate(reason: "\(shown) exists; choose another name (nothing is overwritten)") }
            throw .cannotCreate(reason: "cannot write \(shown): \(String(cString: strerror(errno)))")
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let why = String(cString: strerror(errno))
                Glibc.close(fd); unlink(path)
                throw .cannotCreate(reason: "cannot write \(shown): \(why)")
            }
            written += n
        }
        guard fsync(fd) == 0, Glibc.close(fd) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(path)
            throw .cannotCreate(reason: "cannot write \(shown): \(why)")
        }
    }

    /// Restores a backup into `home`. A home with an identity is refused unless `force`, and
    /// then its identity and database are kept beside it (`.before-restore-TIME`). Everything
    /// is checked before anything is written: a wrong passphrase, a truncated, altered or
    /// garbage file, or a newer format changes nothing. The restored database is a new file,
    /// so the home starts fresh ratchet keys before it seals (`guardAgainstCopy`).
    public static func restore(from path: String, into home: String, passphrase: [UInt8], force: Bool,
                               clock: MessengerClock = .wall) throws(MessengerError) -> HomeBackup.Summary {
        let file: [UInt8]
        do { file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw .noSuchRequest(reason: "cannot read \(path): \(error.localizedDescription)")
        }
        var plain: [UInt8]
        do { plain = try BackupSeal.open(file, passphrase: passphrase) } catch { throw .backup(path, error) }
        defer { BackupSeal.wipe(&plain) }
        guard let files = HomeBackup.unbundle(plain), let identityBytes = files[HomeBackup.identityName],
              let databaseBytes = files[HomeBackup.databaseName], databaseBytes.starts(with: Array("SQLite format 3\u{0}".utf8))
        else { throw .backup(path, .notABackup) }
        let identity = home + "/" + identityFileName, database = home + "/" + databaseFileName
        let fm = FileManager.default
        var replaced: String?
        if fm.fileExists(atPath: identity) {
            guard force else {
                throw .cannotCreate(reason: "\(home) already has an identity; restore into an empty home (--home DIR), or give --force to replace it (the old one is kept beside it)")
            }
        }
        try Home.create(home)
        if fm.fileExists(atPath: identity) || fm.fileExists(atPath: database) {
            let stamp = Int(clock.now)
            for name in [identityFileName, databaseFileName, databaseFileName + "-wal", databaseFileName + "-shm"]
            where fm.fileExists(atPath: home + "/" + name) {
                let kept = home + "/" + name + ".before-restore-\(stamp)"
                guard rename(home + "/" + name, kept) == 0 else { throw .cannotCreate(reason: "cannot move \(name) aside: \(String(cString: strerror(errno)))") }
                if name == identityFileName { replaced = kept }
            }
        }
        try writePrivately(databaseBytes, to: database)
        try writePrivately(identityBytes, to: identity)
        // Opening migrates an older backup's database, and notices it is a new file.
        let messenger = try Messenger(home: home, clock: clock)
        let counts: (contacts: Int, messages: Int)
        do { counts = try messenger.store.counts() } catch { throw .store(error) }
        return HomeBackup.Summary(contacts: counts.contacts, messages: counts.messages, bytes: file.count, replacedIdentity: replaced)
    }
}
