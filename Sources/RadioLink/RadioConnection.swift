import CPty
import Foundation
import Glibc
import MeshtasticWire
import Synchronization

/// What the connection reports, in order.
public enum RadioEvent: Equatable, Sendable {
    case session(SessionEvent)
    /// The device went away (unplug, re-enumeration, TCP reset); reconnecting.
    case disconnected(RadioLinkError)
    /// Back after a disconnect, handshake redone.
    case reconnected(RadioInfo)
    /// Packets the radio never accepted before it went away: the caller's to send again.
    case unsent([MeshPacket])
    /// The end: closed by the caller (nil) or given up on.
    case closed(RadioLinkError?)
}

/// The small I/O driver around `DeviceSession`: one thread polls the transport, feeds the
/// session, writes what it says, and publishes events as an `AsyncSequence`.
public final class RadioConnection: Sendable {
    public struct Options: Sendable {
        public var session = DeviceSession.Options()
        /// Reopen the device after it vanishes, with backoff, for this long; 0 = never.
        public var reconnectForSeconds = 60.0
        /// Told (on the connection's thread) when the first handshake takes over a second, and
        /// at each retry: a slow radio is then not a silent one.
        public var onWaiting: (@Sendable (String) -> Void)?
        public init() {}
    }

    public let endpoint: RadioEndpoint
    public let events: AsyncStream<RadioEvent>
    public var info: RadioInfo { shared.withLock { $0.info } }

    private enum Command {
        case send(MeshPacket, CheckedContinuation<UInt32, any Error>)
        case proxy(MqttClientProxyMessage)
        case close(CheckedContinuation<Void, Never>)
    }

    private struct Shared {
        var commands: [Command] = []
        var info = RadioInfo()
        var ready: CheckedContinuation<Void, any Error>?
        var finished = false
    }

    private let shared = Mutex(Shared())
    private let options: Options
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let continuation: AsyncStream<RadioEvent>.Continuation

    private init(endpoint: RadioEndpoint, options: Options) throws(RadioLinkError) {
        self.endpoint = endpoint
        self.options = options
        var fds: [Int32] = [0, 0]
        guard cpty_wake_pipe(&fds) == 0 else {
            throw .io("pipe", reason: String(cString: strerror(errno)))
        }
        wakeRead = fds[0]; wakeWrite = fds[1]
        (events, continuation) = AsyncStream.makeStream(of: RadioEvent.self, bufferingPolicy: .unbounded)
    }

    deinit {
        Glibc.close(wakeRead); Glibc.close(wakeWrite)
    }

