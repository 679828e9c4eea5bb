import ArgumentParser
import Foundation
import LoraLab
import LoraMessenger
import MeshSim

struct LongMessagesBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "long-messages",
        abstract: "Measure long messages and files on virtual radios with lossy links: airtime, time, goodput.",
        discussion: """
        For every path (1 hop: two radios; more: a line of radios 1.5 km apart, each relay \
        hearing only its neighbours, in the default CLIENT role), every loss (the chance each \
        link drops a packet) and every payload (a 4 KiB English text, and with \
        --file-size a file of random bytes), starts fresh virtual radios, sends it once and \
        waits until the sender hears that the receiver has it all. Prints the findings as \
        Markdown (or writes them with --report).

        Example (the figures in findings/long-messages.md):
          lora-msg bench long-messages --seeds 5 --report findings/long-messages.md
        """
    )

    @Option(help: ArgumentHelp("Loss per link in percent, comma-separated.", valueName: "list")) var losses = "0,10,30"
    @Option(help: ArgumentHelp("Hops, comma-separated (1-4).", valueName: "list")) var hops = "1,2,4"
    @Option(help: ArgumentHelp("Bytes of the text payload (1-4096).", valueName: "n")) var textSize = 4096
    @Option(help: ArgumentHelp("Bytes of the file payload (0 for none, at most 16384).", valueName: "n")) var fileSize = 16384
    @Option(help: ArgumentHelp("How much faster than real time the air runs.", valueName: "x")) var speed = 20.0
    @Option(help: ArgumentHelp("Random seed of the air (the first, with --seeds).", valueName: "n")) var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Texts: run each path and loss with this many seeds of the air and report medians (files, slow, run once).", valueName: "n")) var seeds = 1
    @Option(help: ArgumentHelp("Give up on one transfer after this many simulated seconds.", valueName: "s")) var timeout = 14_400.0
    @Option(help: ArgumentHelp("Write the Markdown report to this file.", valueName: "file")) var report: String?
    @Flag(help: "Print one JSON line per transfer instead.") var json = false
    @Option(help: ArgumentHelp("Also write each transfer's air (as sim --capture does) to DIR/HOPS-LOSS-PAYLOAD.jsonl.", valueName: "dir")) var captureDir: String?

    /// Every item of a comma-separated list as a number, or nil if any is not one (an empty
    /// item included).
    static func numbers(_ list: String) -> [Int]? {
        let items = list.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return items.contains(nil) ? nil : items.compactMap { $0 }
    }
    var lossList: [Int] { Self.numbers(losses) ?? [] }
    var hopList: [Int] { Self.numbers(hops) ?? [] }

    func validate() throws {
        guard let l = Self.numbers(losses), l.allSatisfy({ (0...90).contains($0) }) else {
            throw ValidationError("--losses must be percentages 0-90, comma-separated")
        }
        guard let h = Self.numbers(hops), h.allSatisfy({ (1...4).contains($0) }) else {
            throw ValidationError("--hops must be 1-4, comma-separated")
        }
        guard (1...LoraMessenger.Messenger.maxLongTextBytes).contains(textSize) else { throw ValidationError("--text-size must be 1-4096") }
        guard (0...LoraMessenger.Messenger.maxFileBytes).contains(fileSize) else { throw ValidationError("--file-size must be 0-16384") }
        guard speed >= 1, speed <= 100 else { throw ValidationError("--speed must be 1-100") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be 1-86400 seconds") }
        guard (1...20).contains(seeds) else { throw ValidationError("--seeds must be 1-20") }
    }

    func run() async throws {
        // Interrupted (Ctrl-C, SIGTERM): the throwaway homes go too.
        let stops = onInterrupt { BenchRun.removeTemporaryDirectories(); Glibc.exit(130) }
        defer { stops.forEach { $0.cancel() } }
        var payloads: [(String, TransferBench.Payload)] = [("\(textSize) B English text", .text(TransferBenchReport.prose(bytes: textSize)))]
        if fileSize > 0 {
            var x = seed | 1
            let bytes = (0..<fileSize).map { _ -> UInt8 in x = x &* 6364136223846793005 &+ 1442695040888963407; return UInt8(x >> 56) }
            payloads.append(("\(fileSize) B random file", .file(name: "survey.bin", bytes: bytes)))
        }
        var rows: [TransferBenchReport.Row] = []
        let cells = hopList.count * lossList.count * payloads.reduce(0) { $0 + ($1.1.isFile ? 1 : seeds) }
        let started = Date()
        for h in hopList {
            for loss in lossList {
                for (name, payload) in payloads {
                    for run in 0..<(payload.isFile ? 1 : seeds) {
                        let airSeed = seed + UInt64(run)
                        let capture = captureDir.map { "\($0)/\(h)hop-\(loss)pct-\(payload.isFile ? "file" : "text")\(run > 0 ? "-\(airSeed)" : "").jsonl" }
                        let result = try await Self.once(hops: h, loss: loss, payload: payload, speed: speed, seed: airSeed, timeout: timeout, capture: capture)
                        let row = TransferBenchReport.Row(hops: h, lossPercent: loss, payload: name, seed: airSeed, result: result)
                        rows.append(row)
                        if json { emitLine((try? jsonLine(row)) ?? "{}") }
                        let left = Date().timeIntervalSince(started) / Double(rows.count) * Double(cells - rows.count)
                        printError("bench: \(rows.count)/\(cells) transfers done" + (rows.count < cells ? ", about \(TimeText.span(left)) left at this pace" : ""))
                        printError(String(format: "bench: %d hop(s), %d %% loss, %@: %d chunks, %d sends, %.2f× the loss-free airtime, confirmed after %@ s%@",
                                          h, loss, name, result.chunks, result.chunkSends, result.airtimeRatio,
                                          result.confirmedAfterSeconds.map { String(format: "%.0f", $0) } ?? "—", result.intact ? "" : ", NOT INTACT") + (result.failure.map { ": " + $0 } ?? "") + " (seed \(airSeed))")
                    }
                }
            }
        }
        if json { return }
        let md = TransferBenchReport(rows: rows, command: "lora-msg bench long-messages" + Self.flags(), speed: speed, seed: seed).markdown()
        if let report {
            do { try md.write(toFile: report, atomically: true, encoding: .utf8) } catch {
                throw CLIError(.cantCreate, "cannot write \(report): \(error.localizedDescription)")
            }
        } else {
            print(md)
        }
        if rows.contains(where: { !$0.result.intact }) { throw CLIError(.temporaryFailure, "some transfers did not arrive intact") }
    }

    /// The options given, as they were typed, without --report.
    static func flags() -> String {
        var out = "", skip = false
        for a in CommandLine.arguments.drop(while: { $0 != "long-messages" }).dropFirst() {
            if skip { skip = false; continue }
            if a == "--report" { skip = true; continue }
            out += " " + a
        }
        return out
    }

    static func once(hops: Int, loss: Int, payload: TransferBench.Payload, speed: Double, seed: UInt64, timeout: Double, capture: String? = nil) async throws -> TransferBench.Result {
        let p = Double(loss) / 100
        let names = ["a"] + (1..<hops).map { "r\($0)" } + ["b"]
        let scenario = Scenario(name: "line", nodes: names.map { Scenario.Node(name: $0) },
                                links: zip(names, names.dropFirst()).map { Scenario.Link(a: $0, b: $1, distanceMetres: 1500, loss: p) })
        let (runtime, clock) = try await SimStop.start(scenario, speed: speed, seed: seed, capture: capture)
        defer { runtime.stop() }
        let bench = TransferBench(payload: payload, timeoutSeconds: timeout, clock: clock)
        return try await bench.run(a: try BenchRunCommand.endpoint(runtime.ports.first?.devicePath ?? ""),
                                   b: try BenchRunCommand.endpoint(runtime.ports.last?.devicePath ?? ""))
    }
}
