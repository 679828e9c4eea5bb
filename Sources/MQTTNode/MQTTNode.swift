import CPty
import Foundation
import Glibc
import MQTTLink
import MeshtasticWire

/// Runs an `MQTTNodeDevice` for this process: its client API on a loopback TCP port (so the
/// ordinary radio code connects to it as to meshtasticd), its air on a broker. One thread
/// polls the listening socket, the client and a wake pipe; the broker's messages arrive on
/// libmosquitto's thread and are queued for it.
public final class MQTTNode: @unchecked Sendable {
    public let port: UInt16
    public let nodeID: String
    public let brokerDescription: String
    private let broker: BrokerClient
    private let listener: Int32
    private let wake: (read: Int32, write: Int32)
    private let lock = NSLock()
    private var inbox: [(topic: String, payload: [UInt8])] = []
    private var stopping = false
    private var brokerUp = false
    /// Publishes made while the broker is away (at start, or a restart), sent when it is back.
    private var unsent: [(topic: String, payload: [UInt8])] = []
    private let clock: @Sendable () -> Double
    /// Why the broker last refused or dropped us (nil: never, or connected since).
    private var lastTrouble: String?
    /// What the broker did, as lines for a person: connected, refused, lost.
    public let statusLines: AsyncStream<String>
    private let statusContinuation: AsyncStream<String>.Continuation

    public init(settings: MQTTNodeDevice.Settings, address: BrokerAddress, credentials: BrokerCredentials,
                clock: @escaping @Sendable () -> Double) throws(MQTTLinkError) {
        let device = MQTTNodeDevice(settings: settings)
        nodeID = device.nodeID
        brokerDescription = address.description
        self.clock = clock
        (statusLines, statusContinuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(64))
        // One session per home's node, kept by the broker while no lora-msg of this home is
        // connected: what is published for us meanwhile (QoS 1) waits there for our next run.
        broker = try BrokerClient(address: address, credentials: credentials,
                                  clientID: "lora-msg-\(device.nodeID.dropFirst())", subscriptions: [device.subscription], persistentSession: true)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in(); addr.sin_family = sa_family_t(AF_INET); addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard fd >= 0,
              withUnsafePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }) == 0,
              listen(fd, 4) == 0,
              withUnsafeMutablePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }) == 0
        else { if fd >= 0 { Glibc.close(fd) }; throw .library("cannot open a loopback port for the broker node") }
        listener = fd
        port = UInt16(bigEndian: addr.sin_port)
        var fds: [Int32] = [0, 0]
        guard cpty_wake_pipe(&fds) == 0 else { Glibc.close(fd); throw .library("cannot make a pipe") }
        wake = (fds[0], fds[1])
        let thread = Thread { [self] in self.loop(device) }
        thread.name = "mqtt node"
        thread.start()
        Task { [broker, self] in
            for await e in broker.events {
                switch e {
                case .message(let t, let p, _): self.enqueue(t, p)
                case .connected:
                    self.setBroker(up: true, trouble: nil)
                    self.statusContinuation.yield("broker \(self.brokerDescription) connected")
                    self.flushUnsent()
                case .disconnected(let reason):
                    self.setBroker(up: false, trouble: reason)
                    self.statusContinuation.yield("broker \(self.brokerDescription): \(reason); retrying")
                }
            }
        }
        try broker.start()
    }

    public func stop() {
        lock.withLock { stopping = true }
        nudge()
        broker.stop()
    }

    private func setBroker(up: Bool, trouble: String?) {
        lock.withLock {
            brokerUp = up
            lastTrouble = trouble
        }
    }

    /// Whether the broker has taken everything published so far: connected, nothing waiting.
    /// Otherwise, why not (its last refusal, or that it has not answered yet).
    public var delivery: (done: Bool, trouble: String?) {
        let unacknowledged = broker.unacknowledged
        return lock.withLock {
            let done = brokerUp && unsent.isEmpty && unacknowledged == 0
            return (done, brokerUp ? (done ? nil : "publishes still waiting for the broker") : (lastTrouble ?? "no answer from the broker yet"))
        }
    }

    private func publish(_ topic: String, _ payload: [UInt8]) {
        // QoS 1: a broker queues it for a subscriber that is away (QoS 0 it would drop).
        do { try broker.publish(topic: topic, payload: payload, qos: 1) } catch {
            lock.withLock {
                unsent.append((topic, payload))
                if unsent.count > 64 { unsent.removeFirst() }
            }
        }
    }

    private func flushUnsent() {
        let queued = lock.withLock { () -> [(topic: String, payload: [UInt8])] in defer { unsent.removeAll() }; return unsent }
        for u in queued { publish(u.topic, u.payload) }
    }

    private func enqueue(_ topic: String, _ payload: [UInt8]) {
        lock.withLock {
            inbox.append((topic, payload))
            if inbox.count > 1024 { inbox.removeFirst() }
        }
        nudge()
    }

    private func nudge() {
        var b: UInt8 = 1
        _ = Glibc.write(wake.write, &b, 1)
    }

    private func loop(_ initial: MQTTNodeDevice) {
        var device = initial
        var client: Int32 = -1
        var buffer = [UInt8](repeating: 0, count: 4096)
        func apply(_ outputs: [MQTTNodeDevice.Output]) {
            for o in outputs {
                switch o {
                case .write(let bytes):
                    guard client >= 0 else { continue }
                    var off = 0
                    while off < bytes.count {
                        let n = bytes.withUnsafeBytes { Glibc.write(client, $0.baseAddress! + off, bytes.count - off) }
                        if n <= 0 { break }
                        off += n
                    }
                case .publish(let topic, let payload):
                    publish(topic, payload)
                }
            }
        }
        while !lock.withLock({ stopping }) {
            var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0), pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            if client >= 0 { fds.append(pollfd(fd: client, events: Int16(POLLIN), revents: 0)) }
            let now = clock()
            let timeout = device.nextDeadline.map { Int32(max(0, min(60_000, ($0 - now) * 1000))) } ?? 60_000
            _ = poll(&fds, nfds_t(fds.count), timeout)
            if fds[0].revents != 0 { while Glibc.read(wake.read, &buffer, buffer.count) > 0 {} }
            if fds[1].revents != 0 {
                let c = accept(listener, nil, nil)
                if c >= 0 {
                    // One client at a time, as meshtasticd: a new one replaces the old.
                    if client >= 0 { Glibc.close(client); device.clientGone() }
                    client = c
                }
            }
            if client >= 0, fds.count > 2, fds[2].revents != 0 {
                let n = Glibc.read(client, &buffer, buffer.count)
                if n <= 0 {
                    Glibc.close(client); client = -1; device.clientGone()
                } else {
                    apply(device.receive(Array(buffer[0..<n]), now: clock()))
                }
            }
            let messages = lock.withLock { () -> [(topic: String, payload: [UInt8])] in defer { inbox.removeAll() }; return inbox }
            for m in messages { apply(device.fromBroker(topic: m.topic, payload: m.payload, now: clock())) }
            apply(device.tick(now: clock()))
        }
        if client >= 0 { Glibc.close(client) }
        Glibc.close(listener)
    }
}
