import Testing
@testable import lora_msg

/// `chat`'s keys without a terminal: the picker, the input line, the slash commands.
@Suite struct ChatInputTests {
    func typing(_ s: String, into input: inout ChatInput) {
        for u in s.unicodeScalars { _ = input.handle(.text(u)) }
    }

    @Test func thePickerOpensByArrowsOrDigit() {
        var input = ChatInput(contacts: ["ann", "bob", "cy"], start: nil)
        _ = input.handle(.down); _ = input.handle(.down); _ = input.handle(.down)
        #expect(input.picked == 2, "stops at the last")
        _ = input.handle(.up)
        #expect(input.handle(.enter) == nil && input.current == "bob")
        var byDigit = ChatInput(contacts: ["ann", "bob"], start: nil)
        _ = byDigit.handle(.text("7"))
        #expect(byDigit.current == nil, "no seventh contact")
        _ = byDigit.handle(.text("1"))
        #expect(byDigit.current == "ann" && byDigit.typed.isEmpty, "a digit in the picker is not typed")
    }

    @Test func aLineIsSentTrimmedAndTheLineClears() {
        var input = ChatInput(contacts: ["bob"], start: "bob")
        typing("  hello there  ", into: &input)
        _ = input.handle(.backspace)
        #expect(input.handle(.enter) == .send("hello there", to: "bob"))
        #expect(input.typed.isEmpty)
        #expect(input.handle(.enter) == nil, "an empty line sends nothing")
        typing("oops", into: &input)
        _ = input.handle(.clearLine)
        #expect(input.typed.isEmpty)
    }

    @Test func slashCommands() {
        var input = ChatInput(contacts: ["bob"], start: "bob")
        typing("/to #valley", into: &input)
        #expect(input.handle(.enter) == .switchTo("#valley"))
        typing("/retry", into: &input)
        #expect(input.handle(.enter) == .retry)
        typing("/dance", into: &input)
        #expect(input.handle(.enter) == .help)
        typing("/q", into: &input)
        #expect(input.handle(.enter) == .quit)
        #expect(input.handle(ChatInput.key(char: 3)) == .quit, "Ctrl-C")
    }

    @Test func controlCharactersNeverReachTheLine() {
        var input = ChatInput(contacts: ["bob"], start: "bob")
        for c: UInt32 in [0x1B, 0x07, 0x7F, 0x85, 0x9B] { _ = input.handle(ChatInput.key(char: c)) }
        #expect(input.typed.isEmpty)
        _ = input.handle(ChatInput.key(char: 0xE9))
        #expect(input.typed == "é")
        _ = input.handle(.pageUp); _ = input.handle(.pageUp); _ = input.handle(.pageDown)
        #expect(input.scroll == 5)
    }
}
