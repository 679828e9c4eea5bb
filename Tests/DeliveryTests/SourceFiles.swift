#if canImport(Glibc)
import Glibc
#endif

/// The test reads the Delivery sources without Foundation, so the check itself needs nothing
/// the target may not have.
struct ReadError: Error { var path: String }

func listSwiftFiles(_ dir: String) throws -> [String] {
    guard let d = opendir(dir) else { throw ReadError(path: dir) }
    defer { closedir(d) }
    var names: [String] = []
    while let entry = readdir(d) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name.hasSuffix(".swift") { names.append(name) }
    }
    return names.sorted()
}

func readLines(_ path: String) throws -> [String] {
    guard let f = fopen(path, "r") else { throw ReadError(path: path) }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { String($0) }
}
