import Foundation
import LoraLab
import LoraMessenger
import MeshSim

/// The bench's table for the terminal and its Markdown report.
struct BenchText {
    let result: BenchRun.Result
    let setting: BenchSetting
    let command: String
    let wallSeconds: Double
    let title: String?

    private func f(_ v: Double?, _ digits: Int = 0) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "–" }

    private func hops(_ h: [Int: Int]) -> String {
        h.isEmpty ? "–" : h.sorted { $0.key < $1.key }.map { "\($0.key < 0 ? "?" : String($0.key))×\($0.value)" }.joined(separator: " ")
    }

    private var rows: [[String]] {
        result.summaries.map { s in
            [s.direction, "\(s.sent)", String(format: "%.1f %%", s.deliveredPercent),
             f(s.latencyMs?.min), f(s.latencyMs?.median), f(s.latencyMs?.p95), f(s.latencyMs?.max),
             f(s.acceptMs?.median), hops(s.hops), f(s.rssi?.median), f(s.snr?.median, 1)]
        }
    }

    private let header = ["direction", "sent", "delivered", "min ms", "median ms", "p95 ms", "max ms", "accept ms (median)", "hops", "RSSI dBm (median)", "SNR dB (median)"]

    func table() -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        let lines = all.map { r in r.indices.map { r[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        let l = result.ledger
        return (lines + [
            "",
            "latency: from the send call until the other side's lora-msg had it decrypted" + (isSimulated ? " (simulated time)" : ""),
            String(format: "duty cycle %@: %.1f s of the hour's %.0f s budget used (%.1f %% of the budget), %.1f s spent waiting for it, most airtime in any hour %.1f s",
                   l.region, l.usedSecondsAtEnd, l.budgetSeconds, budgetShare(l.usedSecondsAtEnd, l.budgetSeconds), l.totalDutyWaitSeconds, l.largestWindowSeconds),
            resendLine,
        ]).joined(separator: "\n")
    }

    /// How many messages lora-msg sent again for want of a receipt, and what that cost.
    private var resendLine: String {
        result.summaries.map { s in
            let attempts = result.samples.filter { $0.direction == s.direction }.compactMap(\.attempts)
            return String(format: "%@: %d resends (attempts per message: %@), %.1f s of airtime", s.direction, s.resends,
                          attemptsHistogram(attempts), s.resendAirtimeSeconds)
        }.joined(separator: "; ")
    }

    private func attemptsHistogram(_ a: [Int]) -> String {
        let counts = Dictionary(grouping: a, by: { $0 }).mapValues(\.count)
        return counts.isEmpty ? "–" : counts.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
    }

    private var isSimulated: Bool { if case .simulated = setting { return true } else { return false } }

    func markdown() -> String {
        var md: [String] = []
        md.append("# " + (title ?? "lora-msg bench"))
        md.append("")
        switch setting {
        case .hardware:
            md.append("**Measured on hardware.** Radios:")
            md.append("")
            for r in result.radios { md.append("- \(r.role): \(r.node) on `\(r.endpoint)`, \(r.hardware), firmware \(r.firmware), \(r.region) \(r.preset)") }
            md.append("- Place: (fill in: where the radios stood, distance, obstacles)")
        case let .simulated(s, from, to, speed, seed):
            md.append("**Simulated** with lora-msg's virtual radios (`MeshSim`), not measured on hardware. Model:")
            md.append("")
            md.append("- scenario `\(s.name)`\(s.description.map { ": \($0)" } ?? ""); A = \(from), B = \(to)")
            md.append("- \(s.resolvedRegion.name), \(s.resolvedPreset.displayName) (SF\(s.resolvedPreset.modem.spreadingFactor), \(Int(s.resolvedPreset.modem.bandwidthHz / 1000)) kHz, CR 4/\(s.resolvedPreset.modem.codingRateDenominator)), hop limit \(s.hopLimit ?? 3)")
            let budget = s.linkBudget
            md.append(String(format: "- path loss: free space to 1 m, then exponent %.1f; TX %.0f dBm; noise floor −174 + 10·log10(BW) + 6 dB NF; capture 6 dB", budget.pathLossExponent, budget.txPowerDBm))
            md.append("- firmware behaviour modelled: contention window, flooding with duplicate suppression, hop limit, want_ack retries (3) and implicit ACKs, per-radio duty cycle")
            md.append(String(format: "- air seed %llu, time scaled %.0f×; latencies are in simulated time (client-side processing is scaled too, about 1–5 ms of real time each)", seed, speed))
        }
        md.append("")
        md.append("Regenerate: `\(command)`")
        md.append("")
        md.append("| " + header.joined(separator: " | ") + " |")
        md.append("|" + String(repeating: "---|", count: header.count))
        for r in rows { md.append("| " + r.joined(separator: " | ") + " |") }
        md.append("")
        let l = result.ledger
        md.append(String(format: "Duty cycle (%@, budget %.0f s per hour): %.1f s of airtime in the last hour at the end (%.1f %% of the budget), %.1f s of it preloaded; %.1f s spent waiting for the ledger; the most airtime in any one-hour window was %.1f s.",
                         l.region, l.budgetSeconds, l.usedSecondsAtEnd, budgetShare(l.usedSecondsAtEnd, l.budgetSeconds), l.preloadSeconds, l.totalDutyWaitSeconds, l.largestWindowSeconds))
        md.append("")
        md.append("End-to-end resends: " + resendLine + ".")
        md.append("")
        md.append("<details><summary>Every message</summary>")
        md.append("")
        md.append("| direction | # | accepted ms | delivered ms | hops | RSSI | SNR | state | sends | intact | duty wait s | airtime ms |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for s in result.samples {
            md.append("| \(s.direction) | \(s.index) | \(f(s.acceptedMs)) | \(f(s.deliveredMs)) | \(s.hops.map(String.init) ?? "–") | \(s.rssi.map(String.init) ?? "–") | \(f(s.snr, 1)) | \(s.state) | \(s.attempts.map(String.init) ?? "–") | \(s.intact ? "yes" : "no") | \(f(s.dutyWaitSeconds, 1)) | \(f(s.airtimeMs)) |")
        }
        md.append("")
        md.append("</details>")
        md.append("")
        return md.joined(separator: "\n")
    }
}

/// Used airtime as a share of the hourly budget (not of the hour: "4 s of 360 s" is 1.1 %).
func budgetShare(_ used: Double, _ budget: Double) -> Double { budget > 0 ? used / budget * 100 : 0 }
