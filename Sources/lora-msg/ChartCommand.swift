import ArgumentParser
import Foundation
import LoraLab
import LoraMessenger

struct ChartCommand: ParsableCommand {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case latencyCDF = "latency-cdf", range, airtime
    }

    static let configuration = CommandConfiguration(
        commandName: "chart",
        abstract: "Draw a bench run's figures as an SVG chart.",
        discussion: """
        Reads what 'lora-msg bench --json' printed (one file per run, LABEL=FILE) and writes SVG:
          latency-cdf  the share of messages delivered within each latency, one line per run
                       (label them by hop count)
          range        delivery %, median RSSI and SNR against distance (label each run by its
                       distance in metres)
          airtime      airtime in the sender's ledger over the hour at each send of a
                       duty-cycle run (preload included), against the region's budget (one run)

        Example (Scripts/findings does this):
          lora-msg bench chart latency-cdf "1 hop=l1.json" "2 hops=l2.json" --out findings/latency-cdf.svg
        """
    )

    @Argument(help: "latency-cdf, range or airtime.") var kind: Kind
    @Argument(help: ArgumentHelp("Bench runs as LABEL=FILE (bench --json output).", valueName: "label=file")) var runs: [String]
    @Option(help: ArgumentHelp("Where to write the SVG.", valueName: "file")) var out: String
    @Option(help: ArgumentHelp("Chart title (a default per kind).", valueName: "text")) var title: String?

    func validate() throws {
        if runs.isEmpty { throw ValidationError("give at least one run as LABEL=FILE") }
        if kind == .airtime && runs.count != 1 { throw ValidationError("airtime takes one run") }
    }

    struct Run: Decodable {
        struct Result: Decodable { var samples: [BenchRun.Sample]; var summaries: [BenchRun.Summary]; var ledger: BenchRun.Ledger }
        var result: Result
    }

    func run() throws {
        var loaded: [(label: String, run: Run)] = []
        let decoder = JSONDecoder(); decoder.keyDecodingStrategy = .convertFromSnakeCase
        for spec in runs {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex else { throw CLIError(.usage, "'\(spec)' is not LABEL=FILE") }
            let label = String(spec[..<eq]), path = String(spec[spec.index(after: eq)...])
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError(.noInput, "cannot read \(path)") }
            guard data.count <= 16 << 20, let r = try? decoder.decode(Run.self, from: data) else {
                throw CLIError(.dataError, "\(path) is not the JSON 'lora-msg bench --json' prints")
            }
            loaded.append((label, r))
        }
        let chart: SVGChart
        switch kind {
        case .latencyCDF:
            chart = SVGChart(title: title ?? "Latency: share of messages delivered within t", xTitle: "latency, send to decrypted (s)",
                             yTitle: "delivered (%)", series: loaded.map { l in
                let sent = max(1, l.run.result.samples.count)
                let times = l.run.result.samples.compactMap(\.deliveredMs).sorted().map { $0 / 1000 }
                let pts = [(x: 0.0, y: 0.0)] + times.enumerated().map { (x: $0.element, y: Double($0.offset + 1) / Double(sent) * 100) }
                return SVGChart.Series(name: "\(l.label) (\(times.count)/\(sent))", points: pts, shape: .step)
            }, yFrom: 0, yTo: 100)
        case .range:
            func point(_ l: (label: String, run: Run), _ value: (BenchRun.Summary) -> Double?) -> (x: Double, y: Double)? {
                guard let d = Double(l.label.filter { $0.isNumber || $0 == "." }), let s = l.run.result.summaries.first, let v = value(s) else { return nil }
                return (d, v)
            }
            chart = SVGChart(title: title ?? "Delivery, RSSI and SNR against distance", xTitle: "distance (m)",
                             yTitle: "delivered (%) · RSSI (dBm) · SNR (dB)", series: [
                SVGChart.Series(name: "delivered %", points: loaded.compactMap { point($0) { $0.deliveredPercent } }),
                SVGChart.Series(name: "RSSI dBm (median)", points: loaded.compactMap { point($0) { $0.rssi?.median } }),
                SVGChart.Series(name: "SNR dB (median)", points: loaded.compactMap { point($0) { $0.snr?.median } }),
            ], references: [SVGChart.Reference(name: "0", y: 0)])
        case .airtime:
            let r = loaded[0].run.result
            // The ledger's view: airtime in the hour before each send, the message included.
            var pts: [(x: Double, y: Double)] = []
            for smp in r.samples.sorted(by: { ($0.sentAtSeconds ?? 0) < ($1.sentAtSeconds ?? 0) }) {
                guard let t = smp.sentAtSeconds, let used = smp.hourUsedSeconds else { continue }
                pts.append((t, used))
            }
            guard !pts.isEmpty else { throw CLIError(.dataError, "\(runs[0]) has no send times; run the bench again with this version") }
            chart = SVGChart(title: title ?? "Airtime used over the hour", xTitle: "time since the run began (s)",
                             yTitle: "airtime in the last hour (s)",
                             series: [SVGChart.Series(name: "\(loaded[0].label): \(r.samples.count) messages, \(SVGChart.label(r.ledger.totalDutyWaitSeconds.rounded())) s waited for the duty cycle", points: pts, shape: .line)],
                             references: [SVGChart.Reference(name: "the hour's budget, \(Int(r.ledger.budgetSeconds)) s (\(r.ledger.region))", y: r.ledger.budgetSeconds)],
                             // Near the budget, show the top of the scale, where the steps are.
                             yFrom: (pts.map(\.y).min() ?? 0) > r.ledger.budgetSeconds / 2 ? ((pts.map(\.y).min()! - 5) / 5).rounded(.down) * 5 : 0)
        }
        do { try chart.svg().write(toFile: out, atomically: true, encoding: .utf8) } catch {
            throw CLIError(.cantCreate, "cannot write \(out): \(error.localizedDescription)")
        }
    }
}
