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

    enum Command {
        case send(MeshPacket, CheckedContinuation<UInt32, any Error>)
        case proxy(MqttClientProxyMessage)
        case close(CheckedContinuation<Void, Never>)
    }

    struct Shared {
        var commands: [Command] = []
        var info = RadioInfo()
        var ready: CheckedContinuation<Void, any Error>?
        var finished = false
    }

    let shared = Mutex(Shared())
    let options: Options
    let wakeRead: Int32
    private let wakeWrite: Int32
    let continuation: AsyncStream<RadioEvent>.Continuation

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
        ConnectionDriver(connection: self, transport: initial).run()
    }
}

/// Moves a non-Sendable value into the one thread that will own it from then on.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
