import ArgumentParser
import Foundation
import LoraLab
import LoraMessenger
import MeshSim
import Synchronization

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure delivery between two radios, or print the envelope's byte budget.",
        subcommands: [BenchRunCommand.self, EnvelopeBudgetCommand.self, LongMessagesBenchCommand.self, GatewayBenchCommand.self, ChartCommand.self, EnergyCommand.self, MailboxBenchCommand.self],
        defaultSubcommand: BenchRunCommand.self
    )
}

struct EnvelopeBudgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envelope-budget",
        abstract: "Print the envelope's byte budget (Markdown, computed from the code's constants)."
    )

    @Option(help: ArgumentHelp("Write it to this file instead of stdout.", valueName: "file")) var report: String?

    func run() throws {
        let md = EnvelopeBudget.markdown(command: BenchRunCommand.commandLine())
        guard let report else { print(md); return }
        do { try md.write(toFile: report, atomically: true, encoding: .utf8) } catch {
            throw CLIError(.cantCreate, "cannot write \(report): \(error.localizedDescription)")
        }
    }
}

/// Which radios: two real ones, or virtual ones of a scenario.
struct BenchRadios: ParsableArguments {
    @Option(help: ArgumentHelp("Radio A: a serial port or tcp://host[:port].", valueName: "port")) var a: String?
    @Option(help: ArgumentHelp("Radio B.", valueName: "port")) var b: String?
    @Option(help: ArgumentHelp("A relay radio between them (reported, not driven).", valueName: "port")) var relay: String?
    @Option(help: ArgumentHelp("Run against virtual radios of this scenario instead.", valueName: "scenario")) var sim: String?
    @Option(help: ArgumentHelp("With --sim: sender radio by name.", valueName: "name")) var from: String?
    @Option(help: ArgumentHelp("With --sim: receiver radio by name.", valueName: "name")) var to: String?
    @Option(help: ArgumentHelp("With --sim: how much faster than real time the air runs.", valueName: "x")) var speed = 10.0
    @Option(help: ArgumentHelp("With --sim: random seed of the air.", valueName: "n")) var seed: UInt64 = 1
}

/// What to send, and how.
struct BenchTraffic: ParsableArguments {
    @Option(help: ArgumentHelp("Messages per direction.", valueName: "n")) var count = 20
    @Option(help: ArgumentHelp("Seconds between one message's outcome and the next send.", valueName: "s")) var interval = 2.0
    @Option(help: ArgumentHelp("Relays allowed (0-7); the radio's own setting when omitted.", valueName: "n")) var hopLimit: Int?
    @Option(help: ArgumentHelp("Seconds to wait for each message.", valueName: "s")) var timeout = 60.0
    @Flag(help: "Only A → B.") var oneWay = false
    @Flag(help: "Send each message once: no end-to-end resending for want of a receipt (to compare).") var noResend = false
    @Option(help: ArgumentHelp("Resend for at most this many seconds before a message fails (enough for all 6 attempts).", valueName: "s")) var resendTtl = 3600.0
    @Option(help: ArgumentHelp("Start as if A had already used this many seconds of airtime in the last hour (to watch the duty-cycle throttle).", valueName: "s"))
    var preloadAirtime = 0.0
}

/// Where the figures go.
struct BenchOutput: ParsableArguments {
    @Flag(help: "Print the result as JSON on stdout.") var json = false
    @Option(help: ArgumentHelp("Write a Markdown report to this file.", valueName: "file")) var report: String?
    @Option(help: ArgumentHelp("Title of the Markdown report.", valueName: "text")) var title: String?
}

