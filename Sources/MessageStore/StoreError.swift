import Foundation
import GRDB

/// What can go wrong with the message database, each as one sentence that says what to do.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notADatabase(path: String)
    case corrupt(path: String)
    case permissionDenied(path: String)
    /// The schema was written by a newer lora-msg; an older one must not guess at it.
    case newerSchema(path: String)
    case busy(path: String)
    case diskFull(path: String)
    case nameTaken(String)
    /// This public key is already in the book under another name.
    case keyTaken(byName: String)
    case noSuchContact(String)
    case noSuchMessage(String)
    /// An id prefix that matches more than one message.
    case ambiguousID(String)
    case io(String)
    /// A row whose value in `column` is not what lora-msg wrote (edited by hand, or damaged).
    case damagedRow(table: String, row: String, column: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open the message database \(path): \(reason)"
        case .notADatabase(let path):
            return "\(path) is not a lora-msg database (not SQLite); move it aside and run the command again"
        case .corrupt(let path):
            return "the message database \(path) is damaged; move it aside (keep it for recovery) and run the command again"
        case .permissionDenied(let path):
            // SQLite needs to write the directory too (its WAL and shared-memory files live
            // beside the database): a read-only directory is the usual cause, not the file.
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty, access(directory, F_OK) == 0, access(directory, W_OK) != 0 {
                return "no permission to write in \(directory) (the database keeps its -wal and -shm files there); make the directory writable by you"
            }
            return "no permission to write \(path); check its owner and mode (it should be yours, 0600)"
        case .newerSchema(let path):
            return "\(path) was written by a newer lora-msg; upgrade lora-msg to use it"
        case .busy(let path):
            return "the message database \(path) stayed locked by another lora-msg for too long; try again"
        case .diskFull(let path):
            return "the disk holding \(path) is full; free some space and try again"
        case .nameTaken(let name):
            return "a contact named '\(name)' already exists with a different key; remove it first or choose another name"
        case .keyTaken(let other):
            return "that public key already belongs to contact '\(other)'"
        case .noSuchContact(let name):
            return "no contact named '\(name)'; see 'lora-msg contact list'"
        case .noSuchMessage(let id):
            return "no message with id \(id) in the outbox; see 'lora-msg outbox'"
        case .ambiguousID(let prefix):
            return "more than one message id starts with '\(prefix)'; give more of the id (see 'lora-msg outbox')"
        case .io(let why):
            return "message database error: \(why)"
        case let .damagedRow(table, row, column):
            return "the message database has a damaged row (table \(table), \(row), column \(column)); fix or delete that row, or move the database aside"
        }
    }

    /// Sorts SQLite's result codes into the cases above; extended codes are reduced to primary.
    init(_ error: any Error, path: String) {
        if let e = error as? StoreError { self = e; return }
        guard let db = error as? DatabaseError else {
            self = .io(String(describing: error)); return
        }
        switch db.resultCode.primaryResultCode {
        case .SQLITE_NOTADB: self = .notADatabase(path: path)
        case .SQLITE_CORRUPT: self = .corrupt(path: path)
        case .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH: self = .permissionDenied(path: path)
        case .SQLITE_BUSY, .SQLITE_LOCKED: self = .busy(path: path)
        case .SQLITE_FULL: self = .diskFull(path: path)
        case .SQLITE_CANTOPEN: self = .cannotOpen(path: path, reason: db.message ?? "unable to open")
        // A table or column lora-msg made is gone: the file was altered, not an I/O failure.
        case .SQLITE_ERROR where (db.message ?? "").hasPrefix("no such table") || (db.message ?? "").hasPrefix("no such column"):
            self = .corrupt(path: path)
        default: self = .io(db.message ?? "\(db.resultCode)")
        }
    }
}
