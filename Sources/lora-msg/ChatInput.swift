import Foundation

/// What the keys do in `chat`, apart from curses: a value fed keys, answering with what the
/// screen must do. Tested without a terminal (ChatInputTests).
struct ChatInput {
    enum Key: Equatable {
        case text(Unicode.Scalar)
        case enter, backspace, clearLine, quit
        case up, down, pageUp, pageDown
        /// A key with no meaning here (a resize: the next draw reads the new size).
        case other
    }

    enum Action: Equatable {
        case quit
        /// A line for the open conversation.
        case send(String, to: String)
        /// `/to NAME` or `/to #GROUP`: the screen checks the name and calls `open`.
        case switchTo(String)
        case retry
        /// An unknown slash command: say what there is.
        case help
    }

    let contacts: [String]
    /// The open conversation; nil while the picker shows.
    private(set) var current: String?
    private(set) var picked = 0
    /// The input line.
    var typed = ""
    /// Lines scrolled back from the newest.
    private(set) var scroll = 0

    init(contacts: [String], start: String?) { self.contacts = contacts; current = start }

    /// The terminal's character `scalar` as a key: control characters by their meaning.
    static func key(char scalar: UInt32) -> Key {
        switch scalar {
        case 3, 4: return .quit                 // Ctrl-C, Ctrl-D
        case 13, 10: return .enter
        case 8, 127: return .backspace
        case 21: return .clearLine              // Ctrl-U
        default:
            guard scalar >= 0x20, !(0x7F..<0xA0).contains(scalar), let u = Unicode.Scalar(scalar) else { return .other }
            return .text(u)
        }
    }

    mutating func handle(_ key: Key) -> Action? {
        switch key {
        case .quit: return .quit
        case .enter: return enter()
        case .backspace: if !typed.isEmpty { typed.removeLast() }
        case .clearLine: typed = ""
        case .up: if current == nil { picked = max(0, picked - 1) }
        case .down: if current == nil { picked = min(contacts.count - 1, picked + 1) }
        case .pageUp: scroll += 5
        case .pageDown: scroll = max(0, scroll - 5)
        case .text(let u):
            // In the picker a digit opens that contact.
            if current == nil {
                if let d = Int(String(u)), d >= 1, d <= contacts.count { open(contacts[d - 1]) }
                return nil
            }
            typed.unicodeScalars.append(u)
        case .other: break
        }
        return nil
    }

    /// Opens a conversation, at its newest line.
    mutating func open(_ name: String) { current = name; scroll = 0 }

    /// Back to the newest line (after sending).
    mutating func scrollToNewest() { scroll = 0 }

    private mutating func enter() -> Action? {
        guard let to = current else {
            if contacts.indices.contains(picked) { open(contacts[picked]) }
            return nil
        }
        let line = typed.trimmingCharacters(in: .whitespaces)
        typed = ""
        guard !line.isEmpty else { return nil }
        guard line.hasPrefix("/") else { return .send(line, to: to) }
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "/quit", "/q": return .quit
        case "/to": return .switchTo(parts.count > 1 ? parts[1] : "")
        case "/retry": return .retry
        default: return .help
        }
    }
}
