import ArgumentParser
import Foundation
import LoraGateway
import LoraLab
import LoraMessenger
import MeshSim

struct GatewayBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Measure N gateways on one MQTT broker: latency they add, throughput, loss, duplicates.",
        discussion: """
        For each N, starts 2N virtual radios (a gate radio and a sender radio beside it, N \
        times, no radio path between the pairs) and N gateways in this process on the broker \
        given. Each sender broadcasts in turn; every other gateway must downlink each message \
        exactly once. Also measures the broker alone, as the baseline. Prints Markdown (or \
        writes it with --report).

        Example (the figures in findings/gateway.md; Scripts/findings starts a mosquitto):
          lora-msg bench gateway --mqtt mqtt://127.0.0.1:1883 --gateways 1,10,50 --report findings/gateway.md
        """
    )

    @OptionGroup(title: "Broker") var broker: BrokerOptions
    @Option(help: ArgumentHelp("Numbers of gateways, comma-separated (1-50).", valueName: "list")) var gateways = "1,10,50"
    @Option(help: ArgumentHelp("Broadcasts sent in all, for each N.", valueName: "n")) var messages = 100
    @Option(help: ArgumentHelp("Broadcasts a second, all senders together.", valueName: "x")) var rate = 5.0
    @Option(help: ArgumentHelp("Random seed of the air.", valueName: "n")) var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Write the Markdown report to this file.", valueName: "file")) var report: String?
    @Flag(help: "Print one JSON line per N instead.") var json = false

    var counts: [Int] { LongMessagesBenchCommand.numbers(gateways) ?? [] }

    func validate() throws {
        if broker.mqtt == nil { throw ValidationError("give the broker with --mqtt mqtt://HOST[:PORT]") }
        guard let c = LongMessagesBenchCommand.numbers(gateways), !c.isEmpty, c.allSatisfy({ (1...50).contains($0) }) else {
            throw ValidationError("--gateways must be numbers 1-50, comma-separated")
        }
        guard (1...10_000).contains(messages) else { throw ValidationError("--messages must be 1-10000") }
        guard rate > 0, rate <= 100 else { throw ValidationError("--rate must be above 0 and at most 100") }
    }

    func run() async throws {
        guard let choice = broker.choice else { return }
        var results: [GatewayBench.Result] = []
        for n in counts {
            var nodes: [Scenario.Node] = [], links: [Scenario.Link] = []
            for i in 1...n {
                nodes += [Scenario.Node(name: "gate-\(i)", ignoreMqtt: false), Scenario.Node(name: "send-\(i)", ignoreMqtt: false)]
                links.append(Scenario.Link(a: "gate-\(i)", b: "send-\(i)", distanceMetres: 100))
            }
            var scenario = Scenario(name: "gateways-\(n)", nodes: nodes, links: links)
            scenario.region = "US"; scenario.preset = "SHORT_TURBO"
            let (runtime, clock) = try await SimStop.start(scenario, speed: 1, seed: seed)
            defer { runtime.stop() }
            let path = { (name: String) in runtime.ports.first { $0.name == name }?.devicePath ?? "" }
            let gates = try (1...n).map { try BenchRunCommand.endpoint(path("gate-\($0)")) }
            let senders = try (1...n).map { try BenchRunCommand.endpoint(path("send-\($0)")) }
            let r = try await GatewayBench.run(gates: gates, senders: senders, broker: choice, messages: messages, rate: rate,
                                               clock: clock) { printError("bench: \($0)") }
            results.append(r)
            if json { emitLine((try? jsonLine(r)) ?? "{}") }
            printError(String(format: "bench: %d gateway(s): %d/%d downlinks, %d lost, %d duplicated, across p50 %@ ms p99 %@ ms; broker alone p50 %@ ms",
                              n, r.downlinks, r.expectedDownlinks, r.missing, r.duplicates,
                              r.acrossP50.map { String(format: "%.1f", $0) } ?? "—", r.acrossP99.map { String(format: "%.1f", $0) } ?? "—",
                              r.brokerP50.map { String(format: "%.1f", $0) } ?? "—"))
        }
        if json { return }
        let md = GatewayBench.markdown(results, command: "lora-msg bench gateway" + Self.flags(), rate: rate)
        if let report {
            do { try md.write(toFile: report, atomically: true, encoding: .utf8) } catch {
                throw CLIError(.cantCreate, "cannot write \(report): \(error.localizedDescription)")
            }
        } else {
            print(md)
        }
        if results.contains(where: { $0.missing > 0 || $0.duplicates > 0 || $0.uplinked < $0.messages }) {
            throw CLIError(.temporaryFailure, "some messages were lost or duplicated")
        }
    }

    /// The options given, without --report and the broker address (it changes every run).
    static func flags() -> String {
        var out = "", skip = false
        for a in CommandLine.arguments.drop(while: { $0 != "gateway" }).dropFirst() {
            if skip { skip = false; continue }
            if a == "--report" || a == "--mqtt" { skip = true; continue }
            out += " " + a
        }
        return out + " --mqtt URL"
    }
}
