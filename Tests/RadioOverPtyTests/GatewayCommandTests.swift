import Foundation
import MQTTLink
import MeshChannel
import MeshtasticWire
import Testing
@testable import MeshSim

/// Two valleys (the built-in two-valleys scenario) with a home at each end and a gateway on
/// each valley's gate radio, joined through a real mosquitto.
final class TwoValleys: @unchecked Sendable {
    let sim: RunningSim
    let broker: MosquittoBroker
    let root: String
    let environment: [String: String]
    var gateways: [String: Background] = [:]

    init(broker: MosquittoBroker) async throws {
        self.broker = broker
        sim = try RunningSim(.twoValleys, speed: 10)
        environment = sim.clockEnvironment
        root = NSTemporaryDirectory() + "lora-msg-valleys-" + UUID().uuidString.prefix(8)
        await sim.waitForLinks()
        try TestHomes.pair("north", node: node("a-north"), "east", node: node("b-east"), at: home)
    }

    func home(_ n: String) -> String { root + "/" + n }
    func node(_ radio: String) -> String { sim.nodeID(radio) }
    func radio(_ n: String) -> String { sim.link(n == "north" ? "a-north" : "b-east") }

    func gateway(_ gate: String, _ extra: [String] = ["--configure"]) throws -> Background {
        let g = try Background(["gateway", "--mqtt", broker.url, "--port", sim.link(gate)] + extra, environment: environment)
        gateways[gate] = g
        return g
    }

    /// Both gateways up with the broker connected.
    func startGateways() async throws {
        for gate in ["a-gate", "b-gate"] {
            let g = try gateway(gate)
            let up = await g.wait(timeout: 60) { g.err.contains("broker up") }
            try #require(up, "gateway \(gate): \(g.err)")
        }
    }

    func send(_ from: String, _ to: String, _ text: String) throws -> (status: Int32, out: String, err: String) {
        try CLI.run(["send", to, text, "--wait", "ack", "--timeout", "120", "--home", home(from), "--port", radio(from)], environment: environment)
    }

    func tail(_ n: String) throws -> Background {
        try Background(["tail", "--json", "--home", home(n), "--port", radio(n)], environment: environment)
    }

