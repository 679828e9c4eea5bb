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

    /// "lora-msg (pid 1234)" for the process holding `path` open, if /proc lets us see it.
    static func holder(of path: String, excluding me: pid_t? = nil) -> String? {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for pid in pids.compactMap(Int32.init).sorted() where pid != me {
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                guard let dest = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                      dest == target else { continue }
                let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "process"
                return "\(comm) (pid \(pid))"
            }
        }
        return nil
    }
}
