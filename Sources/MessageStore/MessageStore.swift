import Delivery
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The on-disk state of one lora-msg home: contacts, messages (ciphertext only), the outbox
/// and the airtime ledger, in one SQLite file in WAL mode so `tail` and `send` can share it.
public final class MessageStore: Sendable {
    public let path: String
    let db: any DatabaseWriter

    /// Opens (creating if needed, mode 0600 whatever the umask) and migrates the database at
    /// `path`. SQLite gives the -wal and -shm files the database file's own mode.
    public init(path: String) throws(StoreError) {
        self.path = path
        var config = Self.configuration
        // Another lora-msg (a running tail) may hold the write lock for a moment.
        config.busyMode = .timeout(5)
        do {
            try Self.createPrivateFile(path)
            db = try DatabasePool(path: path, configuration: config)
            try Self.prepare(db, path: path)
        } catch {
            throw StoreError(error, path: path)
        }
    }

    /// A store over any GRDB writer (an in-memory `DatabaseQueue` in tests).
    public init(writer: any DatabaseWriter, path: String = ":memory:") throws(StoreError) {
        self.path = path
        db = writer
        do { try Self.prepare(db, path: path) } catch { throw StoreError(error, path: path) }
    }

    static var configuration: Configuration {
        var config = Configuration()
        config.prepareDatabase { db in
            // Removed contacts and messages are overwritten, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        return config
    }

    private static func prepare(_ db: any DatabaseWriter, path: String) throws {
        let migrator = StoreSchema.migrator
        if try db.read({ try migrator.hasBeenSuperseded($0) }) { throw StoreError.newerSchema(path: path) }
        try migrator.migrate(db)
        // A damaged page can open fine and fail later; catch it at the door.
        let check = try db.read { try String.fetchOne($0, sql: "PRAGMA quick_check") }
        if check != "ok" { throw StoreError.corrupt(path: path) }
    }

    /// Creates the file 0600 before SQLite does (SQLite would use 0644 minus the umask), and
    /// takes group/other access away from an existing one of ours.
    private static func createPrivateFile(_ path: String) throws(StoreError) {
        var st = stat()
        if stat(path, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { throw .cannotOpen(path: path, reason: "it is a directory") }
            if st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o077 != 0 {
                _ = chmod(path, 0o600)
            }
            return
        }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { return }
            let reason = String(cString: strerror(errno))
            if errno == EACCES || errno == EPERM { throw .permissionDenied(path: path) }
            throw .cannotOpen(path: path, reason: reason)
        }
        _ = fchmod(fd, 0o600)
        close(fd)
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try db.write(body) } catch { throw StoreError(error, path: path) }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try db.read(body) } catch { throw StoreError(error, path: path) }
    }

    /// `rowid` rides along under this name so a damaged row can be named in the error.
    static let withRowNumber = "rowid AS row_number, *"
}
