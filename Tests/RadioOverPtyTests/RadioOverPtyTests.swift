import Foundation
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

func quickOptions(configOnly: Bool = true) -> RadioConnection.Options {
    var o = RadioConnection.Options()
    o.session.retryAfterSeconds = 0.4
    o.session.configOnly = configOnly
    o.reconnectForSeconds = 10
    return o
}

/// Collects events in the background so tests can wait for one.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [RadioEvent] = []

    init(_ connection: RadioConnection) {
        Task.detached { for await e in connection.events { self.append(e) } }
    }

    private func append(_ e: RadioEvent) { lock.lock(); items.append(e); lock.unlock() }
    var all: [RadioEvent] { lock.lock(); defer { lock.unlock() }; return items }

    /// Polls until `match` finds something or `timeout` passes.
    func wait<T>(timeout: Double = 10, _ match: (RadioEvent) -> T?) async -> T? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let hit = all.lazy.compactMap(match).first { return hit }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return nil
    }

    func delivery(_ id: UInt32, timeout: Double = 10, _ pred: @escaping (DeliveryUpdate) -> Bool) async -> DeliveryUpdate? {
        await wait(timeout: timeout) { e in
            if case .session(.delivery(let i, let u)) = e, i == id, pred(u) { return u } else { return nil }
        }
    }
}

func dm(to: UInt32, _ text: String) -> MeshPacket {
    var p = MeshPacket()
    p.to = to
    p.wantAck = true
    p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array(text.utf8)))
    return p
}

/// A running `SimRuntime` on its own thread.
final class RunningSim: @unchecked Sendable {
    let runtime: SimRuntime
    let linkDir: String
    /// For commands run against it: their clock and protocol timers at the sim's speed, from
    /// the sim's start (LORA_MSG_TIME_SCALE, LORA_MSG_TIME_ORIGIN).
    let clockEnvironment: [String: String]
    private let done = NSCondition()
    private var stopped = false

    init(_ scenario: Scenario, speed: Double = 1, baud: Int = 0, bootDelay: Double = 0.3, tcpBase: UInt16? = nil, capture: String? = nil) throws {
        linkDir = NSTemporaryDirectory() + "lora-msg-sim-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: linkDir, withIntermediateDirectories: true)
        var o = SimRuntime.Options()
        o.speed = speed; o.baud = baud; o.bootDelaySeconds = bootDelay; o.linkDirectory = linkDir; o.tcpBasePort = tcpBase
        o.capturePath = capture
        clockEnvironment = ["LORA_MSG_TIME_SCALE": "\(speed)", "LORA_MSG_TIME_ORIGIN": "\(Date().timeIntervalSince1970)"]
        runtime = try SimRuntime(scenario: scenario, options: o)
        let t = Thread { [runtime, done] in
            runtime.run()
            done.lock(); self.stopped = true; done.signal(); done.unlock()
        }
        t.start()
    }

    func link(_ name: String) -> String { linkDir + "/" + name }
    /// Switches the radio `name` off or on (the control `sim` reads from stdin), returning once
    /// the air has taken it.
    func power(_ name: String, on: Bool) async {
        guard let s = runtime.ports.firstIndex(where: { $0.name == name }) else { return }
        await runtime.apply(.power(station: s, on: on))
    }
    /// The `!xxxxxxxx` of the scenario's radio `name`.
    func nodeID(_ name: String) -> String { runtime.ports.first { $0.name == name }?.nodeID ?? "!00000000" }

