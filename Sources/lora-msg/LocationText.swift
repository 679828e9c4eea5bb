import Foundation
import LoraMessenger

/// How a shared position reads in a terminal.
enum LocationText {
    static func line(_ l: SharedLocation, from own: SharedLocation?) -> String {
        var s = "location " + String(format: "%.5f, %.5f", l.lat, l.lon)
        if let a = l.accuracy { s += " ±\(Int(a.rounded())) m" }
        if let alt = l.alt { s += ", \(Int(alt.rounded())) m high" }
        s += ", fix \(TimeText.local(l.fixTime))"
        if let own {
            let d = own.distanceAndBearing(to: l)
            s += " — \(distance(d.metres)) \(compass(d.degrees)) (\(Int(d.degrees.rounded()) % 360)°) of your last fix"
        }
        return s
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
