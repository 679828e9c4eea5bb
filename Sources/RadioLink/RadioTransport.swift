import CPty
import Glibc

/// A byte pipe to a radio: a serial port or a TCP socket. Non-blocking; the driver polls `fd`.
public protocol RadioTransport: AnyObject {
    var fd: Int32 { get }
    /// Where it leads, for messages ("/dev/ttyACM0", "meshtasticd.local:4403").
    var name: String { get }
    /// Bytes available now (empty when none); throws `.vanished` at end of file or on a dead device.
    func readAvailable() throws(RadioLinkError) -> [UInt8]
    /// Writes everything, waiting for the device to drain when it pushes back.
    func write(_ bytes: [UInt8]) throws(RadioLinkError)
    func close()
}

enum FileDescriptorIO {
    static func read(_ fd: Int32, name: String) throws(RadioLinkError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 { return Array(buffer[0..<n]) }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return [] }
        throw .vanished(name)   // 0 = EOF (TCP closed), EIO = the tty's device went away
    }

    /// `socket`: use send(MSG_NOSIGNAL) so a reset peer is an error, not a SIGPIPE.
    static func write(_ fd: Int32, _ bytes: [UInt8], name: String, socket: Bool, timeoutMilliseconds: Int32 = 5000) throws(RadioLinkError) {
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes.withUnsafeBytes { buf in
                socket ? Glibc.send(fd, buf.baseAddress! + offset, buf.count - offset, Int32(MSG_NOSIGNAL))
                    : Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
            }
            if wrote > 0 { offset += wrote; continue }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote < 0 && errno == EAGAIN else { throw .vanished(name) }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&p, 1, timeoutMilliseconds) > 0, p.revents & Int16(POLLOUT) != 0 else { throw .vanished(name) }
        }
    }
}