    func waitForLinks() async {
        for _ in 0..<200 where !runtime.ports.allSatisfy({ FileManager.default.fileExists(atPath: link($0.name)) }) {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    func stop() {
        runtime.stop()
        done.lock(); while !stopped { done.wait() }; done.unlock()
        try? FileManager.default.removeItem(atPath: linkDir)
    }
}

@Suite(.serialized) struct ScriptedDeviceTests {
    @Test func handshakeWithLogTextBeforeAndGarbageBetweenFrames() async throws {
        let device = try ScriptedDevice()
        device.run { d in
            d.text("\u{1B}[34mINFO \u{1B}[0m | 00:00:00 0 [Main] booting")
            guard let nonce = d.next(wantConfig) else { return }
            d.answerHandshake(nonce: nonce, garbageBetween: true)
        }
        let c = try await RadioConnection.connect(to: .serial(device.path), options: quickOptions())
        #expect(c.info.nodeNum == 0x1234_5678)
        #expect(c.info.lora?.region == RegionCode(.eu868))
        await c.close()
    }

    @Test func firstWantConfigIgnoredThenRetried() async throws {
        let device = try ScriptedDevice()
        device.run { d in
            guard d.next(wantConfig) != nil else { return }          // still booting: ignored
            guard let nonce = d.next(wantConfig) else { return }    // the retry, after the preamble
            d.answerHandshake(nonce: nonce)
        }
        let started = Date()
        let c = try await RadioConnection.connect(to: .serial(device.path), options: quickOptions())
        #expect(Date().timeIntervalSince(started) >= 0.35)   // waited one retry interval
        await c.close()
    }

    /// A slow radio is not a silent one: after a second, and at each retry, the caller is told.
    @Test func aSlowHandshakeSaysSoAfterASecondAndAtEachRetry() async throws {
        let device = try ScriptedDevice()
        device.run { d in
            for _ in 0..<3 { guard d.next(wantConfig) != nil else { return } }   // ignored three times
            guard let nonce = d.next(wantConfig) else { return }
            d.answerHandshake(nonce: nonce)
        }
        final class Said: @unchecked Sendable {
            let lock = NSLock(); var lines: [String] = []
            func add(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
            var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
        }
        let said = Said()
        var o = quickOptions()
        o.onWaiting = { said.add($0) }
        let c = try await RadioConnection.connect(to: .serial(device.path), options: o)
        let lines = said.all
        #expect(lines.contains("waiting for the radio at \(device.path) to answer"), "\(lines)")
        #expect(lines.contains { $0.hasSuffix("asking again (try 2 of 4)") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix("asking again (try 4 of 4)") }, "\(lines)")
        await c.close()

        // A radio that answers at once says nothing.
        let quick = try ScriptedDevice()
        quick.run { d in if let n = d.next(wantConfig) { d.answerHandshake(nonce: n) } }
        let quiet = Said()
        var q = quickOptions(); q.onWaiting = { quiet.add($0) }
        let c2 = try await RadioConnection.connect(to: .serial(quick.path), options: q)
        #expect(quiet.all.isEmpty)
        await c2.close()
    }

    @Test func silentDeviceIsNotMeshtastic() async throws {
        let device = try ScriptedDevice()
        var o = quickOptions()
        o.session.retryAfterSeconds = 0.2
        o.session.maxAttempts = 2
        await #expect(throws: RadioLinkError.notMeshtastic(device.path)) {
            _ = try await RadioConnection.connect(to: .serial(device.path), options: o)
        }
    }

    @Test func aFullRadioQueueIsFlowControlNotFailure() async throws {
        let device = try ScriptedDevice()
        device.run { d in
            guard let nonce = d.next(wantConfig) else { return }
            d.answerHandshake(nonce: nonce)
            // Waits for the packet, however long a loaded machine takes to send it (5 s was
            // outlasted once by a full parallel run); it answers the moment it arrives.
            guard let p = d.next(timeout: 60, packetSent) else { return }
            d.send(FromRadio(.queueStatus(QueueStatus(res: 32, free: 0, maxlen: 16, meshPacketId: p.id))))
        }
        let c = try await RadioConnection.connect(to: .serial(device.path), options: quickOptions())
        let log = EventLog(c)
        let id = try await c.send(dm(to: 0xBEEF, "hi"))
        // Renumbered (waiting for a slot), never failed; a loaded CI machine once took over 10 s.
        let u = await log.delivery(id, timeout: 30) { if case .renumbered = $0 { true } else { if case .failed = $0 { true } else { false } } }
        guard case .renumbered(let again)? = u else { Issue.record("expected the packet to wait for a slot, got \(String(describing: u))"); return }
        #expect(again != id)
        await c.close()
    }

    @Test func secondOpenOfALockedPortIsBusy() async throws {
        let device = try ScriptedDevice()
        device.run { d in if let nonce = d.next(wantConfig) { d.answerHandshake(nonce: nonce) } }
        let c = try await RadioConnection.connect(to: .serial(device.path), options: quickOptions())
        #expect {
            _ = try SerialTransport(path: device.path)
        } throws: { e in
            if case RadioLinkError.busy(device.path, _) = e { true } else { false }
        }
        await c.close()
        // Released on close.
        let again = try SerialTransport(path: device.path)
        again.close()
    }

    @Test func missingPortAndNonTerminalAreTold() {
        #expect(throws: RadioLinkError.notFound("/dev/lora-msg-no-such-port")) {
            _ = try SerialTransport(path: "/dev/lora-msg-no-such-port")
        }
        #expect(throws: RadioLinkError.notATerminal("/dev/null")) { _ = try SerialTransport(path: "/dev/null") }
    }
}

