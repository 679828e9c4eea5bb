import MeshtasticWire

/// The client side of the Meshtastic stream API as a sans-I/O state machine: feed it the
/// bytes the port delivered and the time, and it returns bytes to write and events. A driver
/// owns the port, the clock and the timers; tests drive this with byte arrays.
///
/// Firmware facts it is built on (PhoneAPI, StreamAPI, ReliableRouter in meshtastic/firmware):
/// frames sent while a radio boots or resets are silently ignored, so `want_config_id` is
/// retried (with the wake preamble) when nothing at all has come back; the handshake ends
/// only on `config_complete_id == our nonce`, never by counting; a packet id the radio saw
/// among our last 20 is silently dropped, so every transmission gets a fresh random id; a
/// client silent for 15 minutes stops receiving packets, so a heartbeat (nonce 0) goes out
/// every minute.
public struct DeviceSession {
    public struct Options: Sendable {
        /// Config-only handshake (nonce 69420): no other nodes' NodeInfos, so connecting costs
        /// the same with 10 or 250 nodes in the radio's database.
        public var configOnly = true
        /// Resend `want_config_id` when no frame at all has arrived for this long.
        public var retryAfterSeconds = 3.0
        public var maxAttempts = 4
        public var heartbeatSeconds = 60.0
        /// A partial frame with no new byte for this long is abandoned.
        public var frameIdleSeconds = 0.5
        /// While packets wait for a full radio queue to drain: how often to ask for a fresh
        /// QueueStatus (a heartbeat), and after how long to assume a slot is free anyway
        /// (firmware older than 2.7.4 does not answer heartbeats with a QueueStatus).
        public var queuePollSeconds = 1.0
        public var assumeFreeAfterSeconds = 10.0
        public init() {}
    }

    public enum State: Equatable, Sendable {
        case idle
        case handshaking(nonce: UInt32, attempt: Int)
        case ready
        case failed
    }

    public enum Output: Equatable, Sendable {
        case write([UInt8])
        case event(SessionEvent)
    }

    public private(set) var state = State.idle
    public private(set) var info = RadioInfo()
    /// The hop limit the radio's LoRa config names (at most HOP_MAX, 7), or 3 when it names
    /// none (HOP_RELIABLE, what NodeDB::installDefaultConfig sets).
    public var configuredHopLimit: UInt32 {
        let h = info.lora?.hopLimit ?? 0
        return h == 0 ? 3 : min(h, 7)
    }
    public let options: Options

    private var decoder = FrameDecoder()
    private var random: any RandomNumberGenerator
    private var lastAttemptAt = 0.0
    private var lastFrameAt = -Double.infinity
    private var lastByteAt = -Double.infinity
    private var lastWriteAt = 0.0
    /// Slots free in the radio's TX queue, from the last QueueStatus.
    private var radioFree: UInt32 = 1
    private var lastQueueStatusAt = 0.0
    private var held: [MeshPacket] = []
    /// Packets we handed over and still follow, by id, with their destination: a DM is
    /// followed past the implicit ACK until its destination's ACK or a NAK.
    private var inFlight: [UInt32: UInt32] = [:]
    /// Packets written whose QueueStatus has not come back yet, oldest first. A QueueStatus
    /// reports the queue just after its own packet; those written after it are not counted in
    /// its `free` yet, so they are subtracted here (otherwise the queue overruns).
    private var unconfirmed: [(id: UInt32, packet: MeshPacket)] = []
    private var recentIDs: [UInt32] = []

    public init(options: Options = Options(), random: any RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.options = options
        self.random = random
    }

    // MARK: Inputs

    /// Opens the conversation: wake preamble, then `want_config_id`.
    public mutating func start(now: Double) -> [Output] {
        beginHandshake(attempt: 1, now: now)
    }

    public mutating func receive(_ bytes: [UInt8], now: Double) -> [Output] {
        guard !bytes.isEmpty else { return [] }
        lastByteAt = now
        var out: [Output] = []
        for event in decoder.feed(bytes) { handle(event, now: now, into: &out) }
        return out
    }

