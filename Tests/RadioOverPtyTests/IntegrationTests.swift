import Foundation
import LoRaPHY
import LoraCrypto
import LoraLab
import LoraMessenger
import MeshtasticWire
import MessageStore
import RadioLink
import Testing
@testable import MeshSim

/// The radios an integration test runs on: real ones when LORA_MSG_RADIO_A / _B (and _RELAY)
/// name ports, else virtual ones. Results say which; a virtual figure is never reported as a
/// hardware one.
final class Rig: @unchecked Sendable {
    let a: RadioEndpoint
    /// The endpoint as a user would name it in LORA_MSG_PORT.
    func choice(_ e: RadioEndpoint) -> RadioChoice {
        switch e {
        case .serial(let p): RadioChoice(environment: ["LORA_MSG_PORT": p])
        case .tcp(let h, let port): RadioChoice(environment: ["LORA_MSG_PORT": "tcp://\(h):\(port)"])
        }
    }
    let b: RadioEndpoint
    let relay: RadioEndpoint?
    let sim: RunningSim?
    let clock: MessengerClock
    var isHardware: Bool { sim == nil }

    /// `scenario` and the radio names are used only without hardware.
    init(scenario: Scenario = .twoRadios, a nameA: String? = nil, b nameB: String? = nil, needsRelay: Bool = false, speed: Double = 10) async throws {
        let env = ProcessInfo.processInfo.environment
        if let pa = env["LORA_MSG_RADIO_A"], let pb = env["LORA_MSG_RADIO_B"], !pa.isEmpty, !pb.isEmpty {
            a = .serial(pa); b = .serial(pb)
            relay = env["LORA_MSG_RADIO_RELAY"].flatMap { $0.isEmpty ? nil : .serial($0) }
            sim = nil
            clock = .wall
            return
        }
        let s = try RunningSim(scenario, speed: speed, bootDelay: 0.2)
        await s.waitForLinks()
        let names = s.runtime.ports.map(\.name)
        a = .serial(s.link(nameA ?? names.first!))
        b = .serial(s.link(nameB ?? names.last!))
        relay = needsRelay ? .serial(s.link(names[1])) : nil
        sim = s
        let w0 = Date().timeIntervalSince1970
        clock = .scaled(from: w0, by: speed)
    }

    var hardwareWithoutRelay: Bool { isHardware && relay == nil }

    func report(_ what: String) {
        print("[\(isHardware ? "hardware" : "virtual radios")] \(what)")
    }

    func close() { sim?.stop() }
}

/// Two throwaway people on the rig's radios, paired locally, with their couriers running.
struct Pair {
    let root: String
    let alice: Messenger, bob: Messenger
    let aliceCourier: MessageCourier, bobCourier: MessageCourier
    let bobEvents: Recorder

    /// `asksRadioKeys` false: neither lora-msg asks the other's radio for its NodeInfo, so the
    /// radios learn no key from each other's requests.
    init(_ rig: Rig, asksRadioKeys: (alice: Bool, bob: Bool) = (true, true)) async throws {
        let root = NSTemporaryDirectory() + "lora-msg-integ-" + UUID().uuidString.prefix(8)
        let alice = try Self.home(root + "/alice", rig.clock), bob = try Self.home(root + "/bob", rig.clock)
        let ca = try await MessageCourier.connect(messenger: alice, endpoint: rig.a, reconnectForSeconds: 10, asksRadioKeys: asksRadioKeys.alice)
        let cb = try await MessageCourier.connect(messenger: bob, endpoint: rig.b, reconnectForSeconds: 10, asksRadioKeys: asksRadioKeys.bob)
        try alice.addContact(name: "bob", key: bob.identity.publicKey.base64, node: User.nodeID(cb.radioInfo.nodeNum))
        try bob.addContact(name: "alice", key: alice.identity.publicKey.base64, node: User.nodeID(ca.radioInfo.nodeNum))
        self.root = root; self.alice = alice; self.bob = bob
        aliceCourier = ca; bobCourier = cb
        bobEvents = Recorder(cb)
    }

    static func home(_ path: String, _ clock: MessengerClock) throws -> Messenger {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try IdentityFile.save(try IdentityKeyPair.generate(), to: path + "/identity.key", overwrite: false)
        return try Messenger(home: path, clock: clock)
    }

