import CMosquitto
import Foundation
import Synchronization

/// What the broker connection reports, in order.
public enum BrokerEvent: Equatable, Sendable {
    case connected
    /// Lost or refused; libmosquitto reconnects by itself with back-off (1 s doubling to 30 s).
    case disconnected(reason: String)
    case message(topic: String, payload: [UInt8], retained: Bool)
}

/// Login and trust for a broker. The password is read from a file by the caller and kept
/// only here, never logged.
public struct BrokerCredentials: Sendable {
    public var username: String?
    public var password: String?
    /// A CA certificate file for `mqtts://`; without it the system's trust store is used.
    /// Verification (chain and host name) is never turned off.
    public var caFile: String?
    public init(username: String? = nil, password: String? = nil, caFile: String? = nil) {
        self.username = username; self.password = password; self.caFile = caFile
    }
}

/// One MQTT session through libmosquitto's own network thread. It (re)subscribes to
/// `subscriptions` on every connect, reconnects by itself, and hands everything it hears to
/// `events`. Publishing is thread-safe.
public final class BrokerClient: @unchecked Sendable {
    public let address: BrokerAddress
    public let events: AsyncStream<BrokerEvent>
    private let continuation: AsyncStream<BrokerEvent>.Continuation
    private let subscriptions: [String]
    private let handle: OpaquePointer
    private let state = Mutex((connected: false, stopped: false, lastError: "", refused: false))
    /// QoS 1 publishes the broker has not acknowledged yet (by message id).
    private let inFlight = Mutex(Set<Int32>())

    private static let libraryReady: Bool = mosquitto_lib_init() == MOSQ_ERR_SUCCESS.rawValue

