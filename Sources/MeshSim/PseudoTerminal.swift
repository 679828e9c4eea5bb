import CPty
import Glibc

/// The device end of a virtual USB serial port. We keep the controller side; clients open
/// `path` exactly as they would open `/dev/ttyACM0`.
struct PseudoTerminal {
    let controller: Int32
    /// Held open so the pair survives between clients and keeps its raw settings.
    private let deviceHold: Int32
    let path: String

    init() throws(SimError) {
        var buffer = [CChar](repeating: 0, count: 128)
        var hold: Int32 = -1
        let fd = cpty_open(&buffer, buffer.count, &hold)
        guard fd >= 0 else { throw .system("cannot create a pseudo-terminal", errno) }
        controller = fd
        deviceHold = hold
        path = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Closing both ends makes a client's read fail with EIO, as when a USB cable is pulled.
    func close() {
        _ = Glibc.close(controller)
        _ = Glibc.close(deviceHold)
    }
}

public enum SimError: Error, CustomStringConvertible {
    case system(String, Int32)
    case invalid(String)
    /// The link directory holds something this sim did not make, or another sim holds it.
    case linkDirectory(String)
    /// The capture file cannot be written.
    case capture(String)

    public var description: String {
        switch self {
        case .system(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .invalid(let what): what
        case .linkDirectory(let what): what
        case .capture(let what): what
        }
    }
}
