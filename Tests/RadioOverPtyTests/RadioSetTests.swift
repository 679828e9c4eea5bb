import Foundation
import Testing
@testable import MeshSim

/// An UNSET radio refuses to transmit: lora-msg says so with the fix, and the fix works.
@Suite(.serialized) struct RadioSetTests {
    @Test func anUnsetRadioIsRefusedUpFrontAndRadioSetFixesIt() async throws {
        var scenario = Scenario.twoRadios
        scenario.region = "UNSET"
        let sim = try RunningSim(scenario, speed: 10)
        defer { sim.stop() }
        await sim.waitForLinks()
        let info = try CLI.run(["radio", "info", "--json", "--port", sim.link("alice")])
        #expect(info.status == 0)
        #expect((try JSONSerialization.jsonObject(with: Data(info.out.utf8)) as? [String: Any])?["region"] as? String == "UNSET")

        let home = NSTemporaryDirectory() + "lora-msg-unset-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: home) }
        #expect(try CLI.run(["init", "--home", home]).status == 0)
        let other = NSTemporaryDirectory() + "lora-msg-unset-b-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(try CLI.run(["init", "--home", other]).status == 0)
        let key = try CLI.run(["id", "--json", "--home", other]).out
        let pk = try #require((try JSONSerialization.jsonObject(with: Data(key.utf8)) as? [String: Any])?["public_key"] as? String)
        #expect(try CLI.run(["contact", "add", "bob", pk, "--home", home]).status == 0)
        let send = try CLI.run(["send", "bob", "hello", "--home", home, "--port", sim.link("alice"), "--timeout", "5"])
        #expect(send.status == 69, "\(send.err)")
        #expect(send.err.contains("no region set") && send.err.contains("lora-msg radio set region"))

        let set = try CLI.run(["radio", "set", "region", "eu_868", "--port", sim.link("alice")])
        #expect(set.status == 0, "\(set.err)")
        #expect(set.out.contains("region EU_868"))
        let preset = try CLI.run(["radio", "set", "preset", "MEDIUM_FAST", "--port", sim.link("alice")])
        #expect(preset.out.contains("preset MediumFast"), "\(preset.err)")
        #expect(try CLI.run(["radio", "set", "region", "MARS", "--port", sim.link("alice")]).status == 64)
        // The message that waited in the outbox now goes.
        let retry = try CLI.run(["outbox", "retry", "--home", home, "--port", sim.link("alice"), "--timeout", "10"])
        #expect(retry.status == 0, "\(retry.err)")
    }
}