    /// Opens the port and completes the handshake; returns once the radio said `config_complete_id`.
    public static func connect(to endpoint: RadioEndpoint, options: Options = Options()) async throws(RadioLinkError) -> RadioConnection {
        let transport = try open(endpoint)
        let connection: RadioConnection
        do { connection = try RadioConnection(endpoint: endpoint, options: options) } catch {
            transport.close()
            throw error
        }
        do {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                connection.shared.withLock { $0.ready = c }
                let box = UncheckedBox(transport)
                let thread = Thread { connection.loop(box.value) }
                thread.name = "radio \(endpoint)"
                thread.start()
            }
        } catch let e as RadioLinkError {
            throw e
        } catch {
            throw .io(endpoint.description, reason: "\(error)")
        }
        return connection
    }

    static func open(_ endpoint: RadioEndpoint) throws(RadioLinkError) -> any RadioTransport {
        switch endpoint {
        case .serial(let path): return try SerialTransport(path: path)
        case .tcp(let host, let port): return try TCPTransport(host: host, port: port)
        }
    }

    /// Hands a packet to the radio; the returned id is what delivery events refer to.
    public func send(_ packet: MeshPacket) async throws(RadioLinkError) -> UInt32 {
        do {
            return try await withCheckedThrowingContinuation { (c: CheckedContinuation<UInt32, any Error>) in
                let accepted = shared.withLock { s -> Bool in
                    guard !s.finished else { return false }
                    s.commands.append(.send(packet, c))
                    return true
                }
                if accepted { nudge() } else { c.resume(throwing: RadioLinkError.closed) }
            }
        } catch let e as RadioLinkError {
            throw e
        } catch {
            throw .closed
        }
    }

    /// Hands a broker's publish to the radio's MQTT module. Fire and forget, as the firmware
    /// gives no answer to it; dropped while the radio is away (the broker side counts it).
    /// Returns false when the connection is closed.
    @discardableResult
    public func proxy(_ message: MqttClientProxyMessage) -> Bool {
        let accepted = shared.withLock { s -> Bool in
            guard !s.finished else { return false }
            s.commands.append(.proxy(message))
            return true
        }
        if accepted { nudge() }
        return accepted
    }

    /// Says goodbye to the radio (it stops forwarding to us) and closes the port.
    public func close() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let accepted = shared.withLock { s -> Bool in
                guard !s.finished else { return false }
                s.commands.append(.close(c))
                return true
            }
            if accepted { nudge() } else { c.resume() }
        }
    }

    private func nudge() {
        var b: UInt8 = 1
        _ = Glibc.write(wakeWrite, &b, 1)
    }

    // MARK: The loop (its own thread)

    private func loop(_ initial: any RadioTransport) {
        var transport: (any RadioTransport)? = initial
        var session = DeviceSession(options: options.session)
        var everConnected = false
        var downSince: Double?
        var backoff = 0.1
        var nextAttempt = 0.0
        var closing: CheckedContinuation<Void, Never>?

        func emit(_ e: RadioEvent) { continuation.yield(e) }

        func finish(_ error: RadioLinkError?) {
            let (ready, pending) = shared.withLock { s -> (CheckedContinuation<Void, any Error>?, [Command]) in
                s.finished = true
                defer { s.ready = nil; s.commands.removeAll() }
                return (s.ready, s.commands)
            }
            ready?.resume(throwing: error ?? .closed)
            for c in pending {
                switch c {
                case .send(_, let k): k.resume(throwing: RadioLinkError.closed)
                case .proxy: break
                case .close(let k): k.resume()
                }
            }
            emit(.closed(error))
            continuation.finish()
            closing?.resume()
        }

        /// Returns false when the transport died while writing.
        func apply(_ outputs: [DeviceSession.Output]) -> Bool {
            for o in outputs {
                switch o {
                case .write(let bytes):
                    guard let t = transport else { continue }
                    do { try t.write(bytes) } catch { return false }
                case .event(let e):
                    switch e {
                    case .connected(let info):
                        shared.withLock { $0.info = info }
                        if everConnected {
                            emit(.reconnected(info))
                        } else {
                            everConnected = true
                            let ready = shared.withLock { s in defer { s.ready = nil }; return s.ready }
                            ready?.resume()
                        }
                    case .handshakeFailed:
                        transport?.close(); transport = nil
                        if !everConnected {
                            finish(.notMeshtastic(endpoint.description))
                            return true
                        }
                        emit(.session(e))
                        return false   // treat like a vanished device: try again later
                    default:
                        break
                    }
                    emit(.session(e))
                }
            }
            return true
        }

        func lost(_ now: Double) {
            transport?.close(); transport = nil
            let unsent = session.takeHeldPackets()
            session = DeviceSession(options: options.session)
            let reason = RadioLinkError.vanished(endpoint.description)
            if !everConnected || options.reconnectForSeconds <= 0 {
                if !unsent.isEmpty { emit(.unsent(unsent)) }
                finish(reason)
                return
            }
            emit(.disconnected(reason))
            if !unsent.isEmpty { emit(.unsent(unsent)) }
            downSince = now
            backoff = 0.1
            nextAttempt = now + backoff
        }

        let startedAt = cpty_monotonic_seconds()
        var saidWaiting = false, attemptSaid = 1
        if !apply(session.start(now: startedAt)) { lost(cpty_monotonic_seconds()) }
        var buffer = [UInt8](repeating: 0, count: 64)
        while !shared.withLock({ $0.finished }) {
            let now = cpty_monotonic_seconds()
            // Commands from callers.
            let commands = shared.withLock { s in defer { s.commands.removeAll() }; return s.commands }
            for c in commands {
                switch c {
                case .send(let packet, let k):
                    let (id, out) = session.send(packet, now: now)
                    k.resume(returning: id)
                    if !apply(out) { lost(now) }   // with no transport, held until the reconnect
                case .proxy(let m):
                    if transport != nil, !apply(session.proxy(m, now: now)) { lost(now) }
                case .close(let k):
                    closing = k
                }
            }
            if closing != nil {
                if transport != nil { _ = apply(session.disconnect(now: now)) }
                transport?.close(); transport = nil
                finish(nil)
                return
            }
            // Reconnecting: reopen with backoff until the deadline.
            if transport == nil, let since = downSince, now >= nextAttempt {
                if let t = try? Self.open(endpoint) {
                    transport = t
                    downSince = nil
                    if !apply(session.start(now: now)) { lost(now) }
                } else if now - since >= options.reconnectForSeconds {
                    finish(.vanished(endpoint.description))
                    return
                } else {
                    backoff = min(backoff * 2, 2)
                    nextAttempt = now + backoff
                }
            }
            if !everConnected, let say = options.onWaiting {
                if !saidWaiting, now - startedAt >= 1 {
                    saidWaiting = true
                    say("waiting for the radio at \(endpoint) to answer")
                }
                if case .handshaking(_, let attempt) = session.state, attempt > attemptSaid {
                    attemptSaid = attempt
                    say("no answer from the radio at \(endpoint) yet; asking again (try \(attempt) of \(options.session.maxAttempts))")
                }
            }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            if let t = transport { fds.append(pollfd(fd: t.fd, events: Int16(POLLIN), revents: 0)) }
            // Sleep until a byte, a caller's command (the wake pipe) or the session's next
            // deadline: an idle connection wakes about once a minute, for the heartbeat.
            var until = transport == nil ? nextAttempt : (session.nextDeadline ?? now + 60)
            if !everConnected, !saidWaiting, options.onWaiting != nil { until = min(until, startedAt + 1) }
            let timeout = Int32(max(0, min(60_000, ((until - now) * 1000).rounded(.up))))
            _ = poll(&fds, nfds_t(fds.count), timeout)
            if fds[0].revents != 0 { while Glibc.read(wakeRead, &buffer, buffer.count) > 0 {} }
            let t2 = cpty_monotonic_seconds()
            if fds.count > 1, let t = transport, fds[1].revents != 0 {
                do {
                    let bytes = try t.readAvailable()
                    if bytes.isEmpty && fds[1].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { throw RadioLinkError.vanished(t.name) }
                    if !apply(session.receive(bytes, now: t2)) { lost(t2); continue }
                } catch {
                    lost(t2)
                    continue
                }
            }
            if transport != nil, !apply(session.tick(now: t2)) { lost(t2) }
        }
    }
}

/// Moves a non-Sendable value into the one thread that will own it from then on.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