    /// Call at least a few times a second: retries, heartbeats and stale partial frames.
    public mutating func tick(now: Double) -> [Output] {
        var out: [Output] = []
        if decoder.isInsideFrame && now - lastByteAt >= options.frameIdleSeconds {
            for event in decoder.idle() { handle(event, now: now, into: &out) }
        }
        switch state {
        case .handshaking(_, let attempt):
            let quietSince = max(lastAttemptAt, lastFrameAt)
            if now - quietSince >= options.retryAfterSeconds {
                if attempt >= options.maxAttempts {
                    state = .failed
                    out.append(.event(.handshakeFailed(attempts: attempt)))
                } else {
                    out += beginHandshake(attempt: attempt + 1, now: now)
                }
            }
        case .ready:
            if !held.isEmpty && radioFree == 0 {
                // The radio said its queue was full and has not spoken since. Firmware ≥ 2.7.4
                // answers a heartbeat with a fresh QueueStatus; older firmware does not, so
                // after a while assume a slot has drained rather than wait forever.
                if now - lastQueueStatusAt >= options.assumeFreeAfterSeconds {
                    radioFree = 1
                    out += flushHeld(now: now)
                } else if now - lastWriteAt >= options.queuePollSeconds {
                    out.append(write(ToRadio(.heartbeat(Heartbeat(nonce: 0))), now: now))
                }
            } else if now - lastWriteAt >= options.heartbeatSeconds {
                out.append(write(ToRadio(.heartbeat(Heartbeat(nonce: 0))), now: now))
            }
        case .idle, .failed:
            break
        }
        return out
    }

    /// The latest time by which `tick` must be called again (nil: only new bytes or a new
    /// send can change anything). A driver sleeps until a byte arrives or this time.
    public var nextDeadline: Double? {
        var t: Double?
        func soonest(_ x: Double) { t = min(t ?? x, x) }
        if decoder.isInsideFrame { soonest(lastByteAt + options.frameIdleSeconds) }
        switch state {
        case .handshaking:
            soonest(max(lastAttemptAt, lastFrameAt) + options.retryAfterSeconds)
        case .ready:
            if !held.isEmpty && radioFree == 0 {
                soonest(min(lastQueueStatusAt + options.assumeFreeAfterSeconds, lastWriteAt + options.queuePollSeconds))
            } else {
                soonest(lastWriteAt + options.heartbeatSeconds)
            }
        case .idle, .failed:
            break
        }
        return t
    }

    /// Hands a packet to the radio (or holds it while the radio's queue is full). The id is
    /// fresh and random for every call, so a retry of the same message is never dropped as a
    /// duplicate by the firmware.
    public mutating func send(_ packet: MeshPacket, now: Double) -> (packetID: UInt32, outputs: [Output]) {
        var p = packet
        p.id = freshPacketID()
        p.from = 0
        // The firmware fills in its configured hop limit only for packets with want_ack
        // (Router::sendLocal); without it a hop limit of 0 stays 0 and no relay repeats the
        // packet. So every packet leaves here with the radio's own limit unless the caller chose
        // one, as the official client does (mesh_interface._getHopLimit).
        if p.hopLimit == 0 { p.hopLimit = configuredHopLimit }
        // Refuse here what the radio could never take (a frame over 512 bytes): the caller
        // gets a failure now instead of an id that never resolves.
        guard (try? FrameEncoder.frame(ToRadio(.packet(p)))) != nil else {
            return (p.id, [.event(.delivery(packetID: p.id, .failed(.nak(RoutingError(.tooLarge)))))])
        }
        inFlight[p.id] = p.to
        held.append(p)
        return (p.id, flushHeld(now: now))
    }

    /// Passes a broker's publish down to the radio's MQTT module (client-proxy downlink). Not
    /// flow-controlled: the firmware takes it without a QueueStatus; nil before the handshake.
    public mutating func proxy(_ message: MqttClientProxyMessage, now: Double) -> [Output] {
        guard state == .ready, let frame = try? FrameEncoder.frame(ToRadio(.mqttClientProxyMessage(message))) else { return [] }
        lastWriteAt = now
        return [.write(frame)]
    }

