import Foundation
import Testing
import TestSupport

/// `contact show` says whether your radio holds the contact's radio key (firmware 2.8 needs it
/// for every DM), and lora-msg asks for it: the valley's radios all know each other's keys, so
/// north's home first sets east's node by hand (nothing heard yet), then a `tail` connects,
/// asks east's radio (two hops away) for its NodeInfo, and hears the answer.
@Suite(.serialized) struct RadioKeyCommandTests {
    @Test func contactShowSaysWhetherTheRadioHasTheKey() async throws {
        let v = try await Valley()
        defer { v.close() }
        var r = try v.run("north", ["contact", "set-node", "east", v.node("east")])
        #expect(r.status == 0, "\(r.err)")
        r = try v.run("north", ["contact", "show", "east"])
        #expect(r.out.contains("radio key     not heard yet"), "\(r.out)")
        r = try v.run("north", ["contact", "show", "east", "--json"])
        #expect(r.out.contains("\"radio_key_state\":\"not-heard\"") && r.out.contains("\"radio_key\":null"), "\(r.out)")
        // A running tail asks at its start (east is a contact with a node and no key heard)
        // and hears the answer.
        let tail = try Background(["tail", "--home", v.home("north"), "--port", v.port("north")])
        defer { tail.stop() }
        #expect(await tail.wait(timeout: 60) { tail.err.contains("asked east's radio \(v.node("east")) for its key") }, "\(tail.err)")
        #expect(await tail.wait(timeout: 120) { tail.err.contains("your radio has east's radio key now (\(v.node("east")))") }, "\(tail.err)")
        let shown = try v.run("north", ["contact", "show", "east"]).out
        #expect(shown.contains("radio key     your radio has it") && shown.contains("is its CRC32 (firmware 2.8)"), "\(shown)")
    }
}
