import Foundation

/// A directory under /tmp that is removed, with everything in it, when the value goes away.
/// Every test that writes files makes one, so a run leaves nothing behind.
public final class TempDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "test") {
        path = NSTemporaryDirectory() + "lora-msg-\(label)-" + UUID().uuidString.prefix(8)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the directory (not created).
    public func file(_ name: String) -> String { path + "/" + name }
}
