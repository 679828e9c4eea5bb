import Foundation

/// A line chart as SVG text: axes with round ticks, units in the axis titles, a legend, and
/// horizontal reference lines. Small on purpose: the findings need readable figures, not a
/// plotting library.
struct SVGChart {
    enum Shape { case line, step, points }
    struct Series { var name: String; var points: [(x: Double, y: Double)]; var shape: Shape = .line }
    struct Reference { var name: String; var y: Double }

    var title: String
    var xTitle: String
    var yTitle: String
    var series: [Series]
    var references: [Reference] = []
    var yFrom: Double?
    var yTo: Double?

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    let width = 720.0, height = 420.0
    let left = 70.0, right = 20.0, top = 44.0, bottom = 60.0

    /// 1, 2 or 5 times a power of ten, about `count` steps, from the step at or below `lo` to
    /// the step at or above `hi`: the axis starts and ends on a labelled tick.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let p = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw * 0.999 } ?? raw
        let first = (lo / step).rounded(.down), last = (hi / step - 1e-9).rounded(.up)
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e7 { return String(Int(v)) }
        return String(format: abs(v) < 10 ? "%.2g" : "%.1f", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    func svg() -> String {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) } + references.map(\.y)
        var x0 = xs.min() ?? 0, x1 = xs.max() ?? 1
        var y0 = yFrom ?? min(0, ys.min() ?? 0), y1 = yTo ?? (ys.max() ?? 1)
        if x1 <= x0 { x1 = x0 + 1 }
        if y1 <= y0 { y1 = y0 + 1 }
        let xt = Self.ticks(x0, x1), yt = Self.ticks(y0, y1)
        x0 = min(x0, xt.first ?? x0); x1 = max(x1, xt.last ?? x1)
        y0 = min(y0, yt.first ?? y0); y1 = max(y1, yt.last ?? y1)
        let pw = width - left - right, ph = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { top + ph - (y - y0) / (y1 - y0) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let legendWidth = 20 + 6.6 * Double(series.map(\.name.count).max() ?? 0)

        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(width / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(Self.escape(title))</text>

        """
        for t in xt {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + ph))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + ph + 18))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        for t in yt {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(t)))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#444\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 16))\" text-anchor=\"middle\">\(Self.escape(xTitle))</text>\n"
        s += "<text transform=\"translate(18 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yTitle))</text>\n"
        for r in references {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(r.y)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(r.y)))\" stroke=\"#777\" stroke-dasharray=\"6 4\"/>\n"
            s += "<text x=\"\(f(left + pw - 4))\" y=\"\(f(py(r.y) - 5))\" text-anchor=\"end\" fill=\"#555\">\(Self.escape(r.name))</text>\n"
        }
        for (i, se) in series.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            let pts = se.points.sorted { $0.x < $1.x }
            switch se.shape {
            case .points:
                for p in pts { s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(colour)\"/>\n" }
            case .line, .step:
                var d = ""
                for (k, p) in pts.enumerated() {
                    if k == 0 { d += "M\(f(px(p.x))),\(f(py(p.y)))" }
                    else if se.shape == .step { d += " H\(f(px(p.x))) V\(f(py(p.y)))" }
                    else { d += " L\(f(px(p.x))),\(f(py(p.y)))" }
                }
                s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
                if se.shape == .line { for p in pts { s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(colour)\"/>\n" } }
            }
            // The legend in the bottom-right corner, where these charts leave room.
            let ly = top + ph - 12 - Double(series.count - 1 - i) * 18
            s += "<rect x=\"\(f(left + pw - 12 - legendWidth))\" y=\"\(f(ly - 9))\" width=\"14\" height=\"4\" fill=\"\(colour)\"/>\n"
            s += "<text x=\"\(f(left + pw - 12 - legendWidth + 20))\" y=\"\(f(ly - 3))\">\(Self.escape(se.name))</text>\n"
        }
        return s + "</svg>\n"
    }
}
