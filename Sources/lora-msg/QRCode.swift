import CQRencode

/// A QR code drawn with Unicode half blocks: two module rows per text line, with the quiet
/// 4-module quiet zone ISO/IEC 18004 asks for (phone scanners need it), dark modules as background so it scans on dark terminals.
enum TerminalQRCode {
    /// The module matrix, true = dark; nil when libqrencode cannot encode the text.
    static func modules(for text: String) -> [[Bool]]? {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        guard width > 0, let data = code.pointee.data else { return nil }
        return (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
    }

    static func render(_ matrix: [[Bool]], quiet: Int = 4) -> String {
        let n = matrix.count + 2 * quiet
        func dark(_ x: Int, _ y: Int) -> Bool {
            let mx = x - quiet, my = y - quiet
            guard my >= 0, my < matrix.count, mx >= 0, mx < matrix.count else { return false }
            return matrix[my][mx]
        }
        var lines: [String] = []
        for y in stride(from: 0, to: n, by: 2) {
            var line = ""
            for x in 0..<n {
                // Light modules are drawn (white on a dark terminal), dark ones left blank.
                let top = !dark(x, y), bottom = y + 1 < n ? !dark(x, y + 1) : false
                switch (top, bottom) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
