import Foundation
import Testing
@testable import MeshSim

@Suite struct ScenarioTests {
    func load(_ json: String) throws(ScenarioError) -> Scenario {
        let path = NSTemporaryDirectory() + "scenario-\(UUID().uuidString).json"
        FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Scenario.load(path: path)
    }

    @Test func builtInsAreValid() throws {
        for (name, s) in Scenario.builtIn {
            try s.validate()
            #expect(s.name == name)
        }
    }

    @Test func documentedExampleLoads() throws {
        let s = try load("""
        {"name": "farm", "region": "US", "preset": "MEDIUM_FAST", "hop_limit": 5, "extra_nodes": 10,
         "nodes": [{"name": "house", "node_id": "!0000beef"}, {"name": "barn", "role": "ROUTER"}],
         "links": [{"a": "house", "b": "barn", "distance_m": 300, "extra_loss_db": 8, "loss": 0.1}]}
        """)
        #expect(s.resolvedRegion.name == "US")
        #expect(s.resolvedPreset == .mediumFast)
        #expect(s.nodeNum(of: s.nodes[0]) == 0xBEEF)
        #expect(s.links?.first?.loss == 0.1)
    }

    @Test(arguments: [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ("[]", "wrong type"),
        (#"{"name": "x"}"#, "lacks \"nodes\""),
        (#"{"name": "x", "nodes": []}"#, "at least one node"),
        (#"{"name": "x", "nodes": [{"name": "a"}]}"#, "needs x and y"),
        (#"{"name": "x", "nodes": [{"name": "a", "x": 0, "y": 0}, {"name": "a", "x": 1, "y": 1}]}"#, "appears twice"),
        (#"{"name": "x", "nodes": [{"name": "../etc", "x": 0, "y": 0}]}"#, "without \"/\""),
        (#"{"name": "x", "nodes": [{"name": "a", "x": "far", "y": 0}]}"#, "wrong type at nodes"),
        (#"{"name": "x", "region": "MARS", "nodes": [{"name": "a", "x": 0, "y": 0}]}"#, "unknown region"),
        (#"{"name": "x", "preset": "WARP", "nodes": [{"name": "a", "x": 0, "y": 0}]}"#, "unknown preset"),
        (#"{"name": "x", "hop_limit": 9, "nodes": [{"name": "a", "x": 0, "y": 0}]}"#, "hop_limit"),
        (#"{"name": "x", "extra_nodes": 5000, "nodes": [{"name": "a", "x": 0, "y": 0}]}"#, "extra_nodes"),
        (#"{"name": "x", "nodes": [{"name": "a", "node_id": "!xyz"}], "links": []}"#, "node_id"),
        (#"{"name": "x", "nodes": [{"name": "a"}], "links": [{"a": "a", "b": "zz", "distance_m": 5}]}"#, "unknown node"),
        (#"{"name": "x", "nodes": [{"name": "a"}, {"name": "b"}], "links": [{"a": "a", "b": "b"}]}"#, "needs distance_m"),
        (#"{"name": "x", "nodes": [{"name": "a"}, {"name": "b"}], "links": [{"a": "a", "b": "b", "distance_m": 5, "loss": 2}]}"#, "between 0 and 1"),
    ])
    func badScenariosAreRefusedWithAReason(json: String, reason: String) {
        #expect {
            _ = try load(json)
        } throws: { e in
            (e as? ScenarioError)?.description.contains(reason) == true
        }
    }

    @Test func oversizedAndMissingFilesAreRefused() throws {
        #expect(throws: ScenarioError.unreadable("cannot read scenario file /nonexistent/s.json")) {
            try Scenario.load(path: "/nonexistent/s.json")
        }
        let big = "{\"name\": \"" + String(repeating: "x", count: 1 << 20) + "\", \"nodes\": []}"
        #expect(throws: ScenarioError.invalid("scenario file is larger than 1 MiB")) { try load(big) }
    }
}
