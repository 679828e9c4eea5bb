import Foundation
import Glibc

/// A running `tail` holds the radio port exclusively. It leaves its pid in the home so that
/// `send` and `outbox retry` of the same home hand their messages to it through the outbox
/// instead of failing with "port busy".
public enum TailPresence {
    public static let fileName = "tail.pid"

    public static func path(home: String) -> String { home + "/" + fileName }

    /// Records this process as the home's tail. Returns false if another live tail has it.
    public static func claim(home: String) -> Bool {
        if let other = runningTail(home: home), other != getpid() { return false }
        let text = "\(getpid())\n"
        return FileManager.default.createFile(atPath: path(home: home), contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    }

    public static func release(home: String) {
        if runningTail(home: home) == getpid() { try? FileManager.default.removeItem(atPath: path(home: home)) }
    }

    /// The pid of a live lora-msg tail for this home, if any. A stale file (the tail was
    /// killed) names a dead pid, or a pid reused by something that is not lora-msg.
    public static func runningTail(home: String) -> pid_t? {
        guard let data = FileManager.default.contents(atPath: path(home: home)),
              let text = String(data: data.prefix(32), encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
        else { return nil }
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        guard let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return pid }
        let argv0 = cmd.split(separator: 0).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        return argv0.hasSuffix("lora-msg") ? pid : nil
    }
}