    func close() async {
        await aliceCourier.close(); await bobCourier.close()
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Keeps what a courier reports, for tests to wait on.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [MessengerEvent] = []
    init(_ c: MessageCourier) { Task.detached { for await e in c.events { self.append(e) } } }
    private func append(_ e: MessengerEvent) { lock.lock(); items.append(e); lock.unlock() }
    var all: [MessengerEvent] { lock.lock(); defer { lock.unlock() }; return items }
    var messages: [IncomingMessage] { all.compactMap { if case .message(let m) = $0 { m } else { nil } } }

    func wait(timeout: Double = 30, until ok: ([MessengerEvent]) -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if ok(all) { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return ok(all)
    }
}

/// The spec's integration rows.
@Suite(.serialized) struct IntegrationTests {
    @Test func twoRadiosDeliverAndDecrypt() async throws {
        let rig = try await Rig()
        defer { rig.close() }
        let pair = try await Pair(rig)
        let m = try pair.alice.compose(to: "bob", text: "integration: two radios")
        let t0 = rig.clock.now
        try await pair.aliceCourier.transmit(messageID: m.id, duty: .wait)
        #expect(await pair.bobEvents.wait { _ in pair.bobEvents.messages.contains { $0.text == "integration: two radios" } })
        let got = try #require(pair.bobEvents.messages.first)
        #expect(got.contact == "alice" && got.senderID == pair.alice.identity.senderID.hex)
        // The radio's ACK, or already the receipt (it can beat this read on a loaded machine).
        let state = try await pair.aliceCourier.waitFor(messageID: m.id, goal: .ack, timeout: 60)
        #expect(state == .acked || state == .delivered)
        rig.report(String(format: "delivered in %.0f ms, hops %@, RSSI %@, SNR %@", (got.receivedAt - t0) * 1000,
                          got.hops.map(String.init) ?? "?", got.rssi.map(String.init) ?? "?", got.snr.map { String($0) } ?? "?"))
        await pair.close()
    }

    @Test func relayThroughAThirdRadioWhenOutOfRange() async throws {
        // line-5: n1 and n3 are 4 km apart and hear only n2 between them.
        let rig = try await Rig(scenario: .line5, a: "n1", b: "n3", needsRelay: true)
        defer { rig.close() }
        if rig.hardwareWithoutRelay { rig.report("relay test skipped: LORA_MSG_RADIO_RELAY is not set"); return }
        let pair = try await Pair(rig)
        let m = try pair.alice.compose(to: "bob", text: "over the ridge")
        try await pair.aliceCourier.transmit(messageID: m.id, duty: .wait)
        #expect(await pair.bobEvents.wait { _ in !pair.bobEvents.messages.isEmpty })
        let got = try #require(pair.bobEvents.messages.first)
        #expect(got.text == "over the ridge")
        // One relay between them: the hop count says it did not arrive directly.
        #expect((got.hops ?? 0) >= 1)
        if !rig.isHardware { #expect(got.hops == 1) }
        rig.report("relayed: hops \(got.hops.map(String.init) ?? "?"), RSSI \(got.rssi.map(String.init) ?? "?")")
        await pair.close()
    }

    @Test func tenRapidMessagesOnEU868AreThrottledWithoutAViolation() async throws {
        let rig = try await Rig(speed: 20)
        defer { rig.close() }
        var o = BenchRun.Options()
        o.count = 10; o.intervalSeconds = 0; o.bothWays = false
        // Generous in simulated time: at 20× a stalled moment on a loaded machine is many simulated seconds.
        o.timeoutSeconds = rig.isHardware ? 120 : 900
        o.preloadAirtimeSeconds = 359   // one second of the hour's 360 left
        let result = try await BenchRun(options: o, clock: rig.clock).run(a: rig.choice(rig.a), b: rig.choice(rig.b), relay: nil) { _ in }
        #expect(result.ledger.region == "EU_868")
        #expect(result.summaries[0].delivered == 10)
        #expect(result.allIntact)
        #expect(result.ledger.totalDutyWaitSeconds > 0, "with the hour nearly spent, sending must have waited")
        #expect(result.ledger.largestWindowSeconds <= result.ledger.budgetSeconds + 1e-6)
        #expect(!result.samples.contains { $0.state == "failed" })
        rig.report(String(format: "10 messages: waited %.0f s for the duty cycle, most airtime in any hour %.1f s of %.0f s",
                          result.ledger.totalDutyWaitSeconds, result.ledger.largestWindowSeconds, result.ledger.budgetSeconds))
    }

    @Test func storedMessageSurvivesTheProcessAndIsSentOnce() async throws {
        let rig = try await Rig()
        defer { rig.close() }
        let pair = try await Pair(rig)
        // Stored, then the sending process goes away before transmitting: a second Messenger on
        // the same home (as a fresh process would) finds it pending and sends it, once.
        let m = try pair.alice.compose(to: "bob", text: "after the restart")
        await pair.aliceCourier.close()
        let again = try Messenger(home: pair.alice.home, clock: rig.clock)
        let courier = try await MessageCourier.connect(messenger: again, endpoint: rig.a, reconnectForSeconds: 10)
        #expect(await courier.sendPending() == [m.id])
        #expect(await courier.sendPending().isEmpty)
        #expect(await pair.bobEvents.wait { _ in pair.bobEvents.messages.contains { $0.text == "after the restart" } })
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(pair.bobEvents.messages.count == 1)
        await courier.close()
        await pair.close()
    }

    @Test func tamperedEnvelopeIsRejectedOnTheAir() async throws {
        let rig = try await Rig()
        defer { rig.close() }
        let pair = try await Pair(rig)
        let m = try pair.alice.compose(to: "bob", text: "tamper target")
        var tampered = m
        tampered.envelope[50] ^= 0x04   // a ciphertext bit, flipped in transit
        _ = try await pair.aliceCourier.connection.send(pair.alice.packet(for: tampered, broadcast: false))
        #expect(await pair.bobEvents.wait { events in
            events.contains { $0 == .dropped(.failedAuthentication(contact: "alice")) }
        })
        #expect(pair.bobEvents.messages.isEmpty)
        // The honest envelope still gets through afterwards.
        try await pair.aliceCourier.transmit(messageID: m.id, duty: .wait)
        #expect(await pair.bobEvents.wait { _ in pair.bobEvents.messages.map(\.text) == ["tamper target"] })
        rig.report("tampered envelope dropped as failed authentication; the intact one delivered")
        await pair.close()
    }
}