struct BenchRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure delivery between two radios on one machine: latency, hops, RSSI, SNR (the default).",
        discussion: """
        Creates two throwaway identities, pairs them locally, sends --count messages A → B and \
        then B → A as acknowledged direct messages, and times each: until the radio accepted it, \
        and until the other side's lora-msg had it decrypted. It respects the duty cycle (it waits \
        and says so). Prints a table; --report writes Markdown, --json prints JSON.

        Real radios: --a and --b (serial paths, or tcp://HOST[:PORT]), and --relay for a third \
        radio in between. Virtual radios: --sim SCENARIO (two-radios, valley, line-5 or a JSON \
        file) runs them in-process with time scaled by --speed; A is the scenario's first radio \
        and B its last, unless --from/--to name others.

        Exit 0 only when every message arrived intact.
        """
    )

    @OptionGroup(title: "Radios") var radios: BenchRadios
    @OptionGroup(title: "Traffic") var traffic: BenchTraffic
    @OptionGroup(title: "Output") var output: BenchOutput


    func validate() throws {
        if radios.sim == nil, radios.a == nil || radios.b == nil { throw ValidationError("give --a and --b (two radios), or --sim SCENARIO") }
        if radios.sim != nil, radios.a != nil || radios.b != nil || radios.relay != nil { throw ValidationError("--sim runs its own radios; drop --a/--b/--relay") }
        if radios.sim == nil, radios.from != nil || radios.to != nil { throw ValidationError("--from/--to choose radios of --sim") }
        guard (1...10_000).contains(traffic.count) else { throw ValidationError("--count must be 1-10000") }
        guard traffic.interval >= 0, traffic.interval <= 3600 else { throw ValidationError("--interval must be 0-3600 seconds") }
        if let h = traffic.hopLimit, !(0...7).contains(h) { throw ValidationError("--hop-limit must be 0-7") }
        guard traffic.timeout > 0, traffic.timeout <= 3600 else { throw ValidationError("--timeout must be 0-3600 seconds") }
        guard radios.speed >= 0.1, radios.speed <= 1000 else { throw ValidationError("--speed must be 0.1-1000") }
        guard traffic.preloadAirtime >= 0, traffic.preloadAirtime <= 3600 else { throw ValidationError("--preload-airtime must be 0-3600 seconds") }
        guard traffic.resendTtl >= 1, traffic.resendTtl <= 86_400 else { throw ValidationError("--resend-ttl must be 1-86400 seconds") }
    }

    func run() async throws {
        // Interrupted (Ctrl-C, SIGTERM): the throwaway homes go too.
        let stops = onInterrupt { BenchRun.removeTemporaryDirectories(); Glibc.exit(130) }
        defer { stops.forEach { $0.cancel() } }
        var options = BenchRun.Options()
        options.count = traffic.count; options.intervalSeconds = traffic.interval; options.hopLimit = traffic.hopLimit
        options.bothWays = !traffic.oneWay; options.timeoutSeconds = traffic.timeout; options.preloadAirtimeSeconds = traffic.preloadAirtime
        options.resend = !traffic.noResend; options.resendTTLSeconds = traffic.resendTtl
        let started = Date()
        let outcome: (BenchRun.Result, BenchSetting)
        if let sim = radios.sim {
            outcome = try await runSimulated(sim, options: options)
        } else {
            outcome = try await runHardware(options: options)
        }
        let (result, setting) = outcome
        let wall = Date().timeIntervalSince(started)
        let text = BenchText(result: result, setting: setting, command: Self.commandLine(), wallSeconds: wall, title: output.title)
        if output.json {
            emitLine((try? jsonLine(BenchJSON(setting: setting, result: result, command: text.command))) ?? "{}")
        } else {
            print(text.table())
        }
        if let report = output.report {
            do { try text.markdown().write(toFile: report, atomically: true, encoding: .utf8) } catch {
                throw CLIError(.cantCreate, "cannot write \(report): \(error.localizedDescription)")
            }
        }
        if !result.allIntact || result.summaries.contains(where: { $0.delivered < $0.sent }) {
            let lost = result.summaries.reduce(0) { $0 + $1.sent - $1.delivered }
            throw CLIError(.temporaryFailure, "\(lost) of \(result.samples.count) messages did not arrive intact")
        }
    }

    private func runHardware(options: BenchRun.Options) async throws -> (BenchRun.Result, BenchSetting) {
        let ea = try Self.endpoint(radios.a ?? ""), eb = try Self.endpoint(radios.b ?? "")
        let er = try radios.relay.map { v in try Self.endpoint(v) }
        let run = BenchRun(options: options)
        let result: BenchRun.Result
        result = try await run.run(a: ea, b: eb, relay: er, progress: Self.progress(total: options.count * (options.bothWays ? 2 : 1)))
        return (result, .hardware)
    }

    private func runSimulated(_ name: String, options: BenchRun.Options) async throws -> (BenchRun.Result, BenchSetting) {
        let run = try await SimStop.bench(name, from: radios.from, to: radios.to, speed: radios.speed, seed: radios.seed, options: options)
        return (run.result, run.setting)
    }

    /// A path or tcp://host[:port], read exactly as LORA_MSG_PORT is.
    static func endpoint(_ value: String) throws -> RadioChoice {
        RadioChoice(environment: ["LORA_MSG_PORT": value])
    }

    /// Progress on stderr: the radios, duty-cycle waits, and each message with how many of
    /// `total` are done and about how long the rest will take (at the pace so far).
    static func progress(total: Int) -> @Sendable (BenchRun.Progress) -> Void {
        let started = Date()
        let done = Mutex(0)
        return { p in
            switch p {
            case .connected(let radios):
                for r in radios { printError("bench: \(r.role) \(r.node) on \(r.endpoint) (\(r.hardware), firmware \(r.firmware), \(r.region) \(r.preset))") }
            case let .waiting(direction, index, seconds):
                if seconds % 10 == 0 || seconds < 5 { printError("bench: \(direction) \(index): waiting — radio duty cycle, next slot in \(seconds) s") }
            case let .exchanged(direction, index, ms):
                let n = done.withLock { $0 += 1; return $0 }
                let left = Date().timeIntervalSince(started) / Double(n) * Double(max(0, total - n))
                let eta = n < total ? ", about \(TimeText.span(left)) left" : ""
                printError("bench: \(n)/\(total) done (\(direction) \(index) \(ms == nil ? "not delivered" : "delivered"))\(eta)")
            case .sample(let s):
                let outcome = s.deliveredMs.map { String(format: "delivered in %.0f ms ", $0) + journey(hops: s.hops, rssi: s.rssi, snr: s.snr) } ?? "not delivered"
                printError("bench: \(s.direction) \(s.index): \(outcome), \(s.state)\(s.intact || s.deliveredMs == nil ? "" : ", CORRUPTED")")
            }
        }
    }

    /// The command as a user would type it again.
    static func commandLine() -> String {
        (["lora-msg"] + CommandLine.arguments.dropFirst()).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}

