import Foundation

/// The `lora-msg` executable of this build: it sits next to the test bundle in the build's
/// bin directory (debug or release, whatever triple), so nothing assumes `.build/debug`.
public enum BuiltBinary {
    public static let lora: String = {
        if let explicit = ProcessInfo.processInfo.environment["LORA_MSG_BIN"], !explicit.isEmpty { return explicit }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = me.deletingLastPathComponent()
        // Inside an .xctest bundle directory on some layouts: climb out of it.
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("lora-msg").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "lora-msg"
    }()
}