    /// Packets not yet handed to the radio (e.g. when the device vanished): the caller keeps
    /// them and sends them again after reconnecting.
    public mutating func takeHeldPackets() -> [MeshPacket] {
        defer { held.removeAll() }
        for p in held { inFlight[p.id] = nil }
        return held
    }

    /// Polite goodbye: the radio stops forwarding to us until the next handshake.
    public mutating func disconnect(now: Double) -> [Output] {
        state = .idle
        return [write(ToRadio(.disconnect(true)), now: now)]
    }

    // MARK: Internals

    private mutating func beginHandshake(attempt: Int, now: Double) -> [Output] {
        let nonce = options.configOnly ? ToRadio.configOnlyNonce : freshNonce()
        state = .handshaking(nonce: nonce, attempt: attempt)
        info = RadioInfo()
        lastAttemptAt = now
        radioFree = 1
        // Written but never confirmed: the radio (rebooted or reopened) may not have them.
        held = unconfirmed.map(\.packet) + held
        unconfirmed.removeAll()
        let preamble = Output.write(StreamFraming.wakePreamble)
        return [preamble, write(ToRadio(.wantConfigId(nonce)), now: now)]
    }

    /// Only called with messages that fit a frame: control messages are a few bytes, and
    /// `send` refuses packets that do not fit before they get here.
    private mutating func write(_ message: ToRadio, now: Double) -> Output {
        lastWriteAt = now
        return .write((try? FrameEncoder.frame(message)) ?? [])
    }

    private mutating func handle(_ event: FrameEvent, now: Double, into out: inout [Output]) {
        switch event {
        case .text(let line):
            out.append(.event(.log(line)))
        case .discarded:
            break
        case .frame(let payload):
            lastFrameAt = now
            guard let message = try? FromRadio(decoding: payload), let variant = message.payloadVariant else { return }
            handle(variant, now: now, into: &out)
        }
    }

    private mutating func handle(_ variant: FromRadio.Variant, now: Double, into out: inout [Output]) {
        switch variant {
        case .myInfo(let m):
            if case .handshaking = state { info.myInfo = m }
        case .nodeInfo(let n):
            if n.num == info.myInfo.myNodeNum && info.myInfo.myNodeNum != 0 {
                info.ownNode = n
            } else {
                info.otherNodes[n.num] = n
                if state == .ready { out.append(.event(.nodeUpdated(n))) }
            }
        case .metadata(let m):
            info.metadata = m
        case .channel(let c):
            if let i = info.channels.firstIndex(where: { $0.index == c.index }) { info.channels[i] = c } else { info.channels.append(c) }
        case .config(let c):
            if let lora = c.lora { info.lora = lora }
        case .moduleConfig(let m):
            if let mqtt = m.mqtt { info.mqtt = mqtt }
        case .mqttClientProxyMessage(let m):
            if state == .ready { out.append(.event(.mqttProxy(m))) }
        case .configCompleteId(let id):
            guard case .handshaking(let nonce, _) = state, id == nonce else { return }   // an older request's
            state = .ready
            out.append(.event(.connected(info)))
            out += flushHeld(now: now)
        case .queueStatus(let q):
            lastQueueStatusAt = now
            var refusedForSpace: MeshPacket?
            if let i = unconfirmed.firstIndex(where: { $0.id == q.meshPacketId }) {
                if q.res == 32 { refusedForSpace = unconfirmed[i].packet }
                unconfirmed.remove(at: i)
            }
            radioFree = q.free > UInt32(unconfirmed.count) ? q.free - UInt32(unconfirmed.count) : 0
            if var again = refusedForSpace, inFlight[q.meshPacketId] != nil {
                // A full transmit queue is flow control, not failure: wait for a slot and hand it
                // over again under a fresh id (the firmware drops an id it has seen).
                inFlight[q.meshPacketId] = nil
                again.id = freshPacketID()
                inFlight[again.id] = again.to
                held.insert(again, at: 0)
                radioFree = 0
                out.append(.event(.delivery(packetID: q.meshPacketId, .renumbered(again.id))))
            } else if inFlight[q.meshPacketId] != nil {
                if q.res == 0 {
                    out.append(.event(.delivery(packetID: q.meshPacketId, .queued)))
                } else {
                    inFlight[q.meshPacketId] = nil
                    out.append(.event(.delivery(packetID: q.meshPacketId, .failed(.refused(code: q.res)))))
                }
            }
            out += flushHeld(now: now)
        case .packet(let p):
            handlePacket(p, into: &out)
        case .clientNotification(let n):
            // Matched against every recent id, not only those in flight: the firmware sends the
            // duty-cycle explanation after it has already refused the packet.
            if let reply = n.replyId, recentIDs.contains(reply) {
                out.append(.event(.delivery(packetID: reply, .notice(n.message))))
            } else {
                out.append(.event(.notification(n)))
            }
        case .logRecord(let r):
            out.append(.event(.log(r.message)))
        case .rebooted:
            out.append(.event(.rebooted))
            // The radio forgot us: start over (≤2.7 firmware announces this; master does not).
            out += beginHandshake(attempt: 1, now: now)
        default:
            break
        }
    }

