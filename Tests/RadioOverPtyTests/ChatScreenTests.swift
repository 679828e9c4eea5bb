import Testing
@testable import lora_msg

/// The chat layout in display columns: CJK and emoji take two, nothing is cut inside a character.
@Suite struct ChatScreenTests {
    @Test func widths() {
        #expect(ChatScreen.columns("abc") == 3)
        #expect(ChatScreen.columns("日本") == 4)
        #expect(ChatScreen.columns("🚀") == 2)
    }

    @Test func wrappingKeepsWordsAndNeverSplitsACharacter() {
        #expect(ChatScreen.wrap("the river is high", width: 9) == ["the river", "is high"])
        let cjk = ChatScreen.wrap("日本語日本語", width: 5)
        #expect(cjk == ["日本", "語日", "本語"])
        #expect(cjk.allSatisfy { ChatScreen.columns($0) <= 5 })
        #expect(ChatScreen.wrap("", width: 10) == [""])
        #expect(ChatScreen.wrap("abc", width: 0).isEmpty)
        #expect(ChatScreen.wrap(String(repeating: "🚀", count: 7), width: 4).allSatisfy { ChatScreen.columns($0) <= 4 })
    }

    @Test func theInputLineScrollsToKeepTheCursorVisible() {
        let (text, cursor) = ChatScreen.input(String(repeating: "a", count: 100), prompt: "bob> ", width: 30)
        #expect(ChatScreen.columns(text) <= 30 && text.hasPrefix("bob> ") && cursor <= 29)
        let short = ChatScreen.input("hi", prompt: "bob> ", width: 30)
        #expect(short.text == "bob> hi" && short.cursor == 7)
    }

    @Test func theConversationShowsTheLastRows() {
        let lines = (1...10).map { (header: "12:0\($0 % 10)", body: "message \($0)", style: Int32(0)) }
        let rows = ChatScreen.conversation(lines, width: 40, height: 3)
        #expect(rows.map(\.text) == ["12:08  message 8", "12:09  message 9", "12:00  message 10"])
    }
}
