import ArgumentParser
import Foundation
import LoRaPHY
import LoraLab
import LoraMessenger

struct EnergyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "energy",
        abstract: "Model a radio's average current and battery life from its airtime (modelled, not measured).",
        discussion: """
        A Meshtastic radio listens all the time and spends a little of it transmitting; its \
        average current is the listening current plus what each second on the air adds. The \
        currents come from datasheets and published measurements (printed with the result, \
        with their sources), so every figure here is modelled. findings/battery.md says how to \
        measure a real board with a USB meter.

        By default the airtime is this home's own transmissions over the last --hours, from \
        lora-msg's ledger (what its radio relays for others is not in it). With --sim it comes \
        from a bench run on virtual radios: every radio's transmissions, relays included, per \
        message, scaled to --messages-per-day.

        Examples:
          lora-msg bench energy
          lora-msg bench energy --sim line-5 --count 10 --messages-per-day 200 --report findings/battery.md
        """
    )

    @OptionGroup var homeOptions: HomeOptions
    @Option(help: ArgumentHelp("Only this board: \(BoardPower.all.map(\.name).joined(separator: ", ")).", valueName: "name")) var board: String?
    @Option(help: ArgumentHelp("Battery capacity instead of the board's own.", valueName: "mAh")) var batteryMah: Double?
    @Option(help: ArgumentHelp("Without --sim: how far back to read this home's airtime (1-24; the store keeps a day).", valueName: "h")) var hours = 24.0
    @Option(help: ArgumentHelp("Take the airtime from a bench run on this scenario's virtual radios instead.", valueName: "scenario")) var sim: String?
    @Option(help: ArgumentHelp("With --sim: messages per direction in the bench run.", valueName: "n")) var count = 10
    @Option(help: ArgumentHelp("With --sim: the daily traffic to model, in messages (each with its receipt).", valueName: "n")) var messagesPerDay = 100.0
    @Option(help: ArgumentHelp("With --sim: how much faster than real time the air runs.", valueName: "x")) var speed = 20.0
    @Option(help: ArgumentHelp("With --sim: random seed of the air.", valueName: "n")) var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Write a Markdown report (with the measurement procedure) to this file.", valueName: "file")) var report: String?
    @Flag(help: "Print the result as JSON on stdout.") var json = false

    var boards: [BoardPower] {
        let chosen = board.flatMap { BoardPower.named($0) }.map { [$0] } ?? BoardPower.all
        return chosen.map { b in batteryMah.map { b.with(batteryMilliampHours: $0) } ?? b }
    }

    func validate() throws {
        if let board, BoardPower.named(board) == nil {
            throw ValidationError("no board '\(board)': choose \(BoardPower.all.map(\.name).joined(separator: " or "))")
        }
        if let b = batteryMah, !(b >= 10 && b <= 100_000) { throw ValidationError("--battery-mah must be 10-100000") }
        guard hours >= 1, hours <= 24 else { throw ValidationError("--hours must be 1-24 (the store keeps a day of airtime)") }
        guard (1...1000).contains(count) else { throw ValidationError("--count must be 1-1000") }
        guard messagesPerDay >= 0, messagesPerDay <= 100_000 else { throw ValidationError("--messages-per-day must be 0-100000") }
        guard speed >= 1, speed <= 1000 else { throw ValidationError("--speed must be 1-1000") }
    }

    func run() async throws {
        let loads: [EnergyReport.Load]
        let origin: String
        if let sim {
            var options = BenchRun.Options()
            options.count = count
            let stops = onInterrupt { BenchRun.removeTemporaryDirectories(); Glibc.exit(130) }
            defer { stops.forEach { $0.cancel() } }
            let run = try await SimStop.bench(sim, from: nil, to: nil, speed: speed, seed: seed, options: options)
            let sent = run.result.summaries.reduce(0) { $0 + $1.sent }
            let delivered = run.result.summaries.reduce(0) { $0 + $1.delivered }
            let scale = messagesPerDay / Double(max(sent, 1))
            loads = run.transmitted.map { EnergyReport.Load(radio: $0.name, transmitSecondsPerDay: $0.seconds * scale,
                                                           perMessageSeconds: $0.seconds / Double(max(sent, 1))) }
            origin = "a bench run on the \(sim) scenario (virtual radios, seed \(seed)): \(sent) messages, \(delivered) delivered, "
                + String(format: "%.0f simulated seconds; every radio's airtime, relays included, scaled to %g messages a day", run.simulatedSeconds, messagesPerDay)
        } else {
            let messenger = try homeOptions.openMessenger()
            let used = try messenger.transmittedSeconds(since: messenger.now - hours * 3600)
            loads = [EnergyReport.Load(radio: "this home's radio", transmitSecondsPerDay: used * 24 / hours, perMessageSeconds: nil)]
            origin = String(format: "this home's airtime ledger: %.1f s of its own transmissions in the last %g h (relays by its radio not included)", used, hours)
        }
        let text = EnergyReport(boards: boards, loads: loads, origin: origin, command: BenchRunCommand.commandLine())
        if json {
            emitLine((try? jsonLine(text.json())) ?? "{}")
        } else {
            print(text.table())
        }
        if let report {
            do { try text.markdown().write(toFile: report, atomically: true, encoding: .utf8) } catch {
                throw CLIError(.cantCreate, "cannot write \(report): \(error.localizedDescription)")
            }
        }
    }
}
