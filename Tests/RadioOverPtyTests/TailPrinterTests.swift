import Foundation
import Testing
@testable import LoraMessenger
@testable import lora_msg

/// `tail`'s words for each event, without a pty: what goes to stdout, what to stderr, what only
/// under --verbose, and the closing count of what was not shown.
@Suite struct TailPrinterTests {
    let message = IncomingMessage(id: "m1", contact: "bob", senderID: "0e2cd7e4bfadb016", node: "!0000b0b0", text: "hello\u{1B}[31m",
                                  location: nil, hops: 2, rssi: -97, snr: 4.5, receivedAt: 1_790_000_000)

    @Test func aMessageGoesToStdoutWithItsJourneyAndNoEscapes() throws {
        var p = TailPrinter(verbose: false, json: false)
        let lines = try p.lines(for: .message(message), ownFix: nil)
        guard case .out(let line)? = lines.first, lines.count == 1 else { Issue.record("\(lines)"); return }
        #expect(line.contains("  bob  ") && line.contains("2 hops") && line.hasSuffix("hello\\u{1b}[31m") && !line.contains("\u{1B}"), "\(line)")
        var j = TailPrinter(verbose: false, json: true)
        guard case .out(let json)? = try j.lines(for: .message(message), ownFix: nil).first else { Issue.record("no json"); return }
        #expect(json.hasPrefix("{") && json.contains("\"contact\":\"bob\"") && json.contains("\"kind\":\"text\""), "\(json)")
    }

    @Test func dropsAreCountedAndExplainedOnlyWhenTheyMatter() throws {
        var quiet = TailPrinter(verbose: false, json: false)
        #expect(try quiet.lines(for: .dropped(.failedAuthentication(contact: "bob")), ownFix: nil).isEmpty)
        // Not being able to store an authentic message is always said: it comes again.
        let notStored = try quiet.lines(for: .dropped(.notStored(contact: "bob", reason: "disk full")), ownFix: nil)
        #expect(notStored == [.err("lora-msg: a message from bob could not be stored (disk full); not shown, no receipt sent, so their lora-msg sends it again")])
        #expect(quiet.summary == nil, "the summary is for --verbose")
        var loud = TailPrinter(verbose: true, json: false)
        _ = try loud.lines(for: .dropped(.failedAuthentication(contact: "bob")), ownFix: nil)
        _ = try loud.lines(for: .dropped(.failedAuthentication(contact: "eve")), ownFix: nil)
        _ = try loud.lines(for: .dropped(.malformed("cut short")), ownFix: nil)
        #expect(loud.summary == "lora-msg: not shown: 2 failed authentication, 1 malformed")
    }

    @Test func deliveryNewsIsQuietUnlessItFailed() throws {
        var p = TailPrinter(verbose: false, json: false)
        #expect(try p.lines(for: .delivery(messageID: "abcdef123", state: .acked, detail: nil), ownFix: nil).isEmpty)
        #expect(try p.lines(for: .delivery(messageID: "abcdef123", state: .failed, detail: "no receipt"), ownFix: nil)
                == [.err("lora-msg: message abcdef12 failed: no receipt")])
        #expect(try p.lines(for: .receipt(contact: "bob", messageIDs: ["abcdef123"], read: false, reboundTo: "!0000b0b1"), ownFix: nil)
                == [.err("lora-msg: bob's radio is now !0000b0b1 (their own authenticated receipt says so)")])
        #expect(try p.lines(for: .receiving(contact: "bob", have: 2, count: 5), ownFix: nil) == [.progress("receiving 2/5 from bob …")])
    }

    /// Every receive outcome is either shown another way or a named drop: none is "other".
    @Test func onlyDropsBecomeDropReasons() {
        #expect(DropReason(.message(message)) == nil && DropReason(.duplicate) == nil && DropReason(.notOurs) == nil)
        #expect(DropReason(.malformed("x")) == .malformed("x"))
        #expect(DropReason(.postHeld(group: nil))?.tally == "held for their group's roster")
    }
}
