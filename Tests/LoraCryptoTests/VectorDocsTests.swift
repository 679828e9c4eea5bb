import Foundation
import Testing

/// The known-answer vectors a stranger gets (docs/vectors, linked from PROTOCOL.md) are the
/// very files the tests check lora-msg against, byte for byte, so they cannot drift apart.
@Suite struct VectorDocsTests {
    @Test(arguments: ["envelope-vectors.json", "v2-vectors.json", "v3-vectors.json", "group-vectors.json", "mailbox-vectors.json"])
    func theDocumentedVectorsAreTheTestedOnes(name: String) throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let root = tests.deletingLastPathComponent().deletingLastPathComponent()
        let tested = try Data(contentsOf: tests.appendingPathComponent("Fixtures/" + name))
        let documented = try Data(contentsOf: root.appendingPathComponent("docs/vectors/" + name))
        #expect(!tested.isEmpty && documented == tested, "docs/vectors/\(name) differs from the tests' fixture")
        let protocolText = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        #expect(protocolText.contains("docs/vectors/" + name), "PROTOCOL.md links it")
    }
}
