#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `identity.key`: the secret key, plus the public key as a check that the file is whole.
///
///     lora-msg identity v1
///     secret-key <base64, 32 bytes>
///     public-key <base64, 32 bytes>
///
/// Written atomically (temp file, fsync, rename) with mode 0600. Loading refuses a file that
/// group or others can read, because a copied-around key is a silently broken one.
public enum IdentityFile {
    static let magic = "lora-msg identity v1"
    static let maxFileBytes = 4096

    public static func load(from path: String) throws(IdentityFileError) -> IdentityKeyPair {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            let e = errno
            switch e {
            case ENOENT: throw .notFound(path: path)
            case EACCES, EPERM: throw .permissionDenied(path: path)
            case ELOOP: throw .corrupt(path: path, why: "it is a symbolic link; point LORA_MSG_HOME at the real file")
            default: throw .io(path: path, operation: "open", errno: e)
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .corrupt(path: path, why: "it is not a regular file") }
        let mode = UInt32(st.st_mode) & 0o777
        guard mode & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: mode) }
        guard st.st_size <= maxFileBytes else { throw .corrupt(path: path, why: "it is \(st.st_size) bytes; an identity file is under 200") }

        var data = [UInt8](repeating: 0, count: maxFileBytes + 1)
        var total = 0
        while total < data.count {
            let n = data.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 { if errno == EINTR { continue }; throw .io(path: path, operation: "read", errno: errno) }
            if n == 0 { break }
            total += n
        }
        defer { Sodium.wipe(&data) }
        return try parse(Array(data.prefix(total)), path: path)
    }

    static func parse(_ bytes: [UInt8], path: String) throws(IdentityFileError) -> IdentityKeyPair {
        guard !bytes.isEmpty else { throw .truncated(path: path) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .corrupt(path: path, why: "it is not text")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { String($0).trimmingASCIIWhitespace() }
        guard lines.first == magic else {
            if magic.hasPrefix(lines.first ?? "") && lines.count <= 1 { throw .truncated(path: path) }
            throw .corrupt(path: path, why: "the first line is not '\(magic)'")
        }
        func field(_ name: String) throws(IdentityFileError) -> [UInt8] {
            guard let line = lines.first(where: { $0.hasPrefix(name + " ") }) else { throw .truncated(path: path) }
            let value = String(line.dropFirst(name.count + 1))
            guard let raw = TextCodec.base64(value), raw.count == 32 else {
                // A value cut short by a partial write reads as a short key, not as garbage.
                if let raw = TextCodec.base64(value), raw.count < 32 { throw .truncated(path: path) }
                throw .corrupt(path: path, why: "the \(name) is not 32 bytes of base64")
            }
            return raw
        }
        var secret = try field("secret-key")
        defer { Sodium.wipe(&secret) }
        let expectedPublic = try field("public-key")
        let pair: IdentityKeyPair
        do { pair = try IdentityKeyPair(secretKey: secret) } catch {
            throw .corrupt(path: path, why: "the secret key is unusable")
        }
        guard pair.publicKey.bytes == expectedPublic else {
            throw .corrupt(path: path, why: "the public key does not match the secret key")
        }
        return pair
    }

    static func render(_ pair: IdentityKeyPair) -> [UInt8] {
        Array("""
        \(magic)
        secret-key \(TextCodec.base64String(pair.secretKey))
        public-key \(pair.publicKey.base64)

        """.utf8)
    }

    /// Writes atomically with mode 0600. Refuses to replace an existing file unless `overwrite`.
    public static func save(_ pair: IdentityKeyPair, to path: String, overwrite: Bool) throws(IdentityFileError) {
        if !overwrite && access(path, F_OK) == 0 { throw .alreadyExists(path: path) }
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let temp = "\(path).tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let e = errno
            if e == EACCES || e == EPERM { throw .permissionDenied(path: dir) }
            throw .io(path: temp, operation: "create", errno: e)
        }
        var content = render(pair)
        defer { Sodium.wipe(&content) }
        var ok = fchmod(fd, 0o600) == 0   // the umask may have narrowed it further; never widened
        var written = 0
        while ok && written < content.count {
            let n = content.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { ok = false; break }
            written += n
        }
        let e = errno
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok else { unlink(temp); throw .io(path: temp, operation: "write", errno: e) }
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw .io(path: path, operation: "rename", errno: e)
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}

public enum IdentityFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(path: String)
    case alreadyExists(path: String)
    case insecurePermissions(path: String, mode: UInt32)
    case permissionDenied(path: String)
    case truncated(path: String)
    case corrupt(path: String, why: String)
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .notFound(let p):
            return "no identity at \(p); run 'lora-msg init' to create one"
        case .alreadyExists(let p):
            return "an identity already exists at \(p); 'lora-msg init --force' replaces it (contacts will need your new key)"
        case let .insecurePermissions(p, mode):
            return "\(p) is readable by others (mode \(String(mode, radix: 8))); run 'chmod 600 \(p)' and check who may have copied it"
        case .permissionDenied(let p):
            return "permission denied for \(p); check its owner and mode"
        case .truncated(let p):
            return "\(p) is truncated; restore it from a backup, or run 'lora-msg init --force' for a new identity"
        case let .corrupt(p, why):
            return "\(p) is corrupt: \(why)"
        case let .io(p, op, e):
            return "\(op) failed for \(p): \(String(cString: strerror(e)))"
        }
    }
}
