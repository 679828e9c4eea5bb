import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import lora_msg

/// The findings' SVG charts: round ticks, well-formed SVG, and bad input refused in one line.
@Suite struct ChartTests {
    @Test func ticksAreRoundAndCoverTheRange() {
        #expect(SVGChart.ticks(0, 100) == [0, 20, 40, 60, 80, 100])
        // The axis ends on a tick at or past the data, so nothing is drawn beyond the last label.
        #expect(SVGChart.ticks(0, 7) == [0, 2, 4, 6, 8])
        #expect(SVGChart.ticks(-130, 15) == [-150, -100, -50, 0, 50])
        #expect(SVGChart.ticks(0.2, 6.4) == [0, 2, 4, 6, 8])
        #expect(SVGChart.ticks(0, 1).map(SVGChart.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        #expect(SVGChart.ticks(5, 5) == [5])
    }

    @Test func anSVGWithItsLabelsEscaped() throws {
        let chart = SVGChart(title: "a <b> & c", xTitle: "x (s)", yTitle: "y (%)",
                             series: [.init(name: "1 hop", points: [(0, 0), (1.5, 50), (3, 100)], shape: .step)],
                             references: [.init(name: "budget", y: 80)])
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("a &lt;b&gt; &amp; c") && !svg.contains("<b>"))
        #expect(svg.contains("x (s)") && svg.contains("y (%)") && svg.contains("1 hop") && svg.contains("budget"))
        #expect(svg.contains("<path d=\"M"))
        let doc = try XMLDocument(xmlString: svg)
        #expect(doc.rootElement()?.name == "svg")
    }

    @Test func badRunsAreRefusedInOneLine() throws {
        let dir = NSTemporaryDirectory() + "lora-msg-chart-" + UUID().uuidString.prefix(6)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data([0x7B, 0x22, 0xFF]).write(to: URL(fileURLWithPath: dir + "/garbage.json"))
        try Data("{\"result\": {\"samples\": []}}".utf8).write(to: URL(fileURLWithPath: dir + "/truncated.json"))
        for (args, status, words) in [
            (["latency-cdf", "x=\(dir)/garbage.json"], Int32(65), "is not the JSON"),
            (["latency-cdf", "x=\(dir)/truncated.json"], 65, "is not the JSON"),
            (["latency-cdf", "x=\(dir)/missing.json"], 66, "cannot read"),
            (["latency-cdf", "no-equals-sign"], 64, "LABEL=FILE"),
            (["airtime", "a=\(dir)/x", "b=\(dir)/y"], 64, "one run"),
            (["pie", "a=\(dir)/x"], 64, "invalid for '<kind>'"),
        ] as [([String], Int32, String)] {
            let r = try CLI.run(["bench", "chart"] + args + ["--out", dir + "/out.svg"])
            #expect(r.status == status, "\(args): \(r.err)")
            #expect(r.err.contains(words), "\(args): \(r.err)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.svg"))
        }
    }
}
