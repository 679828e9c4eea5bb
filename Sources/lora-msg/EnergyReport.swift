import Foundation
import LoRaPHY

/// `bench energy`'s result as a table, Markdown and JSON: each radio's daily airtime on each
/// board, with the model's currents and where they come from.
struct EnergyReport {
    struct Load: Codable {
        var radio: String
        var transmitSecondsPerDay: Double
        /// Seconds on the air per message of the bench run (nil: from a home's ledger).
        var perMessageSeconds: Double?
    }

    struct Row: Codable {
        var radio: String
        var board: String
        var transmitSecondsPerDay: Double
        var transmitPercent: Double
        var averageMilliamps: Double
        var batteryDays: Double
    }

    let boards: [BoardPower]
    let loads: [Load]
    let origin: String
    let command: String

    /// The floor (no traffic at all), then every load, for each board.
    var rows: [Row] {
        boards.flatMap { b in
            ([Load(radio: "no traffic", transmitSecondsPerDay: 0)] + loads).map { l in
                let e = EnergyEstimate(board: b, transmitSecondsPerDay: l.transmitSecondsPerDay)
                return Row(radio: l.radio, board: b.name, transmitSecondsPerDay: l.transmitSecondsPerDay,
                           transmitPercent: e.transmitShare * 100, averageMilliamps: e.averageMilliamps,
                           batteryDays: e.batteryHours / 24)
            }
        }
    }

    func table() -> String {
        var out = ["MODELLED, not measured: currents from datasheets and published measurements (see --report).",
                   "Airtime: \(origin).", ""]
        out.append(pad(["radio", "board", "TX s/day", "TX %", "avg mA", "battery"]))
        for r in rows {
            out.append(pad([r.radio, r.board, String(format: "%.1f", r.transmitSecondsPerDay), String(format: "%.3f", r.transmitPercent),
                            String(format: "%.2f", r.averageMilliamps), String(format: "%.1f days", r.batteryDays)]))
        }
        return out.joined(separator: "\n")
    }

    private func pad(_ cells: [String]) -> String {
        let widths = [22, 10, 10, 8, 8, 12]
        return zip(cells, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
    }

    struct JSON: Encodable {
        var modelled = true
        var origin: String
        var command: String
        var boards: [Board]
        var rows: [Row]
        struct Board: Encodable {
            var name: String, listenMilliamps: Double, transmitMilliamps: Double, batteryMilliampHours: Double, sources: [String]
        }
    }

    func json() -> JSON {
        JSON(origin: origin, command: command,
             boards: boards.map { .init(name: $0.name, listenMilliamps: $0.listenMilliamps, transmitMilliamps: $0.transmitMilliamps,
                                        batteryMilliampHours: $0.batteryMilliampHours, sources: $0.sources) },
             rows: rows)
    }

    /// The busiest radio's share of the day on the air, and what it adds to the floor.
    private func busiest() -> String {
        guard let b = boards.first, let top = loads.max(by: { $0.transmitSecondsPerDay < $1.transmitSecondsPerDay }) else { return "" }
        let e = EnergyEstimate(board: b, transmitSecondsPerDay: top.transmitSecondsPerDay)
        return String(format: "- Listening is nearly all of it. The busiest radio here (%@) is on the air %.2f %% of the day, which adds %.2f mA to the %@'s %.1f mA floor; the battery goes on keeping the receiver and the processor awake.",
                      top.radio, e.transmitShare * 100, e.transmitMilliamps, b.name, b.listenMilliamps)
    }

    func markdown() -> String {
        var md = ["# Battery life (modelled)", "",
                  "**Modelled, not measured.** No current meter was on a board for these figures. They come from",
                  "the model below, with airtime from \(origin). Regenerate with:", "", "    \(command)", "",
                  "## The model", "",
                  "A Meshtastic radio listens all the time and transmits for a small share of it, so",
                  "average current = listening current + (transmitting current − listening current) × share of time on the air.",
                  "", "| board | listening | transmitting | battery |", "|---|---|---|---|"]
        for b in boards {
            md.append(String(format: "| %@ | %.1f mA | %.1f mA | %.0f mAh, %@ |", b.displayName, b.listenMilliamps, b.transmitMilliamps,
                             b.batteryMilliampHours, b.batteryNote))
        }
        md += ["", "Sources:", ""]
        var seen = Set<String>()
        for s in boards.flatMap(\.sources) where seen.insert(s).inserted { md.append("- \(s)") }
        md += ["", "## Results", "",
               "| radio | board | TX s/day | TX share | average current | battery life |", "|---|---|---|---|---|---|"]
        for r in rows {
            md.append(String(format: "| %@ | %@ | %.1f | %.3f %% | %.2f mA | %.1f days |", r.radio, r.board, r.transmitSecondsPerDay,
                             r.transmitPercent, r.averageMilliamps, r.batteryDays))
        }
        if loads.contains(where: { $0.perMessageSeconds != nil }) {
            md += ["", "Airtime per message of the bench run (message, ACKs, relays, receipt, resends):", ""]
            for l in loads { if let s = l.perMessageSeconds { md.append(String(format: "- %@: %.2f s", l.radio, s)) } }
        }
        md += ["", "## What it says", "",
               busiest(),
               "- The spec's \"~2 mA idle, ~17 days on 850 mAh\" needs a receiver that sleeps between preamble checks.",
               "  The firmware asks for that (startReceiveDutyCycleAuto) with a 16-symbol preamble and 8 symbols to",
               "  latch, which leaves no symbol to sleep, so the SX1262 receives continuously (5.3 mA boosted) and the",
               "  floor is above 5 mA. The firmware wins: plan on days, not weeks, for a T-Echo.",
               "- A radio on lora-msg's USB cable is powered by the laptop; these figures matter for relays and for",
               "  a radio carried on its own battery.",
               "", "## Measuring it for real (the spec's 4-hour test)", "",
               "1. Charge a T-Echo fully; flash the same firmware as the mesh (2.8); set the role (CLIENT, or",
               "   ROUTER_LATE for a relay), `position.gps_mode` DISABLED and the screen off, as in this model.",
               "2. Put a USB power meter that logs (for example a UM34C or FNIRSI FNB58, 1 s samples) between a USB",
               "   power bank and the board. Measure on the USB input with the battery disconnected, or the charger's",
               "   current will be in the reading.",
               "3. Start the mesh traffic to model: two other radios exchanging messages through it with",
               "   `lora-msg bench run --a PORT --b PORT --count 200 --interval 60`, so it relays about one message a minute.",
               "4. Log for 4 hours. Note the average current, the peak, and the radio's own `air_util_tx` at the end",
               "   (`lora-msg radio info`, or the device metrics telemetry).",
               "5. Battery life = 850 mAh ÷ average mA (and × 0.85 for the capacity a cell gives before shutdown).",
               "   Put the figures in a table below, beside the model's row for the same airtime.",
               "", "| board | firmware | role | traffic | hours | average mA | air_util_tx | battery life |",
               "|---|---|---|---|---|---|---|---|",
               "| (not measured yet) | | | | | | | |", ""]
        return md.joined(separator: "\n")
    }
}
