import Foundation
import LoraMessenger

/// How a shared position reads in a terminal.
enum LocationText {
    static func line(_ l: SharedLocation, from own: SharedLocation?, now: Double = Date().timeIntervalSince1970) -> String {
        var s = "location " + degrees(l.lat, step: latitudeStep) + ", " + degrees(l.lon, step: longitudeStep)
        if let a = l.accuracy { s += " ±\(Int(a.rounded())) m" }
        if let alt = l.alt { s += ", \(Int(alt.rounded())) m high" }
        // A fix from another day (or a bogus one, dated 2106) must not pass for today's.
        s += ", fix \(TimeText.local(l.fixTime, withDate: abs(now - l.fixTime) > 12 * 3600))"
        if let own {
            let d = own.distanceAndBearing(to: l)
            s += " — \(distance(d.metres)) \(compass(d.degrees)) (\(Int(d.degrees.rounded()) % 360)°) of your last fix"
        }
        return s
    }

    /// The protocol's resolution (24-bit latitude over ±90°, longitude over ±180°).
    static let latitudeStep = 90.0 / Double(1 << 23), longitudeStep = 180.0 / Double(1 << 23)

    /// The fewest decimals that name the same quantized value: 6.63 sent comes back as
    /// 6.629992 and reads "6.63", not "6.62999".
    static func degrees(_ v: Double, step: Double) -> String {
        for d in 0...6 {
            let p = pow(10.0, Double(d))
            if abs((v * p).rounded() / p - v) <= step / 2 { return String(format: "%.\(d)f", v) }
        }
        return String(format: "%.6f", v)
    }

    static func distance(_ m: Double) -> String {
        m < 1000 ? "\(Int(m.rounded())) m" : String(format: "%.1f km", m / 1000)
    }

    static func compass(_ degrees: Double) -> String {
        let points = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]
        return points[Int(((degrees + 22.5).truncatingRemainder(dividingBy: 360)) / 45) % 8]
    }
}

/// How a received file reads in a terminal: what it is, and how to get it out.
enum FileText {
    static func line(_ f: IncomingFile, id: String) -> String {
        "file '\(terminalSafe(f.name))' (\(terminalSafe(f.mediaType)), \(f.size) bytes); write it out with: lora-msg save \(id.prefix(8)) PATH"
    }
}