    func close() {
        for g in gateways.values { g.stop() }
        sim.stop()
        broker.stop()
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Everything published on the broker, as a subscriber to `#` sees it.
final class BrokerSpy: @unchecked Sendable {
    let client: BrokerClient
    private final class Log: @unchecked Sendable {
        let lock = NSLock()
        var items: [(topic: String, payload: [UInt8])] = []
        func add(_ t: String, _ p: [UInt8]) { lock.lock(); items.append((t, p)); lock.unlock() }
        var all: [(topic: String, payload: [UInt8])] { lock.lock(); defer { lock.unlock() }; return items }
    }
    private let seen = Log()
    private var task: Task<Void, Never>?

    init(_ url: String, caFile: String? = nil) throws {
        client = try BrokerClient(address: try BrokerAddress(parsing: url), credentials: BrokerCredentials(caFile: caFile),
                                  clientID: "spy-\(UUID().uuidString.prefix(6))", subscriptions: ["#"])
        task = Task { [client, seen] in
            for await e in client.events {
                if case .message(let t, let p, _) = e { seen.add(t, p) }
            }
        }
        try client.start()
    }
    var messages: [(topic: String, payload: [UInt8])] { seen.all }
    /// Connected and subscribed: it hears its own probe come back (no sleep for the SUBACK).
    func waitConnected() async -> Bool {
        for _ in 0..<500 where !client.isConnected { try? await Task.sleep(nanoseconds: 20_000_000) }
        for _ in 0..<100 {
            try? client.publish(topic: "lora-msg-test/spy-ready", payload: [1])
            for _ in 0..<10 {
                if messages.contains(where: { $0.topic == "lora-msg-test/spy-ready" }) { return true }
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        return false
    }
    /// Waits up to `seconds` for a message matching `match`.
    func first(within seconds: Double = 10, where match: ((topic: String, payload: [UInt8])) -> Bool) async -> (topic: String, payload: [UInt8])? {
        for _ in 0..<Int(seconds * 50) {
            if let m = messages.first(where: match) { return m }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return messages.first(where: match)
    }
    func publish(_ topic: String, _ payload: [UInt8], retain: Bool = false) throws { try client.publish(topic: topic, payload: payload, retain: retain) }
    func stop() { client.stop() }
}

@Suite(.serialized) struct GatewayCommandTests {
    @Test func twoValleysTalkBothWaysAndTheBrokerSeesNoPlaintext() async throws {
        let v = try await TwoValleys(broker: try MosquittoBroker())
        defer { v.close() }
        // Without --configure the gateway says what it would change and changes nothing.
        let refused = try CLI.run(["gateway", "--mqtt", v.broker.url, "--port", v.sim.link("a-gate")], environment: v.environment)
        #expect(refused.status == 64)
        #expect(refused.err.contains("not set up as a gateway") && refused.err.contains("client proxy on") && refused.err.contains("--configure"), "\(refused.err)")
        #expect(refused.err.split(separator: "\n").count == 1)

        let spy = try BrokerSpy(v.broker.url)
        defer { spy.stop() }
        #expect(await spy.waitConnected())
        try await v.startGateways()
        let tails = (north: try v.tail("north"), east: try v.tail("east"))
        defer { tails.north.stop(); tails.east.stop() }
        try await listening(tails.north, tails.east)

        let there = try v.send("north", "east", "zebracorn over the hills")
        #expect(there.status == 0, "\(there.err)")
        #expect(there.out.hasPrefix("acked"), "\(there.out)")
        #expect(await tails.east.wait(timeout: 30) { tails.east.out.contains("zebracorn over the hills") })
        let back = try v.send("east", "north", "unicornfield says hello back")
        #expect(back.status == 0, "\(back.err)")
        #expect(await tails.north.wait(timeout: 30) { tails.north.out.contains("unicornfield says hello back") })
        let line = try #require(tails.east.lines.first { $0.contains("zebracorn") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["contact"] as? String == "north")

        // Zero knowledge: every payload the broker carried, even opened with the channel key
        // (the public default), holds only Meshtastic framing around lora-msg envelopes.
        try await Task.sleep(nanoseconds: 300_000_000)
        let seen = spy.messages.filter { !$0.topic.hasPrefix("lora-msg-test/") }
        #expect(seen.count >= 4, "two messages and their ACKs each way")
        let key = ChannelKey(psk: [1])
        var envelopes = 0
        for m in seen {
            for marker in ["zebracorn", "unicornfield", "hills", "hello"] {
                #expect(!m.payload.containsSubsequence(Array(marker.utf8)), "\(m.topic) carries '\(marker)' in the clear")
            }
            let topic = try #require(MQTTTopic(parsing: m.topic))
            #expect(topic.root == "msh/EU_868" && topic.channelID == "LongFast")
            let env = try ServiceEnvelope(decoding: m.payload)
            let packet = try #require(env.packet)
            guard case .encrypted? = packet.payloadVariant else { Issue.record("a packet went up decoded"); continue }
            let opened = try #require(ChannelCipher.open(packet, key: key, channelHash: 8))
            let data = try #require(opened.decoded)
            switch data.portnum.name {
            case .privateApp?:
                envelopes += 1
                #expect([0x01, 0x02, 0x03, 0x06].contains(data.payload.first ?? 0), "a lora-msg frame kind")
                for marker in ["zebracorn", "unicornfield", "hills", "hello"] {
                    #expect(!data.payload.containsSubsequence(Array(marker.utf8)), "'\(marker)' readable under the channel key")
                }
            case .routingApp?:
                break   // the radios' ACKs
            case .nodeinfoApp?:
                // lora-msg asking a contact's radio for its key, and the answer: names and
                // radio keys, as every NodeInfo carries.
                let user = try User(decoding: data.payload)
                #expect(user.publicKey.count == 32)
            default:
                Issue.record("unexpected port \(data.portnum) on the broker")
            }
        }
        #expect(envelopes >= 2)
        let status = v.gateways["b-gate"]!.err
        #expect(status.contains(/up [1-9]\d* · down [1-9]\d*/), "\(status.suffix(300))")
    }

    /// A person in a city with no radio: `--mqtt` makes the home its own node on the broker.
    @Test func aHomeWithNoRadioReachesTheValleyAndIsReached() async throws {
        let v = try await TwoValleys(broker: try MosquittoBroker())
        defer { v.close() }
        let g = try v.gateway("b-gate")
        #expect(await g.wait(timeout: 60) { g.err.contains("broker up") }, "\(g.err)")
        try #require(try CLI.run(["init", "--home", v.home("city")]).status == 0)
        let id = try CLI.run(["id", "--json", "--home", v.home("city")])
        let cityKey = try #require((try JSONSerialization.jsonObject(with: Data(id.out.utf8)) as? [String: Any])?["public_key"] as? String)
        let eastID = try CLI.run(["id", "--json", "--home", v.home("east")])
        let eastKey = try #require((try JSONSerialization.jsonObject(with: Data(eastID.out.utf8)) as? [String: Any])?["public_key"] as? String)
        try #require(try CLI.run(["contact", "add", "east", eastKey, "--node", v.node("b-east"), "--home", v.home("city")]).status == 0)

        let city = try Background(["tail", "--json", "--home", v.home("city"), "--mqtt", v.broker.url, "--via", "mqtt"], environment: v.environment)
        defer { city.stop() }
        try await listening(city)
        #expect(city.err.contains("listening on \(v.broker.url) (no radio) as !"), "\(city.err)")
        let cityNode = try #require(city.err.firstMatch(of: /as (![0-9a-f]{8})/)).1
        try #require(try CLI.run(["contact", "add", "city", cityKey, "--node", String(cityNode), "--home", v.home("east")]).status == 0)
        let east = try v.tail("east")
        defer { east.stop() }
        try await listening(east)

        // From the city (handed to its running tail, which holds the broker node) to the valley…
        let out = try CLI.run(["send", "east", "the road is open", "--wait", "ack", "--timeout", "120",
                               "--home", v.home("city"), "--mqtt", v.broker.url], environment: v.environment)
        #expect(out.status == 0, "\(out.err)")
        #expect(await east.wait(timeout: 30) { east.out.contains("the road is open") })
        // …and back, ACKed by the broker node as a radio would.
        let back = try CLI.run(["send", "city", "good, we need bread", "--wait", "ack", "--timeout", "120",
                                "--home", v.home("east"), "--port", v.radio("east")], environment: v.environment)
        #expect(back.status == 0, "\(back.err)")
        #expect(await city.wait(timeout: 30) { city.out.contains("good, we need bread") })
        // A radio-less send with nobody holding the node starts its own and is ACKed too.
        city.stop()
        let alone = try CLI.run(["send", "east", "second word from town", "--wait", "ack", "--timeout", "120",
                                 "--home", v.home("city"), "--mqtt", v.broker.url, "--via", "mqtt"], environment: v.environment)
        #expect(alone.status == 0, "\(alone.err)")
        #expect(alone.out.hasPrefix("acked"), "\(alone.out)")
        #expect(await east.wait(timeout: 30) { east.out.contains("second word from town") })
        // auto (the default) with a radio named takes the radio, not the broker; --via mqtt the broker.
        let auto = try Background(["tail", "--home", v.home("city"), "--mqtt", v.broker.url, "--port", v.sim.link("a-north")], environment: v.environment)
        try await listening(auto)
        #expect(auto.err.contains("listening on \(v.sim.link("a-north")) as \(v.node("a-north"))"), "\(auto.err)")
        auto.stop()
        // --via mqtt leaves the radio out; naming one is a usage error. --via radio with none: exit 69.
        let both = try CLI.run(["send", "east", "x", "--home", v.home("city"), "--mqtt", v.broker.url, "--via", "mqtt", "--port", v.radio("north")])
        #expect(both.status == 64 && both.err.contains("--via mqtt does not use a radio"), "\(both.err)")
        let noBroker = try CLI.run(["send", "east", "x", "--home", v.home("city"), "--via", "mqtt"])
        #expect(noBroker.status == 64 && noBroker.err.contains("--via mqtt needs the broker"), "\(noBroker.err)")
        let badVia = try CLI.run(["send", "east", "x", "--home", v.home("city"), "--via", "pigeon"])
        #expect(badVia.status == 64, "\(badVia.err)")
        let bad = try CLI.run(["send", "east", "x", "--home", v.home("city"), "--mqtt", "http://example.org"])
        #expect(bad.status == 64 && bad.err.contains("mqtt://"), "\(bad.err)")
    }

    /// `--via both`: the radio and the broker at once; the far side shows the message once, and
    /// with the radio gone the broker alone carries it.
    @Test func viaBothSendsEachWayAndTheReceiverKeepsOneCopy() async throws {
        let v = try await TwoValleys(broker: try MosquittoBroker())
        defer { v.close() }
        try await v.startGateways()
        let east = try v.tail("east")
        defer { east.stop() }
        try await listening(east)
        let r = try CLI.run(["send", "east", "two ways at once", "--via", "both", "--mqtt", v.broker.url, "--wait", "ack", "--timeout", "120",
                             "--home", v.home("north"), "--port", v.radio("north")], environment: v.environment)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("acked"), "\(r.out)")
        #expect(await east.wait(timeout: 30) { east.out.contains("two ways at once") })
        try await Task.sleep(nanoseconds: 1_500_000_000)   // the second copy has arrived by now
        #expect(east.lines.filter { $0.contains("two ways at once") }.count == 1)
        let b = v.gateways["b-gate"]!
        #expect(b.err.contains(/down [2-9]/), "both copies reached valley B: \(b.err.suffix(200))")

        let noRadio = try CLI.run(["send", "east", "broker alone", "--via", "both", "--mqtt", v.broker.url, "--wait", "ack", "--timeout", "120",
                                   "--home", v.home("north"), "--port", v.root + "/no-such-radio"], environment: v.environment)
        #expect(noRadio.status == 0, "\(noRadio.err)")
        #expect(await east.wait(timeout: 30) { east.out.contains("broker alone") })
        let tailBoth = try CLI.run(["tail", "--via", "both", "--mqtt", v.broker.url, "--home", v.home("north")])
        #expect(tailBoth.status == 64 && tailBoth.err.contains("--via both is for send"), "\(tailBoth.err)")
    }

    @Test func aHostilePublisherIsCountedAndDroppedAndTheGatewayGoesOn() async throws {
        let v = try await TwoValleys(broker: try MosquittoBroker())
        defer { v.close() }
        let spy = try BrokerSpy(v.broker.url)
        defer { spy.stop() }
        #expect(await spy.waitConnected())
        // Kept by the broker before the gateways subscribe: replayed to them as old news.
        try spy.publish("msh/EU_868/2/e/LongFast/!cafef00d", [0x01, 0x02], retain: true)
        try await v.startGateways()
        let tail = try v.tail("east")
        defer { tail.stop() }
        try await listening(tail)
        let first = try v.send("north", "east", "first word")
        #expect(first.status == 0, "\(first.err)")
        let genuine = try #require(await spy.first { MQTTTopic(parsing: $0.topic)?.gatewayID == v.node("a-gate") })

        let topic = "msh/EU_868/2/e/LongFast/!deadbeef"
        try spy.publish(topic, [0xFF, 0x13, 0x37])                              // garbage
        try spy.publish(topic, Array(repeating: 0x0A, count: 4000))             // oversize
        try spy.publish(topic, genuine.payload)                                 // replay
        var loop = try ServiceEnvelope(decoding: genuine.payload)
        loop.gatewayID = v.node("b-gate")
        try spy.publish(topic, loop.encoded())                                   // its own gateway id: a loop
        var viaMqtt = try ServiceEnvelope(decoding: genuine.payload)
        viaMqtt.packet?.id &+= 1; viaMqtt.packet?.viaMqtt = true
        try spy.publish(topic, viaMqtt.encoded())                                // already crossed MQTT: a loop
        let b = v.gateways["b-gate"]!
        let counted = await b.wait(timeout: 10) {
            let e = b.err
            return e.contains("garbage") && e.contains("oversize") && e.contains("duplicate") && e.contains("2 loop") && e.contains("retained")
        }
        #expect(counted, "\(b.err.suffix(400))")
        // Still carrying real traffic, and east saw the first message once.
        let second = try v.send("north", "east", "second word")
        #expect(second.status == 0, "\(second.err)")
        #expect(await tail.wait(timeout: 30) { tail.out.contains("second word") })
        #expect(tail.lines.filter { $0.contains("first word") }.count == 1)
        #expect(b.process.isRunning)
    }

    @Test func aBrokerRestartAndAnUnpluggedRadioAreRiddenOut() async throws {
        let v = try await TwoValleys(broker: try MosquittoBroker())
        defer { v.close() }
        try await v.startGateways()
        let a = v.gateways["a-gate"]!
        v.broker.kill()
        #expect(await a.wait(timeout: 15) { a.err.contains("broker away") }, "\(a.err.suffix(300))")
        try await Task.sleep(nanoseconds: 500_000_000)
        try v.broker.start()
        let marks = a.err.components(separatedBy: "broker up").count
        #expect(await a.wait(timeout: 45) { a.err.components(separatedBy: "broker up").count > marks }, "\(a.err.suffix(300))")
        let b = v.gateways["b-gate"]!
        #expect(await b.wait(timeout: 45) { b.err.hasSuffix("dropped none\n") && b.err.contains("broker away") })
        try await Task.sleep(nanoseconds: 500_000_000)
        let r = try v.send("north", "east", "after the restart")
        #expect(r.status == 0, "\(r.err)")

        // The other side: b-gate's radio unplugged for 2 simulated seconds (it reboots).
        let station = try #require(v.sim.runtime.ports.firstIndex { $0.name == "b-gate" })
        v.sim.runtime.inject(.unplug(station: station, seconds: 2))
        #expect(await b.wait(timeout: 15) { b.err.contains("radio away") }, "\(b.err.suffix(300))")
        #expect(await b.wait(timeout: 30) { b.err.hasSuffix("\n") && (b.err.components(separatedBy: "\n").last { !$0.isEmpty } ?? "").contains("radio up") },
                "\(b.err.suffix(300))")
        let again = try v.send("north", "east", "after the unplug")
        #expect(again.status == 0, "\(again.err)")
        #expect(b.process.isRunning)
    }

    @Test func tlsWithAPasswordAndAVerifiedCertificate() async throws {
        let broker = try MosquittoBroker(tls: true, user: ("valley", "s3cret horse"))
        let v = try await TwoValleys(broker: broker)
        defer { v.close() }
        let pw = v.root + "/pw"
        try "s3cret horse\n".write(toFile: pw, atomically: true, encoding: .utf8)
        chmod(pw, 0o644)
        let open = try CLI.run(["gateway", "--mqtt", broker.url, "--user", "valley", "--password-file", pw, "--ca-file", broker.caFile,
                                "--port", v.sim.link("a-gate")], environment: v.environment)
        #expect(open.status == 64 && open.err.contains("chmod 600"), "\(open.err)")
        chmod(pw, 0o600)
        let good = try v.gateway("a-gate", ["--configure", "--user", "valley", "--password-file", pw, "--ca-file", broker.caFile])
        #expect(await good.wait(timeout: 60) { good.err.contains("broker up") }, "\(good.err)")
        #expect(!good.err.contains("s3cret"))
        good.stop()

        let wrong = v.root + "/wrong"
        try "not it\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        chmod(wrong, 0o600)
        let refused = try v.gateway("a-gate", ["--user", "valley", "--password-file", wrong, "--ca-file", broker.caFile])
        #expect(await refused.wait(timeout: 20) { refused.err.contains("not authorised") || refused.err.contains("not authorized") }, "\(refused.err)")
        #expect(!refused.err.contains("broker up"))
        refused.stop()

        // Without the CA the self-signed chain does not verify: never up.
        let unverified = try v.gateway("a-gate", ["--user", "valley", "--password-file", pw])
        #expect(await unverified.wait(timeout: 20) { unverified.err.contains("broker not reachable") }, "\(unverified.err)")
        #expect(unverified.err.contains("certificate verify failed"), "\(unverified.err)")
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(!unverified.err.contains("broker up"))
        unverified.stop()
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { Array(self[$0..<$0 + needle.count]) == needle }
    }
}
