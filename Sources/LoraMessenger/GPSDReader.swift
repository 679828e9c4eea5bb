import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads one position from a running gpsd (its JSON protocol on TCP, port 2947 by default):
/// asks it to watch, then takes the first TPV report with a 2D or 3D fix.
public struct GPSDReader: Sendable {
    public var host: String
    public var port: UInt16

    public init(address: String?) throws(MessengerError) {
        let text = address ?? "127.0.0.1:2947"
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !(parts.first ?? "").isEmpty else { throw .usage(reason: "--gpsd takes HOST or HOST:PORT, not '\(text)'") }
        host = String(parts[0])
        if parts.count == 2 {
            guard let p = UInt16(parts[1]), p > 0 else { throw .usage(reason: "--gpsd port must be 1-65535, not '\(parts[1])'") }
            port = p
        } else {
            port = 2947
        }
    }

    /// Waits up to `timeout` seconds for a fix.
    public func fix(timeout: Double) throws(MessengerError) -> SharedLocation {
        let deadline = Date().timeIntervalSince1970 + timeout
        let fd = try connect(deadline: deadline)
        defer { close(fd) }
        let watch = Array(#"?WATCH={"enable":true,"json":true};"#.utf8) + [10]
        guard write(fd, watch, watch.count) == watch.count else { throw unavailable("the connection closed") }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        // A 2D fix is taken only if no 3D fix (with altitude) follows within two seconds.
        var flat: (fix: SharedLocation, at: Double)?
        while true {
            while let nl = buffer.firstIndex(of: 10) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if let fix = Self.parseTPV(line) {
                    if fix.alt != nil { return fix }
                    if flat == nil { flat = (fix, Date().timeIntervalSince1970) }
                }
            }
            if let flat, Date().timeIntervalSince1970 - flat.at >= 2 { return flat.fix }
            // One report is a few hundred bytes; a peer that streams without newlines is not gpsd.
            if buffer.count > 65_536 { throw unavailable("it does not speak gpsd's JSON protocol") }
            let left = deadline - Date().timeIntervalSince1970
            guard left > 0 else { throw .gpsUnavailable(reason: "gpsd at \(host):\(port) gave no position fix within \(Int(timeout)) s (is the GPS outdoors?)") }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, Int32(min(left, 1) * 1000)) <= 0 { continue }
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { throw unavailable("gpsd closed the connection") }
            buffer += chunk[..<n]
        }
    }

    /// A TPV report with a fix, else nil (other classes, no fix yet, bad JSON).
    static func parseTPV(_ line: [UInt8]) -> SharedLocation? {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
              obj["class"] as? String == "TPV", let mode = obj["mode"] as? Int, mode >= 2,
              let lat = obj["lat"] as? Double, let lon = obj["lon"] as? Double,
              (-90...90).contains(lat), (-180...180).contains(lon) else { return nil }
        let alt = mode >= 3 ? (obj["altMSL"] as? Double ?? obj["alt"] as? Double) : nil
        let epx = obj["epx"] as? Double, epy = obj["epy"] as? Double
        let accuracy = obj["eph"] as? Double ?? (epx != nil && epy != nil ? max(epx!, epy!) : nil)
        var time = Date().timeIntervalSince1970
        if let t = obj["time"] as? String {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let d = f.date(from: t) ?? ISO8601DateFormatter().date(from: t) { time = d.timeIntervalSince1970 }
        }
        return SharedLocation(lat: lat, lon: lon, alt: alt, accuracy: accuracy, fixTime: time)
    }

    private func unavailable(_ why: String) -> MessengerError {
        .gpsUnavailable(reason: "cannot read a position from gpsd at \(host):\(port): \(why)")
    }

    private func connect(deadline: Double) throws(MessengerError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else { throw unavailable("cannot resolve \(host)") }
        defer { freeaddrinfo(res) }
        var ai: UnsafeMutablePointer<addrinfo>? = first
        var lastError = "connection refused (is gpsd running?)"
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), a.pointee.ai_protocol)
            if fd < 0 { continue }
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            if errno == EINPROGRESS {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ms = Int32(max(0, min(10, deadline - Date().timeIntervalSince1970)) * 1000)
                if poll(&p, 1, ms) == 1 {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
                    if err == 0 { return fd }
                    lastError = String(cString: strerror(err))
                } else {
                    lastError = "timed out connecting"
                }
            }
            close(fd)
        }
        throw unavailable(lastError)
    }
}