enum SimStop {
    /// What a bench on virtual radios measured, and what every radio of the scenario spent on
    /// the air meanwhile (relays included), over `simulatedSeconds`.
    struct BenchOnAir {
        var result: BenchRun.Result
        var setting: BenchSetting
        var transmitted: [(name: String, seconds: Double)]
        var simulatedSeconds: Double
    }

    /// Runs `bench run` between two radios of the scenario `name` (first and last unless named).
    static func bench(_ name: String, from: String?, to: String?, speed: Double, seed: UInt64,
                      options: BenchRun.Options) async throws -> BenchOnAir {
        let scenario = try resolveScenario(name)
        let names = scenario.nodes.map(\.name)
        let fromName = from ?? names.first ?? "", toName = to ?? names.last ?? ""
        guard let ia = names.firstIndex(of: fromName) else { throw CLIError(.usage, "no radio named '\(fromName)' in \(scenario.name) (\(names.joined(separator: ", ")))") }
        guard let ib = names.firstIndex(of: toName), ib != ia else { throw CLIError(.usage, "--to must name another radio of \(scenario.name) (\(names.joined(separator: ", ")))") }
        let (runtime, clock) = try await start(scenario, speed: speed, seed: seed)
        defer { runtime.stop() }
        let run = BenchRun(options: options, clock: clock)
        let result = try await run.run(a: try BenchRunCommand.endpoint(runtime.ports[ia].devicePath), b: try BenchRunCommand.endpoint(runtime.ports[ib].devicePath),
                                       relay: nil, progress: BenchRunCommand.progress(total: options.count * (options.bothWays ? 2 : 1)))
        return BenchOnAir(result: result, setting: .simulated(scenario: scenario, from: fromName, to: toName, speed: speed, seed: seed),
                          transmitted: runtime.transmittedSeconds(), simulatedSeconds: runtime.now)
    }

    /// Virtual radios of `scenario` on their own thread, ready, and the simulated clock: the
    /// wall scaled by the air's speed, so latencies and the duty-cycle ledger read as they
    /// would on real radios. The caller stops the runtime.
    static func start(_ scenario: Scenario, speed: Double, seed: UInt64, capture: String? = nil) async throws -> (SimRuntime, MessengerClock) {
        var o = SimRuntime.Options()
        o.speed = speed; o.seed = seed; o.bootDelaySeconds = 0.2
        o.capturePath = capture
        let runtime: SimRuntime
        do { runtime = try SimRuntime(scenario: scenario, options: o) } catch {
            if case .capture = error { throw CLIError(.cantCreate, error.description) }
            throw CLIError(.unavailable, "\(error)")
        }
        await runtime.startOnThread()
        let w0 = Date().timeIntervalSince1970
        return (runtime, MessengerClock.scaled(from: w0, by: speed))
    }
}

enum BenchSetting: Sendable {
    case hardware
    case simulated(scenario: Scenario, from: String, to: String, speed: Double, seed: UInt64)
}

struct BenchJSON: Encodable {
    var mode: String
    var scenario: String?
    var speed: Double?
    var seed: UInt64?
    var command: String
    var result: BenchRun.Result

    init(setting: BenchSetting, result: BenchRun.Result, command: String) {
        self.result = result; self.command = command
        switch setting {
        case .hardware: mode = "hardware"
        case let .simulated(s, _, _, speed, seed): mode = "simulated"; scenario = s.name; self.speed = speed; self.seed = seed
        }
    }
}
