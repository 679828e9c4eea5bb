import CPty
import Glibc
import MeshtasticWire

/// The thread side of a `RadioConnection`: it owns the transport and the `DeviceSession`, takes
/// the callers' commands, feeds the session bytes and time, writes what it says, reopens a
/// vanished device with backoff, and sleeps in `poll()` until a byte, a command or the
/// session's deadline. All the state the loop needs lives here, on one thread.
final class ConnectionDriver {
    private let connection: RadioConnection
    private var endpoint: RadioEndpoint { connection.endpoint }
    private var options: RadioConnection.Options { connection.options }

    private var transport: (any RadioTransport)?
    private var session: DeviceSession
    private var everConnected = false
    /// While the device is gone: since when, and when to try it again.
    private var downSince: Double?
    private var backoff = 0.1
    private var nextAttempt = 0.0
    private var closing: CheckedContinuation<Void, Never>?
    private let startedAt = cpty_monotonic_seconds()
    /// What `onWaiting` was told of a slow first handshake.
    private var saidWaiting = false
    private var attemptSaid = 1
    private var buffer = [UInt8](repeating: 0, count: 64)

    init(connection: RadioConnection, transport: any RadioTransport) {
        self.connection = connection
        self.transport = transport
        session = DeviceSession(options: connection.options.session)
    }

    /// Runs until the connection is closed or given up on.
    func run() {
        if !apply(session.start(now: startedAt)) { lost(cpty_monotonic_seconds()) }
        while !connection.shared.withLock({ $0.finished }) {
            let now = cpty_monotonic_seconds()
            guard takeCommands(now: now), reconnectIfDue(now: now) else { return }
            tellWaiting(now: now)
            let readable = sleep(now: now)
            let later = cpty_monotonic_seconds()
            if readable, let t = transport {
                do {
                    let bytes = try t.readAvailable()
                    if bytes.isEmpty && transportHungUp { throw RadioLinkError.vanished(t.name) }
                    if !apply(session.receive(bytes, now: later)) { lost(later); continue }
                } catch {
                    lost(later)
                    continue
                }
            }
            if transport != nil, !apply(session.tick(now: later)) { lost(later) }
        }
    }

    // MARK: Steps of the loop

    /// Sends, proxies and the close the callers asked for. False once closed.
    private func takeCommands(now: Double) -> Bool {
        let commands = connection.shared.withLock { s in defer { s.commands.removeAll() }; return s.commands }
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
        guard closing != nil else { return true }
        if transport != nil { _ = apply(session.disconnect(now: now)) }
        transport?.close(); transport = nil
        finish(nil)
        return false
    }

    /// Reopens a vanished device with backoff until the deadline. False once given up.
    private func reconnectIfDue(now: Double) -> Bool {
        guard transport == nil, let since = downSince, now >= nextAttempt else { return true }
        if let t = try? RadioConnection.open(endpoint) {
            transport = t
            downSince = nil
            if !apply(session.start(now: now)) { lost(now) }
        } else if now - since >= options.reconnectForSeconds {
            finish(.vanished(endpoint.description))
            return false
        } else {
            backoff = min(backoff * 2, 2)
            nextAttempt = now + backoff
        }
        return true
    }

    /// A first handshake over a second, and each retry, is told: a slow radio is not a silent one.
    private func tellWaiting(now: Double) {
        guard !everConnected, let say = options.onWaiting else { return }
        if !saidWaiting, now - startedAt >= 1 {
            saidWaiting = true
            say("waiting for the radio at \(endpoint) to answer")
        }
        if case .handshaking(_, let attempt) = session.state, attempt > attemptSaid {
            attemptSaid = attempt
            say("no answer from the radio at \(endpoint) yet; asking again (try \(attempt) of \(options.session.maxAttempts))")
        }
    }

    private var lastRevents: Int16 = 0
    private var transportHungUp: Bool { lastRevents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 }

    /// Sleeps until a byte, a caller's command (the wake pipe) or the session's next deadline:
    /// an idle connection wakes about once a minute, for the heartbeat. True when the transport
    /// has something to read.
    private func sleep(now: Double) -> Bool {
        var fds = [pollfd(fd: connection.wakeRead, events: Int16(POLLIN), revents: 0)]
        if let t = transport { fds.append(pollfd(fd: t.fd, events: Int16(POLLIN), revents: 0)) }
        var until = transport == nil ? nextAttempt : (session.nextDeadline ?? now + 60)
        if !everConnected, !saidWaiting, options.onWaiting != nil { until = min(until, startedAt + 1) }
        let timeout = Int32(max(0, min(60_000, ((until - now) * 1000).rounded(.up))))
        _ = poll(&fds, nfds_t(fds.count), timeout)
        if fds[0].revents != 0 { while Glibc.read(connection.wakeRead, &buffer, buffer.count) > 0 {} }
        lastRevents = fds.count > 1 ? fds[1].revents : 0
        return fds.count > 1 && fds[1].revents != 0
    }

    // MARK: What the session says, and the ends

    private func emit(_ e: RadioEvent) { connection.continuation.yield(e) }

    /// Writes and publishes the session's outputs. False when the transport died while writing.
    private func apply(_ outputs: [DeviceSession.Output]) -> Bool {
        for o in outputs {
            switch o {
            case .write(let bytes):
                guard let t = transport else { continue }
                do { try t.write(bytes) } catch { return false }
            case .event(let e):
                switch e {
                case .connected(let info):
                    connection.shared.withLock { $0.info = info }
                    if everConnected {
                        emit(.reconnected(info))
                    } else {
                        everConnected = true
                        let ready = connection.shared.withLock { s in defer { s.ready = nil }; return s.ready }
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

    /// The device went away: its unsent packets go back to the caller; reconnect, or give up.
    private func lost(_ now: Double) {
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

    /// The end: every waiting caller answered, the event stream finished.
    private func finish(_ error: RadioLinkError?) {
        let (ready, pending) = connection.shared.withLock { s -> (CheckedContinuation<Void, any Error>?, [RadioConnection.Command]) in
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
        connection.continuation.finish()
        closing?.resume()
    }
}
