import Foundation
import Glibc
import Testing

/// Debian's mosquitto on a free loopback port, with a config file written here; stopped (and
/// its directory removed) by `stop`. TLS and a password file when asked.
final class MosquittoBroker: @unchecked Sendable {
    let dir: String
    let port: Int
    let tls: Bool
    private var process: Process?

    static var binary: String? {
        for p in ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    /// `persistent`: sessions and queued QoS 1 messages are written to disk at every change
    /// and survive a restart (even a kill -9). `bridgeTo`: this broker bridges `msh/#` both
    /// ways, at QoS 1, to that port (two valleys' brokers joined).
    init(tls: Bool = false, user: (name: String, password: String)? = nil, persistent: Bool = false, bridgeTo: Int? = nil) throws {
        dir = NSTemporaryDirectory() + "lora-msg-broker-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        port = Self.freePort()
        self.tls = tls
        var conf = "listener \(port) 127.0.0.1\nuser root\nlog_dest stderr\n"
        conf += persistent ? "persistence true\npersistence_location \(dir)/\nautosave_on_changes true\nautosave_interval 1\n" : "persistence false\n"
        if let bridgeTo {
            conf += "connection valley-bridge\naddress 127.0.0.1:\(bridgeTo)\ntopic msh/# both 1\ncleansession false\nrestart_timeout 1\n"
        }
        if tls {
            try Self.makeCertificates(in: dir)
            conf += "cafile \(dir)/ca.pem\ncertfile \(dir)/server.pem\nkeyfile \(dir)/server.key\n"
        }
        if let user {
            // Written in the clear, then hashed in place by mosquitto_passwd -U (mosquitto 2 wants hashes).
            try "\(user.name):\(user.password)\n".write(toFile: dir + "/passwd", atomically: true, encoding: .utf8)
            try Self.tool("/usr/bin/mosquitto_passwd", ["-U", dir + "/passwd"])
            conf += "allow_anonymous false\npassword_file \(dir)/passwd\n"
        } else {
            conf += "allow_anonymous true\n"
        }
        try conf.write(toFile: dir + "/mosquitto.conf", atomically: true, encoding: .utf8)
        try start()
    }

    var url: String { tls ? "mqtts://localhost:\(port)" : "mqtt://127.0.0.1:\(port)" }

    func start() throws {
        guard let binary = Self.binary else { throw BrokerError("mosquitto is not installed (Scripts/setup installs it)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["-c", dir + "/mosquitto.conf"]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        FileManager.default.createFile(atPath: dir + "/broker.log", contents: nil)
        p.standardError = FileHandle(forWritingAtPath: dir + "/broker.log")
        try p.run()
        process = p
        // Ready when the port accepts a connection.
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            usleep(20_000)
        }
        throw BrokerError("mosquitto did not start: " + ((try? String(contentsOfFile: dir + "/broker.log", encoding: .utf8)) ?? ""))
    }

    /// SIGKILL: a crash, as far as the clients can tell. (A test process may hand its child a
    /// signal mask with SIGTERM blocked, and then mosquitto never hears a polite stop.)
    func kill() {
        guard let p = process, p.isRunning else { return }
        Glibc.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    func stop() {
        kill()
        try? FileManager.default.removeItem(atPath: dir)
    }

    var caFile: String { dir + "/ca.pem" }

    struct BrokerError: Error, CustomStringConvertible { let description: String; init(_ s: String) { description = s } }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in(); addr.sin_family = sa_family_t(AF_INET); addr.sin_addr.s_addr = inet_addr("127.0.0.1"); addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in(); addr.sin_family = sa_family_t(AF_INET); addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 } }
    }

    /// A throwaway CA and a server certificate for localhost/127.0.0.1 signed by it.
    static func makeCertificates(in dir: String) throws {
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: dir + "/san.ext", atomically: true, encoding: .utf8)
        try tool("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem",
                                      "-days", "2", "-subj", "/CN=lora-msg test CA"])
        try tool("/usr/bin/openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/server.key", "-out", dir + "/server.csr",
                                      "-subj", "/CN=localhost"])
        try tool("/usr/bin/openssl", ["x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key",
                                      "-CAcreateserial", "-out", dir + "/server.pem", "-days", "2", "-extfile", dir + "/san.ext"])
    }

    static func tool(_ path: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run(); p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BrokerError("\(path) \(args.first ?? "") failed") }
    }
}
