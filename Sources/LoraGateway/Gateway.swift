import LoraMessenger
import Foundation
import MQTTLink
import MeshChannel
import MeshtasticWire
import RadioLink

/// How the gateway reaches its broker.
public struct GatewayOptions: Sendable {
    var broker: BrokerAddress
    var credentials: BrokerCredentials
    /// Topic root; nil keeps the radio's (the firmware makes it "msh/REGION").
    public var root: String?
    /// Change the radio's settings when it is not set up (otherwise say what is missing).
    public var configure: Bool
    /// Share of the region's hourly airtime the downlink may use.
    public var downlinkShare = 0.5
    /// The messenger's clock; the sim's scaled clock when it runs fast (its waits shrink to match).
    public var clock = MessengerClock.wall
    /// For the bench: told of every packet carried, with the monotonic time it was carried.
    var trace: (@Sendable (GatewayTrace) -> Void)?

    public init(broker: BrokerChoice, root: String? = nil, configure: Bool = false) throws(MessengerError) {
        (self.broker, self.credentials) = try broker.resolve()
        if let root {
            guard !root.isEmpty, root.count <= 40, !root.hasSuffix("/"), !root.hasPrefix("/"),
                  !root.contains("+"), !root.contains("#"), !root.contains(where: { $0.isWhitespace }) else {
                throw .usage(reason: "--root must be a topic root like msh/EU_868 (no wildcards, spaces or leading/trailing '/')")
            }
        }
        self.root = root; self.configure = configure
    }

    /// The broker as the status line names it (no credentials).
    public var brokerDescription: String { broker.description }
}

/// Up/down of each side and what went through, for the status line.
public struct GatewayStatus: Equatable, Sendable, CustomStringConvertible {
    public var radioUp = true
    public var brokerUp = false
    public var uplinked = 0
    public var downlinked = 0
    public var dropped: [GatewayDrop: Int] = [:]

    public var description: String {
        let drops = dropped.isEmpty ? "none"
            : dropped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")
        return "radio \(radioUp ? "up" : "down"), broker \(brokerUp ? "up" : "down") · up \(uplinked) · down \(downlinked) · dropped \(drops)"
    }
}

/// One packet carried by a gateway, for the bench: `at` is the process's monotonic clock, taken
/// when the radio's uplink frame was handled, or when the downlink was handed to the radio.
struct GatewayTrace: Sendable {
    enum Direction: Sendable { case up, down }
    var direction: Direction
    var gateway: String
    var from: UInt32
    var id: UInt32
    var at: Double
}

public enum GatewayEvent: Equatable, Sendable {
    case status(GatewayStatus)
    case notice(String)
}

