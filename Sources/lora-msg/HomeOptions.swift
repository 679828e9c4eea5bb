import ArgumentParser
import Foundation

/// Where lora-msg keeps its files: `--home`, else `$LORA_MSG_HOME`, else
/// `$XDG_DATA_HOME/lora-msg`, else `~/.local/share/lora-msg`.
struct HomeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory for identity.key and messages.sqlite.", valueName: "dir"))
    var home: String?

    func directory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let home, !home.isEmpty { return home }
        if let h = env["LORA_MSG_HOME"], !h.isEmpty { return h }
        if let x = env["XDG_DATA_HOME"], !x.isEmpty { return x + "/lora-msg" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.local/share/lora-msg"
    }

    var identityPath: String { directory() + "/identity.key" }

    /// Creates the home directory (mode 0700) if missing.
    func ensureDirectory() throws(CLIError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory(), withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIError(.cantCreate, "cannot create \(directory()): \(error.localizedDescription)")
        }
    }
}