    /// `persistentSession`: the broker keeps our subscriptions and the QoS 1 messages for them
    /// while we are away (MQTT clean session off), across its own restarts when its persistence
    /// is on; `clientID` must then stay the same from run to run.
    public init(address: BrokerAddress, credentials: BrokerCredentials = BrokerCredentials(),
                clientID: String, subscriptions: [String], persistentSession: Bool = false) throws(MQTTLinkError) {
        guard Self.libraryReady else { throw .library("libmosquitto did not initialise") }
        self.address = address
        self.subscriptions = subscriptions
        (events, continuation) = AsyncStream.makeStream(of: BrokerEvent.self, bufferingPolicy: .bufferingNewest(4096))
        guard let h = mosquitto_new(clientID, !persistentSession, nil) else { throw .library("could not create a client") }
        handle = h
        mosquitto_user_data_set(h, Unmanaged.passUnretained(self).toOpaque())
        _ = mosquitto_int_option(h, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311))
        // Small packets, sent one by one: Nagle's algorithm would hold one back for the ACK of
        // the last (tens of milliseconds) exactly when two packets follow each other.
        _ = mosquitto_int_option(h, MOSQ_OPT_TCP_NODELAY, 1)
        if let user = credentials.username {
            let rc = mosquitto_username_pw_set(h, user, credentials.password)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { mosquitto_destroy(h); throw .library(Self.text(rc)) }
        }
        if address.tls {
            let rc: Int32
            if let ca = credentials.caFile {
                guard FileManager.default.isReadableFile(atPath: ca) else { mosquitto_destroy(h); throw .tls("cannot read the CA file \(ca)") }
                rc = mosquitto_tls_set(h, ca, nil, nil, nil, nil)
            } else {
                rc = mosquitto_int_option(h, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
            }
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { mosquitto_destroy(h); throw .tls(Self.text(rc)) }
            _ = mosquitto_tls_insecure_set(h, false)
        }
        mosquitto_connect_callback_set(h) { _, me, rc in
            guard let me else { return }
            Unmanaged<BrokerClient>.fromOpaque(me).takeUnretainedValue().didConnect(rc)
        }
        mosquitto_disconnect_callback_set(h) { _, me, rc in
            guard let me else { return }
            Unmanaged<BrokerClient>.fromOpaque(me).takeUnretainedValue().didDisconnect(rc)
        }
        mosquitto_publish_callback_set(h) { _, me, mid in
            guard let me else { return }
            Unmanaged<BrokerClient>.fromOpaque(me).takeUnretainedValue().didPublish(mid)
        }
        mosquitto_message_callback_set(h) { _, me, message in
            guard let me, let m = message?.pointee else { return }
            let topic = m.topic.map { String(cString: $0) } ?? ""
            let payload: [UInt8] = m.payloadlen > 0 && m.payload != nil
                ? Array(UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen))) : []
            Unmanaged<BrokerClient>.fromOpaque(me).takeUnretainedValue().didReceive(topic, payload, m.retain)
        }
        // A TLS or socket failure before CONNACK never reaches on_disconnect; libmosquitto only
        // logs it. Errors from its log become events, once per distinct reason.
        mosquitto_log_callback_set(h) { _, me, level, text in
            guard let me, let text, level & Int32(MOSQ_LOG_ERR) != 0 else { return }
            Unmanaged<BrokerClient>.fromOpaque(me).takeUnretainedValue().didLogError(String(cString: text))
        }
        _ = mosquitto_reconnect_delay_set(h, 1, 30, true)
    }

    deinit {
        // The network thread holds an unretained pointer to us: it must be gone first.
        if !state.withLock({ $0.stopped }) { _ = mosquitto_loop_stop(handle, true) }
        mosquitto_destroy(handle)
    }

    /// Starts the network thread and the first connection attempt. A broker that is down now
    /// is retried in the background; `events` says when it is up.
    public func start() throws(MQTTLinkError) {
        let rc = mosquitto_connect_async(handle, address.host, Int32(address.port), 30)
        if rc != MOSQ_ERR_SUCCESS.rawValue {
            continuation.yield(.disconnected(reason: Self.text(rc)))
        }
        let loop = mosquitto_loop_start(handle)
        guard loop == MOSQ_ERR_SUCCESS.rawValue else { throw .library(Self.text(loop)) }
    }

    public var isConnected: Bool { state.withLock { $0.connected } }

    /// QoS 0 by default: the mesh below retries on its own terms, and a late duplicate is
    /// dropped by every receiver anyway.
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 0, retain: Bool = false) throws(MQTTLinkError) {
        guard isConnected else { throw .notConnected }
        let rc = payload.withUnsafeBytes { b -> Int32 in
            guard qos > 0 else { return mosquitto_publish(handle, nil, topic, Int32(b.count), b.baseAddress, qos, retain) }
            // Counted under the lock the acknowledgement takes: it can come (on the network
            // thread) before the call returns.
            return inFlight.withLock { set in
                var mid: Int32 = 0
                let rc = mosquitto_publish(handle, &mid, topic, Int32(b.count), b.baseAddress, qos, retain)
                if rc == MOSQ_ERR_SUCCESS.rawValue { set.insert(mid) }
                return rc
            }
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            if rc == MOSQ_ERR_NO_CONN.rawValue { throw .notConnected }
            throw .publishFailed(Self.text(rc))
        }
    }

    /// QoS 1 publishes not yet acknowledged by the broker (libmosquitto sends them again
    /// after a reconnect).
    public var unacknowledged: Int { inFlight.withLock { $0.count } }

    fileprivate func didPublish(_ mid: Int32) { inFlight.withLock { _ = $0.remove(mid) } }

    /// Disconnects cleanly and stops the network thread; `events` ends.
    public func stop() {
        let first = state.withLock { s -> Bool in
            defer { s.stopped = true }
            return !s.stopped
        }
        guard first else { return }
        // Not connected (refused, unverified, between reconnect attempts): the network thread
        // has no disconnect to finish and would go on reconnecting, so a polite stop would wait
        // for it forever. It is cancelled instead (it sleeps in select, a cancellation point).
        let connected = mosquitto_disconnect(handle) == MOSQ_ERR_SUCCESS.rawValue
        _ = mosquitto_loop_stop(handle, !connected)
        continuation.finish()
    }

    // MARK: callbacks (libmosquitto's thread)

    private func didConnect(_ rc: Int32) {
        guard rc == 0 else {
            // The broker's own reason ("not authorised"); the disconnect that follows says only
            // "the connection was refused", and must not bury it.
            state.withLock { $0.refused = true }
            continuation.yield(.disconnected(reason: String(cString: mosquitto_connack_string(rc))))
            return
        }
        for s in subscriptions { _ = mosquitto_subscribe(handle, nil, s, 1) }
        state.withLock { $0.connected = true; $0.lastError = "" }
        continuation.yield(.connected)
    }

    private func didLogError(_ text: String) {
        let fresh = state.withLock { s -> Bool in
            defer { s.lastError = text }
            return !s.connected && s.lastError != text
        }
        if fresh { continuation.yield(.disconnected(reason: text)) }
    }

    private func didDisconnect(_ rc: Int32) {
        let (wasUp, refused) = state.withLock { s -> (Bool, Bool) in
            defer { s.connected = false; s.refused = false }
            return (s.connected, s.refused)
        }
        if (rc != 0 || wasUp) && !refused { continuation.yield(.disconnected(reason: rc == 0 ? "closed" : Self.text(rc))) }
    }

    private func didReceive(_ topic: String, _ payload: [UInt8], _ retained: Bool) {
        continuation.yield(.message(topic: topic, payload: payload, retained: retained))
    }

    static func text(_ rc: Int32) -> String {
        if rc == MOSQ_ERR_ERRNO.rawValue { return String(cString: strerror(errno)) }
        return String(cString: mosquitto_strerror(rc))
    }
}
