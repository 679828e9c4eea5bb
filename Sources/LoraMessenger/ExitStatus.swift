import LoraCrypto
import MQTTLink
import MessageStore
import RadioLink

/// sysexits(3) codes, the same for every command, so scripts can tell "fix your input" from
/// "try again later". This table is the one mapping: every error type below names its case,
/// and the README's exit-code table is checked against `meaning` by a test.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case ok = 0
    case usage = 64
    case dataError = 65
    case noInput = 66
    case unavailable = 69
    case software = 70
    case cantCreate = 73
    case ioError = 74
    case temporaryFailure = 75
    case noPermission = 77

    /// What the code means, as the README's exit-code table says it.
    public var meaning: String {
        switch self {
        case .ok: "done"
        case .usage: "usage: a bad option, argument or combination (also `--wait ack` with no known node)"
        case .dataError: "bad data: message too long (says by how many), malformed key, name or text, damaged database, row or key file"
        case .noInput: "unknown contact, group, message or contact request, or no identity yet (`lora-msg init`)"
        case .unavailable: "radio, broker (or gpsd) unavailable: not found, busy, not answering, connection refused (a message stays in the outbox)"
        case .software: "internal error (a bug: please report it)"
        case .cantCreate: "cannot create: the home, the database, an identity that already exists, a sim link dir in use"
        case .ioError: "I/O error reading or writing a file or the radio"
        case .temporaryFailure: "temporary: duty-cycle wait with `--no-wait` or past `--timeout`, NAK, no ACK in time, another `tail` running"
        case .noPermission: "permission denied: serial port (join `dialout`) or a key file others can read"
        }
    }
}

/// An error that knows what the user should read and what the shell should get.
public protocol ReportableError: Error {
    var exitStatus: ExitStatus { get }
    /// One sentence that says what happened and what to do.
    var message: String { get }
}

extension IdentityFileError: ReportableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .notFound: .noInput
        case .insecurePermissions, .permissionDenied: .noPermission
        case .alreadyExists: .cantCreate
        case .truncated, .corrupt: .dataError
        case .io: .ioError
        }
    }
    public var message: String { description }
}

extension LoraCryptoError: ReportableError {
    public var exitStatus: ExitStatus { self == .libraryUnavailable ? .software : .dataError }
    public var message: String { description }
}

extension StoreError: ReportableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .permissionDenied: .noPermission
        case .noSuchContact, .noSuchMessage: .noInput
        case .ambiguousID: .usage
        case .busy: .temporaryFailure
        case .diskFull, .io: .ioError
        case .cannotOpen: .cantCreate
        case .notADatabase, .corrupt, .newerSchema, .nameTaken, .keyTaken, .damagedRow: .dataError
        }
    }
    public var message: String { description }
}

extension RadioLinkError: ReportableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .permissionDenied: .noPermission
        case .invalidEndpoint: .usage
        case .io: .ioError
        default: .unavailable
        }
    }
    public var message: String { description }
}

extension MessengerError: ReportableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .identity(let e): e.exitStatus
        case .crypto(let e): e.exitStatus
        case .store(let e): e.exitStatus
        case .radio(let e), .notSent(let e, _): e.exitStatus
        case .unknownContact, .unknownGroup: .noInput
        case .emptyMessage, .invalidNode, .invalidName, .exceedsDutyCycle, .invalidText: .dataError
        case .usage, .ackNeedsNode: .usage
        case .dutyCycleWait, .deliveryFailed, .timedOut, .tailRunning, .frameNotSent: .temporaryFailure
        case .noSuchRequest: .noInput
        case .cannotCreate: .cantCreate
        case .regionUnset, .gpsUnavailable: .unavailable
        case .broker(let e): e.exitStatus
        case .gatewayNeedsSetup: .usage
        case .backup(_, .library): .software
        case .backup: .dataError
        }
    }
    public var message: String { description }
}

extension MQTTLinkError: ReportableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .badAddress: .usage
        case .tls: .usage
        case .library: .software
        case .notConnected, .publishFailed: .unavailable
        }
    }
    public var message: String { description }
}
