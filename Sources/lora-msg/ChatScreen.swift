import Foundation

/// The chat screen's layout, without the terminal: rows of text that fit a width in display
/// columns (CJK and emoji count two), the input line with its cursor, the status bar. Pure,
/// so the wrapping can be tested; `ChatCommand` draws what it returns.
struct ChatScreen {
    struct Row: Equatable {
        var text: String
        var style: Int32
    }

    static func columns(_ s: Substring) -> Int { s.unicodeScalars.reduce(0) { $0 + width($1.value) } }

    /// Terminal columns of one scalar, by the Unicode East Asian Width ranges that matter for
    /// chat (CJK, Hangul, fullwidth forms, emoji: 2; combining marks, joiners, variation
    /// selectors, controls: 0). Written out rather than asked of wcwidth, which answers only in a
    /// UTF-8 locale and differs between C libraries.
    static func width(_ v: UInt32) -> Int {
        switch v {
        case 0..<0x20, 0x7F..<0xA0, 0x300...0x36F, 0x200B...0x200F, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xE0100...0xE01EF: return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F900...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x3FFFD: return 2
        default: return 1
        }
    }
    static func columns(_ s: String) -> Int { columns(Substring(s)) }

    /// Splits `text` into pieces of at most `width` columns, at spaces where it can.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var rows: [String] = []
        var line = "", lineCols = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let w = columns(word)
            let sep = line.isEmpty ? 0 : 1
            if lineCols + sep + w <= width {
                line += (sep == 1 ? " " : "") + word; lineCols += sep + w
                continue
            }
            if !line.isEmpty { rows.append(line); line = ""; lineCols = 0 }
            // A word wider than the line is cut by columns, never inside a character.
            var piece = "", pieceCols = 0
            for ch in word {
                let c = columns(String(ch))
                if pieceCols + c > width { rows.append(piece); piece = ""; pieceCols = 0 }
                piece.append(ch); pieceCols += c
            }
            line = piece; lineCols = pieceCols
        }
        rows.append(line)
        return rows
    }

    /// The last `height` rows of the conversation, each message wrapped under its header.
    static func conversation(_ lines: [(header: String, body: String, style: Int32)], width: Int, height: Int) -> [Row] {
        var rows: [Row] = []
        for l in lines {
            for (i, piece) in wrap(l.header + "  " + l.body, width: width).enumerated() {
                rows.append(Row(text: (i == 0 ? "" : "  ") + piece, style: l.style))
            }
        }
        return Array(rows.suffix(height))
    }

    /// The input line: a prompt, the end of what is typed (scrolled so the cursor shows), and
    /// the cursor column.
    static func input(_ typed: String, prompt: String, width: Int) -> (text: String, cursor: Int) {
        let room = max(1, width - columns(prompt) - 1)
        var shown = Substring(typed)
        while columns(shown) > room { shown = shown.dropFirst() }
        return (prompt + shown, columns(prompt) + columns(shown))
    }
}