@Suite(.serialized) struct VirtualRadioOverPtyTests {
    @Test func configOnlySkipsTheNodeDatabaseAndFullListsIt() async throws {
        var s = Scenario.twoRadios
        s.extraNodes = 250
        let sim = try RunningSim(s)
        defer { sim.stop() }
        await sim.waitForLinks()
        let quick = try await RadioConnection.connect(to: .serial(sim.link("alice")), options: quickOptions(configOnly: true))
        #expect(quick.info.otherNodes.isEmpty)
        #expect(quick.info.myInfo.nodedbCount == 252)
        await quick.close()
        let full = try await RadioConnection.connect(to: .serial(sim.link("alice")), options: quickOptions(configOnly: false))
        #expect(full.info.otherNodes.count == 251)   // bob and 250 synthetic nodes
        await full.close()
    }

    @Test func directMessageIsAckedAndBroadcastImplicitlyAcked() async throws {
        // Real time. At 4× this missed its ACK twice in CI runs (never alone, where it takes
        // 2 s). The likely cause: with the other suites busy, the sim's thread was starved for
        // more than the 7.5 s retransmission timeout (1.9 s of wall time at 4×), and on catching
        // up the retry collided with the ACK. On failure it now prints the delivery updates.
        let sim = try RunningSim(.twoRadios, speed: 1)
        defer { sim.stop() }
        await sim.waitForLinks()
        let alice = try await RadioConnection.connect(to: .serial(sim.link("alice")), options: quickOptions())
        let bob = try await RadioConnection.connect(to: .serial(sim.link("bob")), options: quickOptions())
        let aliceLog = EventLog(alice), bobLog = EventLog(bob)
        let id = try await alice.send(dm(to: bob.info.nodeNum, "ping"))
        #expect(await aliceLog.delivery(id) { $0 == .queued } != nil)
        #expect(await aliceLog.delivery(id, timeout: 30) { if case .acked = $0 { true } else { false } } == .acked(by: bob.info.nodeNum),
                "\(aliceLog.all.filter { if case .session(.delivery(id, _)) = $0 { true } else { false } })")
        let heard = await bobLog.wait { e -> MeshPacket? in
            if case .session(.packetReceived(let p)) = e, p.id == id { return p } else { return nil }
        }
        #expect(heard?.decoded?.payload == Array("ping".utf8))
        #expect(heard?.from == alice.info.nodeNum)

