import LoraMessenger
import Foundation
import MQTTLink
import MeshChannel
import MeshtasticWire
import RadioLink

/// `lora-msg bench gateway`: N gateways on one broker, each on its own gate radio with a
/// sender radio beside it. Every sender broadcasts in turn; its gate uplinks the packet and every
/// other gateway downlinks it. Measured from inside the gateways (monotonic clock, one
/// process): the time from one gateway taking the radio's uplink frame to another handing the
/// downlink frame to its radio, which is what the gateways and the broker add between two
/// valleys; and, as the baseline in the same run, the broker's own publish-to-delivery time.
public enum GatewayBench {
    public struct Result: Codable, Sendable {
        public var gateways: Int
        public var messages: Int
        public var uplinked: Int
        public var expectedDownlinks: Int
        public var downlinks: Int
        public var duplicates: Int
        public var missing: Int
        /// Gateway A's uplink to gateway B's downlink, milliseconds.
        public var acrossP50: Double?
        public var acrossP99: Double?
        public var acrossMax: Double?
        /// The broker alone: a publish to its delivery to a subscriber, milliseconds.
        public var brokerP50: Double?
        public var brokerP99: Double?
        /// Downlinks handed to radios per second while the senders were sending.
        public var downlinksPerSecond: Double
        public var seconds: Double
        public var drops: [String: Int]
    }

    private final class Log: @unchecked Sendable {
        let lock = NSLock()
        var traces: [GatewayTrace] = []
        var baseline: [Int: Double] = [:]
        func add(_ t: GatewayTrace) { lock.lock(); traces.append(t); lock.unlock() }
        func arrived(_ seq: Int, _ at: Double) { lock.lock(); baseline[seq] = at; lock.unlock() }
        var all: [GatewayTrace] { lock.lock(); defer { lock.unlock() }; return traces }
        var arrivals: [Int: Double] { lock.lock(); defer { lock.unlock() }; return baseline }
    }

