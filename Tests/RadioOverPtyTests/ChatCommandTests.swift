import Foundation
import Glibc
import Testing
@testable import MeshSim

/// `lora-msg chat` in a real terminal: tmux runs it, `send-keys` types, `capture-pane` reads
/// the screen. Two homes on the two-radios pair; bob's `tail` holds bob's radio.
final class TmuxChat: @unchecked Sendable {
    let socket = "lora-msg-chat-\(UUID().uuidString.prefix(8))"
    let sim: RunningSim
    let root: String
    let environment: [String: String]

    init() async throws {
        sim = try RunningSim(.twoRadios, speed: 4)
        environment = sim.clockEnvironment
        root = NSTemporaryDirectory() + "lora-msg-chat-" + UUID().uuidString.prefix(8)
        await sim.waitForLinks()
        try TestHomes.pair("alice", node: node("alice"), "bob", node: node("bob"), at: home)
    }

    func home(_ n: String) -> String { root + "/" + n }
    func node(_ radio: String) -> String { sim.nodeID(radio) }

    /// Runs tmux and waits for it, output to a file. Not through Foundation's Process: the
    /// tmux server that `new-session` forks would inherit the descriptor Process watches for
    /// the child's end, and waitUntilExit would then wait for the server.
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let outPath = root + "/tmux-\(UUID().uuidString.prefix(6)).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ["tmux", "-L", socket] + args
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, "tmux", &actions, nil, &cArgs, environ) == 0 else { throw MosquittoBroker.BrokerError("cannot run tmux") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        defer { unlink(outPath) }
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    /// Starts `chat ARGS` in a detached tmux window of the given size.
    func start(_ args: [String], width: Int = 80, height: Int = 24) throws {
        try tmux(["new-session", "-d", "-s", "chat", "-x", "\(width)", "-y", "\(height)", command(args)])
    }

    /// Runs `chat ARGS` again in the same window. Killing the session instead would stop the
    /// tmux server (its last session), and a new-session racing that shutdown can fail.
    func restart(_ args: [String]) throws {
        try tmux(["respawn-pane", "-k", "-t", "chat", command(args)])
    }

    private func command(_ args: [String]) -> String {
        let env = environment.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "env \(env) \(CLI.binary) chat " + args.map { "'\($0)'" }.joined(separator: " ") + "; echo CHAT-EXIT $?; sleep 60"
    }

    var screen: String { (try? tmux(["capture-pane", "-p", "-t", "chat"])) ?? "" }
    func type(_ keys: String..., enter: Bool = false) throws { try tmux(["send-keys", "-t", "chat", "-l"] + keys); if enter { try tmux(["send-keys", "-t", "chat", "Enter"]) } }

    func wait(_ seconds: Double = 20, until: (String) -> Bool) async -> Bool {
        for _ in 0..<Int(seconds * 20) {
            if until(screen) { return true }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return until(screen)
    }

    func close() {
        _ = try? tmux(["kill-server"])
        sim.stop()
        try? FileManager.default.removeItem(atPath: root)
    }
}

@Suite(.serialized) struct ChatCommandTests {
    @Test func aConversationInTmux() async throws {
        let t = try await TmuxChat()
        defer { t.close() }
        let sent = try CLI.run(["send", "bob", "from before the chat", "--home", t.home("alice"), "--port", t.sim.link("alice")], environment: t.environment)
        try #require(sent.status == 0, "\(sent.err)")
        let bob = try Background(["tail", "--home", t.home("bob"), "--port", t.sim.link("bob")], environment: t.environment)
        defer { bob.stop() }
        try await listening(bob)

        try t.start(["bob", "--home", t.home("alice"), "--port", t.sim.link("alice")])
        // History first, then the status bar and the input line with the bytes left.
        #expect(await t.wait { $0.contains("from before the chat") && $0.contains("bob (151 left)>") }, "\(t.screen)")
        #expect(t.screen.contains(t.node("alice")) && t.screen.contains("EU_868 LongFast") && t.screen.contains("s/h"))

        // Typed and sent: its state moves on to acked (or further) on screen.
        try t.type("over the ford at noon", enter: true)
        #expect(await t.wait { s in s.split(separator: "\n").contains { $0.contains("over the ford at noon") && ($0.contains("[acked]") || $0.contains("[delivered]")) } }, "\(t.screen)")
        #expect(await bob.wait(timeout: 20) { bob.out.contains("over the ford at noon") })

        // An incoming message while typing: it appears, and the half-typed line stays intact.
        try t.type("half a thou")
        #expect(await t.wait { $0.contains("(140 left)> half a thou") }, "\(t.screen)")
        let reply = try CLI.run(["send", "alice", "reply with 日本語 and 🚀", "--home", t.home("bob"), "--port", t.sim.link("bob")], environment: t.environment)
        #expect(reply.status == 0, "\(reply.err)")
        #expect(await t.wait { $0.contains("bob:  reply with 日本語 and 🚀") }, "\(t.screen)")
        #expect(t.screen.contains("(140 left)> half a thou"))

        // A narrow terminal: 60 columns, the same conversation re-laid out.
        try t.tmux(["resize-window", "-t", "chat", "-x", "60", "-y", "16"])
        #expect(await t.wait { s in s.split(separator: "\n").allSatisfy { $0.count <= 60 } && s.contains("reply with") && s.contains("half a thou") }, "\(t.screen)")

        // Too long for one frame: the count goes negative, Enter is refused with the reason, the
        // text stays on the input line and nothing is stored.
        try t.tmux(["send-keys", "-t", "chat", "C-u"])
        #expect(await t.wait { $0.contains("(151 left)>") }, "\(t.screen)")
        try t.type(String(repeating: "x", count: 152))
        #expect(await t.wait { $0.contains("(-1 left)>") }, "\(t.screen)")
        try t.tmux(["send-keys", "-t", "chat", "Enter"])
        #expect(await t.wait { $0.contains("over the 151-byte limit") }, "\(t.screen)")
        #expect(t.screen.contains("(-1 left)>"))
        let history = try CLI.run(["history", "bob", "--home", t.home("alice")])
        #expect(!history.out.contains("xxxxxxxxxx"))
        try t.tmux(["send-keys", "-t", "chat", "C-u"])
        try t.type("/quit", enter: true)
        #expect(await t.wait { $0.contains("CHAT-EXIT 0") }, "\(t.screen)")
    }

    @Test func withoutANameItOffersTheContactsAndWithoutATerminalItRefuses() async throws {
        let t = try await TmuxChat()
        defer { t.close() }
        try t.start(["--home", t.home("alice"), "--port", t.sim.link("alice")])
        #expect(await t.wait { $0.contains("Talk to whom?") && $0.contains("1. bob") }, "\(t.screen)")
        #expect(!t.screen.contains("unread"))
        // A message arrives while the list is shown (chat holds alice's radio): counted unread.
        let sent = try CLI.run(["send", "alice", "are you there?", "--home", t.home("bob"), "--port", t.sim.link("bob")], environment: t.environment)
        #expect(sent.status == 0, "\(sent.err)")
        #expect(await t.wait { $0.contains("1. bob  (1 unread)") }, "\(t.screen)")
        try t.tmux(["send-keys", "-t", "chat", "Enter"])
        #expect(await t.wait { $0.contains("bob (151 left)>") && $0.contains("are you there?") }, "\(t.screen)")
        try t.tmux(["send-keys", "-t", "chat", "C-d"])
        #expect(await t.wait { $0.contains("CHAT-EXIT 0") }, "\(t.screen)")

        // Shown once: no longer unread.
        try t.restart(["--home", t.home("alice"), "--port", t.sim.link("alice")])
        #expect(await t.wait { $0.contains("1. bob") }, "\(t.screen)")
        #expect(!t.screen.contains("unread"), "\(t.screen)")
        try t.tmux(["send-keys", "-t", "chat", "C-d"])

        let piped = try CLI.run(["chat", "bob", "--home", t.home("alice"), "--port", t.sim.link("alice")])
        #expect(piped.status == 64 && piped.err.contains("chat needs a terminal"), "\(piped.err)")
    }

    /// A group in chat: the picker lists it with its unread posts, a typed line goes as a post
    /// (the bytes left are the group's), and another member's post shows with its sender.
    @Test func aGroupInTmux() async throws {
        let t = try await TmuxChat()
        defer { t.close() }
        let bob = try Background(["tail", "--home", t.home("bob"), "--port", t.sim.link("bob")], environment: t.environment)
        defer { bob.stop() }
        try await listening(bob)
        let made = try CLI.run(["group", "create", "ford", "bob", "--home", t.home("alice"), "--port", t.sim.link("alice")], environment: t.environment)
        try #require(made.status == 0, "\(made.err)")
        #expect(await bob.wait(timeout: 60) { bob.err.contains("alice added you to #ford") }, "\(bob.err)")

        try t.start(["--home", t.home("alice"), "--port", t.sim.link("alice")])
        #expect(await t.wait { $0.contains("1. bob") && $0.contains("2. #ford") }, "\(t.screen)")
        let early = try CLI.run(["send", "#ford", "bridge is out", "--home", t.home("bob")], environment: t.environment)
        #expect(early.status == 0, "\(early.err)")
        #expect(await t.wait { $0.contains("2. #ford  (1 unread)") }, "\(t.screen)")
        try t.type("2")
        // 165 − 21 − 16 − 8 (one other member) − 1 = 119 bytes in a group of two.
        #expect(await t.wait { $0.contains("bob:  bridge is out") && $0.contains("#ford (119 left)>") }, "\(t.screen)")

        try t.type("then we go round by the mill", enter: true)
        #expect(await t.wait { s in s.split(separator: "\n").contains { $0.contains("then we go round by the mill") && $0.contains("[delivered]") } }, "\(t.screen)")
        #expect(await bob.wait(timeout: 20) { bob.out.contains("#ford alice") && bob.out.contains("then we go round by the mill") }, "\(bob.out)")

        try t.type("/to #nowhere", enter: true)
        #expect(await t.wait { $0.contains("no group '#nowhere' you are in") }, "\(t.screen)")
        try t.type("/to bob", enter: true)
        #expect(await t.wait { $0.contains("bob (151 left)>") }, "\(t.screen)")
        try t.type("/to #ford", enter: true)
        #expect(await t.wait { $0.contains("#ford (119 left)>") }, "\(t.screen)")
        try t.tmux(["send-keys", "-t", "chat", "C-d"])
        #expect(await t.wait { $0.contains("CHAT-EXIT 0") }, "\(t.screen)")
    }
}
