import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a lora-msg home is and how it is made: `--home`, else `$LORA_MSG_HOME`, else
/// `$XDG_DATA_HOME/lora-msg`, else `~/.local/share/lora-msg`. Created 0700.
public enum Home {
    public static func resolve(option: String?, environment: [String: String]) throws(MessengerError) -> String {
        if let option {
            // An empty --home (a script's unset variable) must not silently mean the default.
            guard !option.isEmpty else { throw .usage(reason: "--home is empty; give a directory, or leave the option out for the default home") }
            return option
        }
        if let h = environment["LORA_MSG_HOME"], !h.isEmpty { return h }
        if let x = environment["XDG_DATA_HOME"], !x.isEmpty { return x + "/lora-msg" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share/lora-msg"
    }

    /// Creates the directory and any missing parents, each new one 0700 whatever the umask.
    /// An existing directory is left as it is (the files inside are 0600 in any case).
    public static func create(_ path: String) throws(MessengerError) {
        var st = stat()
        if stat(path, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { return }
            throw .cannotCreate(reason: "cannot use \(path) as the lora-msg home: it exists and is not a directory")
        }
        let parent = parentDirectory(path)
        if !parent.isEmpty, parent != path, stat(parent, &st) != 0 { try create(parent) }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw .cannotCreate(reason: "cannot create the lora-msg home \(path): \(String(cString: strerror(errno)))")
        }
        _ = chmod(path, 0o700)
    }

    /// The directory part of `path` ("" for a bare name). Written out because Foundation's
    /// `deletingLastPathComponent` traps on a one-character relative path ("e").
    static func parentDirectory(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        return String(p[..<slash])
    }
}