        var b = dm(to: MeshPacket.broadcast, "all")
        b.wantAck = true
        let bid = try await alice.send(b)
        // Once, on a loaded CI machine, the implicit ACK did not come within 10 s (not
        // reproduced since, alone or under load); the property is that it comes, not how fast.
        #expect(await aliceLog.delivery(bid, timeout: 30) { $0 == .relayed } == .relayed)
        await alice.close(); await bob.close()
    }

    /// The firmware stops retransmitting a DM once it hears a neighbour repeat it (the
    /// implicit ACK, ReliableRouter::shouldFilterReceived), so a DM to an absent node in a
    /// mesh with a relay ends `relayed`, with no ACK and no NAK. Carol's radio is known (its
    /// key came with its NodeInfo) but far out of range.
    @Test func unreachableDestinationIsRelayedButNeverAcked() async throws {
        var scenario = Scenario.twoRadios
        scenario.nodes.append(Scenario.Node(name: "carol", x: 200_000, y: 0))
        let sim = try RunningSim(scenario, speed: 20)
        defer { sim.stop() }
        await sim.waitForLinks()
        let alice = try await RadioConnection.connect(to: .serial(sim.link("alice")), options: quickOptions())
        let log = EventLog(alice)
        let id = try await alice.send(dm(to: scenario.nodeNum(of: scenario.nodes[2]), "anyone?"))
        let u = await log.delivery(id, timeout: 15) { $0 == .relayed }
        #expect(u == .relayed)
        let late = await log.delivery(id, timeout: 2) { if case .acked = $0 { true } else { false } }
        #expect(late == nil)
        await alice.close()
    }

    /// A node the radio has no key for (never heard its NodeInfo) gets no DM at all since
    /// 2.7.26: Router::perhapsEncode refuses with PKI_SEND_FAIL_PUBLIC_KEY, nothing is relayed.
    @Test func aDMToANodeWithoutAKeyIsRefusedNotSent() async throws {
        let sim = try RunningSim(.twoRadios, speed: 20)
        defer { sim.stop() }
        await sim.waitForLinks()
        let alice = try await RadioConnection.connect(to: .serial(sim.link("alice")), options: quickOptions())
        let log = EventLog(alice)
        let id = try await alice.send(dm(to: 0x0BAD_F00D, "anyone?"))
        let u = await log.delivery(id, timeout: 15) { if case .failed = $0 { true } else { false } }
        #expect(u == .failed(.refused(code: 39)))
        #expect(await log.delivery(id, timeout: 1) { $0 == .relayed } == nil)
        await alice.close()
    }

    @Test func deviceVanishingMidFrameReconnectsAndResumes() async throws {
        let sim = try RunningSim(.twoRadios, speed: 1)
        defer { sim.stop() }
        await sim.waitForLinks()
        let alice = try await RadioConnection.connect(to: .serial(sim.link("alice")), options: quickOptions())
        let log = EventLog(alice)
        // Half a frame, then the cable comes out.
        sim.runtime.inject(.inject(station: 0, bytes: [0x94, 0xC3, 0x00, 0x20, 0x12, 0x05]))
        try await Task.sleep(nanoseconds: 50_000_000)
        sim.runtime.inject(.unplug(station: 0, seconds: 0.5))
        #expect(await log.wait { if case .disconnected = $0 { true } else { nil } } == true)
        let info = await log.wait { if case .reconnected(let i) = $0 { i } else { nil } }
        #expect(info?.nodeNum == alice.info.nodeNum)
        let bobNum = sim.runtime.ports[1].nodeID
        let id = try await alice.send(dm(to: User.nodeNum(bobNum) ?? 0, "after replug"))
        #expect(await log.delivery(id) { if case .acked = $0 { true } else { false } } != nil)
        await alice.close()
    }

    @Test func radioRebootIsNoticedAndTheHandshakeRedone() async throws {
        let sim = try RunningSim(.twoRadios, speed: 1)
        defer { sim.stop() }
        await sim.waitForLinks()
        let alice = try await RadioConnection.connect(to: .serial(sim.link("alice")), options: quickOptions())
        let log = EventLog(alice)
        sim.runtime.inject(.reboot(station: 0))
        #expect(await log.wait { if case .session(.rebooted) = $0 { true } else { nil } } == true)
        // The radio ignores frames while it boots; the session retries until it answers.
        #expect(await log.wait { if case .reconnected(let i) = $0 { i.nodeNum } else { nil } } == alice.info.nodeNum)
        let id = try await alice.send(dm(to: User.nodeNum(sim.runtime.ports[1].nodeID) ?? 0, "after reboot"))
        #expect(await log.delivery(id) { if case .acked = $0 { true } else { false } } != nil)
        await alice.close()
    }

    @Test func overTCPLikeMeshtasticd() async throws {
        let base = UInt16.random(in: 20_000...40_000)
        let sim = try RunningSim(.twoRadios, speed: 4, tcpBase: base)
        defer { sim.stop() }
        await sim.waitForLinks()
        let alice = try await RadioConnection.connect(to: .tcp(host: "127.0.0.1", port: base), options: quickOptions())
        let log = EventLog(alice)
        #expect(alice.info.nodeID == sim.runtime.ports[0].nodeID)
        let id = try await alice.send(dm(to: User.nodeNum(sim.runtime.ports[1].nodeID) ?? 0, "tcp"))
        #expect(await log.delivery(id) { if case .acked = $0 { true } else { false } } != nil)
        await alice.close()
    }
}