    static func percentile(_ xs: [Double], _ p: Double) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
    }

    public static func run(gates: [RadioChoice], senders: [RadioChoice], broker: BrokerChoice, messages: Int, rate: Double,
                           clock: MessengerClock,
                           progress: @escaping @Sendable (String) -> Void) async throws(MessengerError) -> Result {
        let log = Log()
        let (address, credentials) = try broker.resolve()
        @Sendable func now() -> Double { ProcessInfo.processInfo.systemUptime }

        // The baseline: the broker alone, same rate, same payload size.
        let topic = "lora-msg-bench/baseline/\(UUID().uuidString.prefix(8))"
        let sub: BrokerClient, pub: BrokerClient
        do {
            sub = try BrokerClient(address: address, credentials: credentials, clientID: "bench-sub-\(getpid())", subscriptions: [topic])
            pub = try BrokerClient(address: address, credentials: credentials, clientID: "bench-pub-\(getpid())", subscriptions: [])
            try sub.start(); try pub.start()
        } catch { throw .broker(error) }
        defer { sub.stop(); pub.stop() }
        let listening = Task {
            for await e in sub.events {
                if case .message(_, let p, _) = e, p.count >= 4 {
                    log.arrived(Int(p[0]) << 24 | Int(p[1]) << 16 | Int(p[2]) << 8 | Int(p[3]), now())
                }
            }
        }
        defer { listening.cancel() }
        for _ in 0..<500 where !(sub.isConnected && pub.isConnected) { try? await Task.sleep(nanoseconds: 10_000_000) }
        guard sub.isConnected && pub.isConnected else { throw .broker(.notConnected) }
        try? await Task.sleep(nanoseconds: 200_000_000)
        var sentAt: [Int: Double] = [:]
        for i in 0..<messages {
            var payload = [UInt8(i >> 24 & 0xFF), UInt8(i >> 16 & 0xFF), UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)]
            payload += [UInt8](repeating: 0xA5, count: 120)
            sentAt[i] = now()
            try? pub.publish(topic: topic, payload: payload)
            try? await Task.sleep(nanoseconds: UInt64(1e9 / rate))
        }
        try? await Task.sleep(nanoseconds: 500_000_000)
        let arrivals = log.arrivals
        let brokerMs = sentAt.compactMap { seq, t in arrivals[seq].map { ($0 - t) * 1000 } }

        // The gateways, set up and started together.
        progress("starting \(gates.count) gateway(s)")
        let gateways: [Gateway]
        do {
            gateways = try await withThrowingTaskGroup(of: Gateway.self) { group in
                for g in gates {
                    group.addTask {
                        var o = try GatewayOptions(broker: broker, configure: true)
                        o.clock = clock
                        o.trace = { log.add($0) }
                        return try await Gateway.start(radio: g, options: o)
                    }
                }
                var out: [Gateway] = []
                for try await g in group { out.append(g) }
                return out
            }
        } catch let e as MessengerError {
            throw e
        } catch { throw .usage(reason: "\(error)") }
        for _ in 0..<1000 {
            var up = true
            for g in gateways where !(await g.currentStatus().brokerUp) { up = false }
            if up { break }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        try? await Task.sleep(nanoseconds: 300_000_000)

        var connections: [RadioConnection] = []
        for s in senders {
            do { connections.append(try await RadioQuery.open(s, configOnly: true)) } catch {
                for c in connections { await c.close() }
                for g in gateways { await g.stop() }
                throw error
            }
        }
        progress("sending \(messages) broadcasts at \(rate)/s through \(gates.count) gateway(s)")
        var sent: [(from: UInt32, id: UInt32)] = []
        let started = now()
        for i in 0..<messages {
            let c = connections[i % connections.count]
            var p = MeshPacket()
            p.to = MeshPacket.broadcast
            p.hopLimit = 1
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [0x01] + [UInt8](repeating: UInt8(i & 0xFF), count: 79)))
            if let id = try? await c.send(p) { sent.append((c.info.nodeNum, id)) }
            try? await Task.sleep(nanoseconds: UInt64(1e9 / rate))
        }
        let expectedEach = gates.count - 1
        let deadline = now() + 15
        while now() < deadline {
            let downs = log.all.filter { $0.direction == .down }.count
            if downs >= sent.count * expectedEach && log.all.filter({ $0.direction == .up }).count >= sent.count { break }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        let finished = now()
        var drops: [String: Int] = [:]
        for g in gateways { for (k, v) in await g.currentStatus().dropped { drops[k.rawValue, default: 0] += v } }
        for c in connections { await c.close() }
        for g in gateways { await g.stop() }

        let traces = log.all
        let wanted = Set(sent.map { UInt64($0.from) << 32 | UInt64($0.id) })
        func key(_ t: GatewayTrace) -> UInt64 { UInt64(t.from) << 32 | UInt64(t.id) }
        var upAt: [UInt64: Double] = [:]
        for t in traces where t.direction == .up && wanted.contains(key(t)) { upAt[key(t)] = min(upAt[key(t)] ?? .infinity, t.at) }
        var downSeen: [String: Int] = [:]
        var across: [Double] = []
        var lastDown = started
        for t in traces where t.direction == .down && wanted.contains(key(t)) {
            downSeen["\(t.gateway)/\(key(t))", default: 0] += 1
            if downSeen["\(t.gateway)/\(key(t))"] == 1, let u = upAt[key(t)] { across.append((t.at - u) * 1000) }
            lastDown = max(lastDown, t.at)
        }
        let unique = downSeen.count
        let total = downSeen.values.reduce(0, +)
        return Result(gateways: gates.count, messages: sent.count, uplinked: upAt.count,
                      expectedDownlinks: sent.count * expectedEach, downlinks: unique, duplicates: total - unique,
                      missing: max(0, sent.count * expectedEach - unique),
                      acrossP50: percentile(across, 0.5), acrossP99: percentile(across, 0.99), acrossMax: across.max(),
                      brokerP50: percentile(brokerMs, 0.5), brokerP99: percentile(brokerMs, 0.99),
                      downlinksPerSecond: unique > 0 ? Double(unique) / max(0.001, lastDown - started) : 0,
                      seconds: finished - started, drops: drops)
    }

    public static func markdown(_ results: [Result], command: String, rate: Double) -> String {
        func ms(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "—" }
        var md = """
        # Gateways on one broker

        `\(command)` (virtual radios: each gateway on its own gate radio, a sender radio beside
        it; US region, SHORT_TURBO, so the radios' duty cycle does not bind; one mosquitto on
        loopback; everything on one 2-core machine).

        Each sender broadcasts in turn, \(String(format: "%g", rate)) messages a second in all; its gate radio uplinks the
        packet, its gateway publishes it, and every other gateway downlinks it to its radio.
        **Across** is the time from one gateway taking the uplink frame from its radio to another
        handing the downlink frame to its radio: what the gateways and the broker add between two
        valleys (both gateways in one process, one monotonic clock). **Broker alone** is the
        baseline in the same run: mosquitto's publish-to-delivery time for the same number of
        124-byte messages at the same rate, between two plain clients.

        | gateways | messages | uplinked | downlinks (expected) | lost | duplicated | across p50 ms | across p99 ms | across max ms | broker alone p50 / p99 ms | downlinks/s | dropped |
        |---|---|---|---|---|---|---|---|---|---|---|---|

        """
        for r in results {
            let drops = r.drops.isEmpty ? "none" : r.drops.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            md += "| \(r.gateways) | \(r.messages) | \(r.uplinked) | \(r.downlinks) (\(r.expectedDownlinks)) | \(r.missing) | \(r.duplicates) | \(ms(r.acrossP50)) | \(ms(r.acrossP99)) | \(ms(r.acrossMax)) | \(ms(r.brokerP50)) / \(ms(r.brokerP99)) | \(String(format: "%.1f", r.downlinksPerSecond)) | \(drops) |\n"
        }
        md += """

        With one gateway there is no other to downlink to: only its uplinks are counted.
        Fan-out is N − 1 per message, so the downlinks a broker delivers grow with N² at a given
        message rate per valley; see docs/GATEWAY.md for bridges and clusters past one machine.

        """
        return md
    }
}