/// `lora-msg gateway`: carries the radio's MQTT client-proxy traffic to a broker and back, so
/// two meshes far apart act as one. It never decrypts anything: what it moves is the
/// firmware's ServiceEnvelope, channel-encrypted, around a lora-msg envelope.
public actor Gateway {
    public nonisolated let events: AsyncStream<GatewayEvent>
    public nonisolated let radioNodeID: String
    public nonisolated let topicRoot: String
    public nonisolated let channelID: String
    private let continuation: AsyncStream<GatewayEvent>.Continuation
    private let connection: RadioConnection
    private let broker: BrokerClient
    private var filter: GatewayFilter
    private let clock: @Sendable () -> Double
    private var status = GatewayStatus()
    /// Uplinks made while the broker is away, sent when it is back (the oldest dropped first).
    private var waiting: [(topic: String, payload: [UInt8])] = []
    private static let maxWaiting = 64
    private var tasks: [Task<Void, Never>] = []
    private let trace: (@Sendable (GatewayTrace) -> Void)?

    /// The firmware's DEFAULT_REBOOT_SECONDS: how long after a module config it reboots.
    static let rebootSeconds = 7.0

    /// Checks (and with `configure`, makes) the radio's gateway settings, then connects both sides.
    public static func start(radio choice: RadioChoice, options: GatewayOptions,
                             progress: @escaping @Sendable (String) -> Void = { _ in }) async throws(MessengerError) -> Gateway {
        var c = try await RadioQuery.open(choice, configOnly: true, waiting: progress)
        var setup = GatewaySetup(info: c.info, brokerHost: options.broker.host, root: options.root)
        if setup.isNeeded {
            guard options.configure else {
                let node = c.info.nodeID
                await c.close()
                throw .gatewayNeedsSetup(node: node, changes: setup.changes)
            }
            progress("configuring \(c.info.nodeID): " + setup.changes.joined(separator: "; "))
            for p in setup.adminPackets(to: c.info.nodeNum) {
                do { _ = try await c.send(p) } catch { await c.close(); throw .radio(error) }
            }
            await c.close()
            // The module config makes the firmware reboot DEFAULT_REBOOT_SECONDS (7 s) later
            // (AdminModule::saveChanges): read back only after that, from the rebooted radio
            // running the module, not from the one about to reboot.
            progress("waiting for the radio to reboot with them (about \(Int(Self.rebootSeconds)) s)")
            var confirmed = false
            let firstRead = (Self.rebootSeconds + 1.5) / max(1, options.clock.scale)
            for attempt in 0..<40 {
                try? await Task.sleep(nanoseconds: UInt64((attempt == 0 ? firstRead : 1) * 1e9))
                guard let again = try? await RadioQuery.open(choice, configOnly: true) else { continue }
                setup = GatewaySetup(info: again.info, brokerHost: options.broker.host, root: options.root)
                if !setup.isNeeded { c = again; confirmed = true; break }
                await again.close()
            }
            guard confirmed else { throw .gatewayNeedsSetup(node: c.info.nodeID, changes: setup.changes) }
            progress("the radio now reports: MQTT client proxy on, uplink and downlink on, ignore_mqtt off")
        }
        await c.close()

        var o = RadioConnection.Options()
        o.session.configOnly = true
        o.reconnectForSeconds = 365 * 86_400   // a gateway waits for its radio as long as it runs
        let endpoint = try choice.locate()
        let connection: RadioConnection
        do { connection = try await RadioConnection.connect(to: endpoint, options: o) } catch { throw .radio(error) }
        let info = connection.info
        let root = options.root ?? (info.mqtt?.root.isEmpty == false ? info.mqtt!.root : "msh")
        let channelName = info.primaryChannel?.settings?.name ?? ""
        let channelID = channelName.isEmpty ? RadioSettings(info).presetName : channelName
        let subscriptions = [MQTTTopic.subscription(root: root, channelID: channelID), MQTTTopic.subscription(root: root, channelID: "PKI")]
        let client: BrokerClient
        do {
            client = try BrokerClient(address: options.broker, credentials: options.credentials,
                                      clientID: "lora-msg-gw-\(info.nodeID.dropFirst())-\(getpid())", subscriptions: subscriptions)
        } catch {
            await connection.close()
            throw .broker(error)
        }
        let filter = GatewayFilter(root: root, channelID: channelID, ownNodeNum: info.nodeNum,
                                   settings: RadioSettings(info), share: options.downlinkShare)
        let gateway = Gateway(connection: connection, broker: client, filter: filter, clock: { [c = options.clock] in c.now }, trace: options.trace)
        await gateway.run()
        do { try client.start() } catch {
            await gateway.stop()
            throw .broker(error)
        }
        return gateway
    }

    private init(connection: RadioConnection, broker: BrokerClient, filter: GatewayFilter, clock: @escaping @Sendable () -> Double,
                 trace: (@Sendable (GatewayTrace) -> Void)?) {
        self.trace = trace
        self.connection = connection
        self.broker = broker
        self.filter = filter
        self.clock = clock
        radioNodeID = connection.info.nodeID
        topicRoot = filter.root
        channelID = filter.channelID
        (events, continuation) = AsyncStream.makeStream(of: GatewayEvent.self, bufferingPolicy: .bufferingNewest(256))
    }

    private func run() {
        tasks.append(Task { [connection] in
            for await e in connection.events { await self.radio(e) }
            await self.finish()
        })
        tasks.append(Task { [broker] in
            for await e in broker.events { await self.broker(e) }
        })
        continuation.yield(.status(status))
    }

    public func currentStatus() -> GatewayStatus { status }

    /// Disconnects from both sides; `events` ends.
    public func stop() async {
        broker.stop()
        await connection.close()
        for t in tasks { await t.value }
        continuation.finish()
    }

    private func finish() {
        continuation.finish()
    }

    private func changed() { continuation.yield(.status(status)) }

    private func radio(_ e: RadioEvent) {
        switch e {
        case .session(.mqttProxy(let m)):
            guard case .data(let payload)? = m.payload else { return }   // JSON (text) uplink is not carried
            note(.up, payload)
            uplink(topic: m.topic, payload: payload)
        case .disconnected(let why):
            status.radioUp = false
            continuation.yield(.notice("radio away (\(why.description)); reconnecting"))
            changed()
        case .reconnected:
            status.radioUp = true
            changed()
        case .closed(let why):
            status.radioUp = false
            if let why { continuation.yield(.notice("radio gone: \(why.description)")) }
            changed()
        default:
            break
        }
    }

    /// Hands a packet that crossed the gateway to the bench's tracer, when one listens.
    private func note(_ direction: GatewayTrace.Direction, _ payload: [UInt8]) {
        guard let trace, let p = (try? ServiceEnvelope(decoding: payload))?.packet else { return }
        trace(GatewayTrace(direction: direction, gateway: radioNodeID, from: p.from, id: p.id, at: ProcessInfo.processInfo.systemUptime))
    }

    private func uplink(topic: String, payload: [UInt8]) {
        do {
            guard status.brokerUp else { throw MQTTLinkError.notConnected }
            try broker.publish(topic: topic, payload: payload)
            status.uplinked += 1
            changed()
        } catch {
            // The broker is away: the newest uplinks wait for it, the oldest give way.
            waiting.append((topic, payload))
            if waiting.count > Self.maxWaiting { waiting.removeFirst(); count(.brokerDown) }
        }
    }

    private func broker(_ e: BrokerEvent) {
        switch e {
        case .connected:
            status.brokerUp = true
            changed()
            let queued = waiting
            waiting.removeAll()
            for w in queued { uplink(topic: w.topic, payload: w.payload) }
        case .disconnected(let reason):
            if status.brokerUp { continuation.yield(.notice("broker away (\(reason)); reconnecting")) }
            else { continuation.yield(.notice("broker not reachable (\(reason)); retrying")) }
            status.brokerUp = false
            changed()
        case .message(let topic, let payload, let retained):
            // A retained message is old news replayed by the broker to every new subscriber.
            if retained { count(.retained); return }
            switch filter.judge(topic: topic, payload: payload, now: clock()) {
            case .echo:
                return
            case .drop(let why):
                count(why)
            case .pass:
                guard status.radioUp, connection.proxy(MqttClientProxyMessage(topic: topic, payload: .data(payload))) else {
                    count(.radioDown); return
                }
                status.downlinked += 1
                note(.down, payload)
                changed()
            }
        }
    }

    private func count(_ why: GatewayDrop) {
        status.dropped[why, default: 0] += 1
        changed()
    }
}
