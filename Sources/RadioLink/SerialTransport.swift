import CPty
import Foundation
import Glibc

/// A USB serial port (CP210x/CH34x bridge or native CDC-ACM), opened so that the radio is not
/// reset and no other program can share it.
public final class SerialTransport: RadioTransport {
    public let fd: Int32
    public let name: String

    public init(path: String) throws(RadioLinkError) {
        name = path
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENODEV, ENXIO: throw .notFound(path)
            case EACCES, EPERM: throw .permissionDenied(path)
            case EBUSY: throw .busy(path, holder: Self.holder(of: path))   // TIOCEXCL held elsewhere
            case EISDIR, ENOTDIR: throw .notATerminal(path)
            default: throw .io(path, reason: String(cString: strerror(errno)))
            }
        }
        // An advisory lock as pyserial's exclusive=True takes; TIOCEXCL below stops the rest.
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw .busy(path, holder: Self.holder(of: path, excluding: getpid()))
        }
        // Raw 115200 8N1, no flow control, HUPCL cleared: closing must not drop DTR, which on
        // UART-bridged ESP32 boards resets the radio.
        guard cpty_make_raw(fd, 115_200) == 0 else {
            Glibc.close(fd)
            throw .notATerminal(path)
        }
        _ = cpty_set_exclusive(fd)
        // nRF52 CDC boards only talk to a host that asserts DTR; ptys have no modem lines.
        _ = cpty_assert_dtr(fd)
        tcflush(fd, TCIFLUSH)   // whatever sat in the buffer belongs to an earlier client
        self.fd = fd
    }

    public func readAvailable() throws(RadioLinkError) -> [UInt8] { try FileDescriptorIO.read(fd, name: name) }

    public func write(_ bytes: [UInt8]) throws(RadioLinkError) { try FileDescriptorIO.write(fd, bytes, name: name, socket: false) }

    public func close() { Glibc.close(fd) }

    /// "lora-msg (pid 1234)" for the process that holds the port, if /proc lets us see it:
    /// the owner of its flock (/proc/locks), else a process with it open that is not merely
    /// the far end of a pseudo-terminal (a process holding /dev/ptmx, like `lora-msg sim`,
    /// keeps the slave open without using it). Nil rather than a wrong name.
    static func holder(of path: String, excluding me: pid_t? = nil) -> String? {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if let pid = flockOwner(of: target), pid != me { return describe(pid) }
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for pid in pids.compactMap(Int32.init).sorted() where pid != me {
            let open = openFiles(pid)
            guard open.contains(target), !open.contains("/dev/ptmx") else { continue }
            return describe(pid)
        }
        return nil
    }

    private static func describe(_ pid: pid_t) -> String {
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "process"
        return "\(comm) (pid \(pid))"
    }

    private static func openFiles(_ pid: pid_t) -> Set<String> {
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return [] }
        return Set(fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") })
    }

    /// /proc/locks lines read "1: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF" (MAJ and MIN
    /// in hex): the pid whose FLOCK is on this file's device and inode.
    static func flockOwner(of path: String) -> pid_t? {
        var st = stat()
        guard stat(path, &st) == 0, let text = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        // Linux dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 and 20+.
        let dev = UInt64(st.st_dev)
        let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF), minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF)
        return flockOwner(inLocks: text, major: major, minor: minor, inode: UInt64(st.st_ino))
    }

    /// The pid holding a FLOCK on (major, minor, inode) according to /proc/locks text; lines
    /// that do not parse (truncated, garbage, POSIX locks, "->" waiters) are skipped.
    static func flockOwner(inLocks text: String, major: UInt64, minor: UInt64, inode: UInt64) -> pid_t? {
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 6, f[1] == "FLOCK", let pid = pid_t(f[4]), pid > 0 else { continue }
            let id = f[5].split(separator: ":")
            guard id.count == 3, UInt64(id[0], radix: 16) == major, UInt64(id[1], radix: 16) == minor,
                  UInt64(id[2]) == inode else { continue }
            return pid
        }
        return nil
    }
}
