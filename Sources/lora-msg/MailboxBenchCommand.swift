import ArgumentParser
import Foundation
import LoRaPHY
import LoraLab
import LoraMessenger
import MeshSim

struct MailboxBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailbox",
        abstract: "Time a mailbox handing over N held messages when their recipient comes back, on virtual radios.",
        discussion: """
        On the scenario (default: the valley) the first radio sends, the middle one serves as the \
        mailbox and the last one receives. The recipient registers, its radio is switched off, the \
        sender leaves N messages with the mailbox, then the recipient's radio comes on and its \
        lora-msg asks. Times are the radios' (simulated) seconds; figures are modelled, not measured \
        on hardware.
        """
    )

    @Option(help: ArgumentHelp("A built-in scenario or a JSON file.", valueName: "name")) var sim = "valley"
    @Option(help: ArgumentHelp("How many messages to hold, comma-separated (1…16: what one sender may leave for one recipient).", valueName: "n,n")) var counts = "1,5,16"
    @Option(help: ArgumentHelp("How much faster than real time the radios run (each lora-msg's own work is sped up as much: keep it low for fair times).", valueName: "x")) var speed = 4.0
    @Option(help: ArgumentHelp("The simulation's random seed.", valueName: "n")) var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Write the figures as Markdown to this file.", valueName: "path")) var report: String?
    @Flag(help: "Print JSON.") var json = false
    @Option(help: ArgumentHelp("Record the air as JSON lines, as 'sim --capture' does.", valueName: "path")) var capture: String?

    func validate() throws {
        guard speed > 0, speed <= 1000 else { throw ValidationError("--speed must be above 0 and at most 1000") }
        let most = Messenger.mailboxPerSenderLimit
        guard !parsedCounts.isEmpty, parsedCounts.allSatisfy({ (1...most).contains($0) }) else {
            throw ValidationError("--counts takes numbers 1…\(most) (a mailbox holds at most \(most) from one sender for one recipient), e.g. 1,5,16")
        }
    }

    private var parsedCounts: [Int] { counts.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() async throws {
        let scenario = try resolveScenario(sim)
        guard scenario.nodes.count >= 3 else { throw CLIError(.usage, "the scenario needs three radios (sender, mailbox, recipient); \(scenario.name) has \(scenario.nodes.count)") }
        let (runtime, clock) = try await SimStop.start(scenario, speed: speed, seed: seed, capture: capture)
        defer { runtime.stop() }
        let stops = onInterrupt { BenchRun.removeTemporaryDirectories(); Glibc.exit(130) }
        defer { stops.forEach { $0.cancel() } }
        let n = runtime.ports.count
        let (s, m, r) = (0, n / 2, n - 1)
        let bench = MailboxBench(counts: parsedCounts, clock: clock)
        let samples = try await bench.run(
            sender: try BenchRunCommand.endpoint(runtime.ports[s].devicePath), mailbox: try BenchRunCommand.endpoint(runtime.ports[m].devicePath),
            recipient: try BenchRunCommand.endpoint(runtime.ports[r].devicePath),
            // Returns once the air took it: a client that talks to a radio still off waits out a handshake retry.
            power: { on in await runtime.apply(.power(station: r, on: on)) },
            progress: { printError("lora-msg: \($0)") })
        let names = (runtime.ports[s].name, runtime.ports[m].name, runtime.ports[r].name)
        if json {
            emitLine(try jsonLine(samples))
        } else {
            for x in samples {
                print(String(format: "%3d held: left in %.0f s; handed over in %.0f s, cleared in %.0f s; mailbox on the air %.1f s%@%@",
                             x.held, x.depositSeconds, x.deliverSeconds, x.clearedSeconds, x.mailboxAirtimeSeconds,
                             x.hourSharePercent.map { String(format: " (%.0f %% of its hour)", $0) } ?? "", x.intact ? "" : "  NOT ALL ARRIVED INTACT"))
            }
        }
        if let report {
            let md = Self.markdown(samples, scenario: scenario, names: names, command: BenchRunCommand.commandLine())
            do { try md.write(toFile: report, atomically: true, encoding: .utf8) } catch { throw CLIError(.ioError, "cannot write \(report)") }
        }
        if samples.contains(where: { !$0.intact }) { throw CLIError(.temporaryFailure, "not every held message arrived intact; see the figures") }
    }

    static func markdown(_ samples: [MailboxBench.Sample], scenario: Scenario, names: (String, String, String), command: String) -> String {
        let preset = scenario.resolvedPreset, region = scenario.resolvedRegion
        // One hand-over frame: a 0x0B around a 0x06 text of ~60 bytes, as a PKI DM.
        let handOverBytes = MeshtasticFrame.phyBytes(encodedData: 1 + 77 + 6, pki: true)
        let handOverMs = preset.modem.timeOnAirMilliseconds(bytes: handOverBytes)
        var md = [
            "# The mailbox: handing over held messages",
            "",
            "**Modelled** on virtual radios (`\(scenario.name)`: \(names.0) sends, \(names.1) is the mailbox, \(names.2) receives), \(region.name) \(preset.displayName). Times are the radios' seconds.",
            "",
            "Regenerate: `\(command)`",
            "",
            "The recipient registers, its radio is switched off, the sender leaves N texts with the mailbox (`send --via-mailbox`), then the recipient's radio comes on and its lora-msg asks (`tail` does on start). *Handed over*: from its start (handshake with its radio included) until it holds every message; *cleared*: until the mailbox holds nothing more for it (its confirms arrived). The hand-overs are DMs with `want_ack` (without it a 2.8 radio keeps them one hop); each holds a slot of the mailbox radio's transmit queue until its ACK or its last retry, so when ACKs are lost they go in bursts as slots free.",
            "",
            "| held | left with the mailbox in | handed over in | cleared in | mailbox airtime | of its hourly budget | all intact |",
            "|---|---|---|---|---|---|---|",
        ]
        for x in samples {
            md.append("| \(x.held) | \(Int(x.depositSeconds.rounded())) s | \(Int(x.deliverSeconds.rounded())) s | \(Int(x.clearedSeconds.rounded())) s | \(String(format: "%.1f", x.mailboxAirtimeSeconds)) s | \(x.hourSharePercent.map { String(format: "%.0f %%", $0) } ?? "no limit") | \(x.intact ? "yes" : "**no**") |")
        }
        let perHour = region.hasDutyCycle ? Int(region.hourlyBudgetMilliseconds / handOverMs) : nil
        md += [
            "",
            "Against the duty cycle: one hand-over frame of a short text is about \(Int(handOverMs.rounded())) ms on the air as a DM, so the mailbox's \(region.hasDutyCycle ? "\(Int(region.hourlyBudgetMilliseconds / 1000)) s an hour" : "unlimited hour") hands over at most \(perHour.map(String.init) ?? "any number of") frames an hour before it must pause; a full quota (64 frames for one recipient, at most 16 of them from one sender) takes about \(Int((64 * handOverMs / 1000).rounded())) s of its airtime. What it spends the sender does not: each message left costs the sender one deposit (the envelope plus 9 bytes) instead of resends into silence.",
            "",
        ]
        return md.joined(separator: "\n")
    }
}