    private mutating func handlePacket(_ p: MeshPacket, into out: inout [Output]) {
        if let d = p.decoded, d.portnum == .routingApp, d.requestId != 0, recentIDs.contains(d.requestId),
           let routing = try? Routing(decoding: d.payload), let reason = routing.errorReason {
            let id = d.requestId
            if p.from != info.myInfo.myNodeNum, let relays = p.hopsTaken { out.append(.event(.heardFrom(node: p.from, relays: relays))) }
            // A NAK for a packet the radio already refused (QueueStatus res ≠ 0) adds nothing.
            guard let destination = inFlight[id] else { return }
            let isDM = destination != MeshPacket.broadcast
            if reason != .none {
                inFlight[id] = nil
                out.append(.event(.delivery(packetID: id, .failed(.nak(reason)))))
            } else if p.from == info.myInfo.myNodeNum {
                // The implicit ACK: our radio heard a neighbour repeat the packet. For a DM the
                // firmware reports it too, and the destination's real ACK follows with the same
                // request_id (ReliableRouter), so keep following a DM.
                if !isDM { inFlight[id] = nil }
                out.append(.event(.delivery(packetID: id, .relayed)))
            } else if !isDM || p.from == destination {
                inFlight[id] = nil
                out.append(.event(.delivery(packetID: id, .acked(by: p.from))))
            } else {
                // An ACK from a node the DM was not addressed to proves nothing about delivery.
                out.append(.event(.delivery(packetID: id, .notice("ignored an acknowledgement from \(User.nodeID(p.from)), which the message was not addressed to"))))
            }
            return
        }
        out.append(.event(.packetReceived(p)))
    }

    private mutating func flushHeld(now: Double) -> [Output] {
        var out: [Output] = []
        while state == .ready, radioFree > 0, !held.isEmpty {
            let p = held.removeFirst()
            radioFree -= 1
            unconfirmed.append((p.id, p))
            if unconfirmed.count > 64 { unconfirmed.removeFirst() }
            out.append(write(ToRadio(.packet(p)), now: now))
        }
        return out
    }

    private mutating func freshNonce() -> UInt32 {
        while true {
            let n = UInt32.random(in: 1...UInt32.max, using: &random)
            if n != ToRadio.configOnlyNonce && n != ToRadio.nodesOnlyNonce { return n }
        }
    }

    private mutating func freshPacketID() -> UInt32 {
        while true {
            let id = UInt32.random(in: 1...UInt32.max, using: &random)
            if !recentIDs.contains(id) {
                recentIDs.append(id)
                if recentIDs.count > 64 { recentIDs.removeFirst() }
                return id
            }
        }
    }
}
