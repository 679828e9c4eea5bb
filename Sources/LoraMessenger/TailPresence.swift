import Foundation
import Glibc
import Synchronization

/// A running `tail` holds the radio port exclusively. It leaves its pid in the home so that
/// `send` and `outbox retry` of the same home hand their messages to it through the outbox
/// instead of failing with "port busy". Only one tail per home: the claim is an exclusive
/// `flock` on `tail.lock`, held for the life of the process, so two tails started at the same
/// moment cannot both win (each would send every outbox message from its own radio).
public enum TailPresence {
    public static let fileName = "tail.pid"
    static let lockFileName = "tail.lock"

    public static func path(home: String) -> String { home + "/" + fileName }

    public enum Claim: Equatable, Sendable {
        case claimed
        /// Another tail holds the home (its pid, once it has written it).
        case heldBy(pid_t?)
        /// The home would not take the claim (a full disk, a read-only directory).
        case failed(String)
    }

    /// The open, locked `tail.lock` of this process's claim.
    private static let held = Mutex<Int32>(-1)

    /// Claims the home for this process's tail.
    public static func claim(home: String) -> Claim {
        let fd = open(home + "/" + lockFileName, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .failed("cannot open \(lockFileName): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return .heldBy(runningTail(home: home))
        }
        let text = Data("\(getpid())\n".utf8)
        let temporary = path(home: home) + ".\(getpid())"
        do {
            try text.write(to: URL(fileURLWithPath: temporary))
            chmod(temporary, 0o600)
            guard rename(temporary, path(home: home)) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            unlink(temporary)
            close(fd)
            return .failed("cannot write \(fileName): \(Self.reason(error))")
        }
        held.withLock { old in
            if old >= 0 { close(old) }
            old = fd
        }
        return .claimed
    }

    public static func release(home: String) {
        if recordedPid(home: home) == getpid() { try? FileManager.default.removeItem(atPath: path(home: home)) }
        held.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// The pid `tail.pid` names, alive or not.
    static func recordedPid(home: String) -> pid_t? {
        guard let data = FileManager.default.contents(atPath: path(home: home)),
              let text = String(data: data.prefix(32), encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
        else { return nil }
        return pid
    }

    private static func reason(_ error: any Error) -> String {
        if let e = error as? POSIXError { return String(cString: strerror(e.code.rawValue)) }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }

    /// The pid of a live lora-msg tail for this home, if any. A stale file (the tail was
    /// killed) names a dead pid, or a pid reused by something that is not lora-msg.
    public static func runningTail(home: String) -> pid_t? {
        guard let pid = recordedPid(home: home) else { return nil }
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        guard let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return pid }
        let argv0 = cmd.split(separator: 0).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        return argv0.hasSuffix("lora-msg") ? pid : nil
    }
}
