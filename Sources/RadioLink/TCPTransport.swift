import CPty
import Glibc

/// The same framing over TCP, to meshtasticd or a WiFi radio (port 4403). The device takes one
/// client at a time and drops the previous one when another connects.
public final class TCPTransport: RadioTransport {
    public static let defaultPort: UInt16 = 4403
    public let fd: Int32
    public let name: String

    public init(host: String, port: UInt16 = TCPTransport.defaultPort, timeoutSeconds: Double = 5) throws(RadioLinkError) {
        name = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .connectionFailed(name, reason: rc == 0 ? "no address" : String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errno; continue }
            guard cpty_set_nonblocking(fd) == 0 else { lastError = errno; Glibc.close(fd); continue }
            if connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) != 0 {
                guard errno == EINPROGRESS else { lastError = errno; Glibc.close(fd); continue }
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                guard poll(&p, 1, Int32(timeoutSeconds * 1000)) > 0 else { lastError = ETIMEDOUT; Glibc.close(fd); continue }
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                guard soError == 0 else { lastError = soError; Glibc.close(fd); continue }
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            self.fd = fd
            return
        }
        throw .connectionFailed(name, reason: String(cString: strerror(lastError)))
    }

    public func readAvailable() throws(RadioLinkError) -> [UInt8] { try FileDescriptorIO.read(fd, name: name) }

    public func write(_ bytes: [UInt8]) throws(RadioLinkError) { try FileDescriptorIO.write(fd, bytes, name: name, socket: true) }

    /// Half-close first so the last frame is not lost to a reset, as the Python client does.
    public func close() {
        shutdown(fd, Int32(SHUT_WR))
        Glibc.close(fd)
    }
}
