import Delivery
import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import RadioLink

/// Waiting for a message to get somewhere (in this process, or across processes through the
/// store's change counter), and for the radio to take a chunk.
extension MessageCourier {
    /// How far `waitFor` must see a message get.
    public enum Goal: String, Sendable, CaseIterable {
        case queued, relayed, ack, delivered, read

        func reached(by s: DeliveryState) -> Bool {
            guard s != .failed, s != .received else { return false }
            switch self {
            case .queued: return s.rank >= DeliveryState.queued.rank
            case .relayed: return s.rank >= DeliveryState.relayed.rank
            case .ack: return s.rank >= DeliveryState.acked.rank
            case .delivered: return s.rank >= DeliveryState.delivered.rank
            case .read: return s == .read
            }
        }

        var waitingFor: String {
            switch self {
            case .queued: return "acceptance by the radio"
            case .relayed: return "relay or acknowledgement"
            case .ack: return "acknowledgement from the recipient's radio"
            case .delivered: return "a receipt from the recipient's lora-msg"
            case .read: return "a read receipt"
            }
        }
    }

    /// Waits until the message reaches `goal`, fails, or `timeout` passes. Wakes on this
    /// courier's own delivery news; the store is read only then (and once at the start).
    public func waitFor(messageID: String, goal: Goal, timeout: Double) async throws(MessengerError) -> DeliveryState {
        let deadline = messenger.now + timeout
        while true {
            if let state = try Self.check(store: messenger.store, messageID: messageID, goal: goal, timeout: timeout, expired: messenger.now >= deadline) {
                return state
            }
            await changeOrDeadline(of: messageID, seconds: (deadline - messenger.now) / messenger.clock.scale)
        }
    }

    /// The same across processes (a `send` whose message a running `tail` transmits): reads
    /// SQLite's change counter with back-off (50 ms growing to 1 s) and the row only when
    /// another process has committed something.
    public static func waitFor(store: MessageStore, messageID: String, goal: Goal, timeout: Double,
                               clock: @Sendable () -> Double) async throws(MessengerError) -> DeliveryState {
        try await watch(store: store, timeout: timeout, clock: clock) { expired throws(MessengerError) in
            try check(store: store, messageID: messageID, goal: goal, timeout: timeout, expired: expired)
        }
    }

    /// Waits until `check` has an answer, asking it once at the start, again only when some
    /// process has committed to the database, and once more at the deadline (`expired`
    /// true; it must answer or throw then).
    static func watch<T>(store: MessageStore, timeout: Double, clock: @Sendable () -> Double,
                         check: (_ expired: Bool) throws(MessengerError) -> T?) async throws(MessengerError) -> T {
        let deadline = clock() + timeout
        var interval = 0.05
        var seen = -1
        while true {
            let counter: Int
            counter = try stored(try store.changeCounter())
            let expired = clock() >= deadline
            if counter != seen || expired {
                seen = counter
                interval = 0.05
                if let answer = try check(expired) { return answer }
                if expired { throw .timedOut(waitingFor: "an answer", seconds: timeout, messageID: "") }
            } else {
                interval = min(1.0, interval * 1.5)
            }
            let left = deadline - clock()
            try? await Task.sleep(nanoseconds: UInt64(max(0.001, min(interval, left)) * 1e9))
        }
    }

    /// The state if the wait is over (reached; failed and expired throw), nil to go on.
    static func check(store: MessageStore, messageID: String, goal: Goal, timeout: Double, expired: Bool) throws(MessengerError) -> DeliveryState? {
        let m: StoredMessage?
        m = try stored(try store.message(id: messageID))
        guard let m else { throw .store(.noSuchMessage(messageID)) }
        if goal.reached(by: m.state) { return m.state }
        // A packet the radio gave up on is not the end of a wait for the receipt while the
        // message is still due to be sent again.
        let resending = m.nextAttemptAt != nil && (goal == .delivered || goal == .read)
        if m.state == .failed && !resending { throw .deliveryFailed(reason: m.failure ?? "failed", messageID: messageID) }
        if expired { throw .timedOut(waitingFor: goal.waitingFor, seconds: timeout, messageID: messageID) }
        return nil
    }


    /// Returns when a delivery update for the message arrives, the radio goes away, or after
    /// `seconds` (real time).
    func changeOrDeadline(of messageID: String, seconds: Double) async {
        nextToken += 1
        let token = nextToken
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(max(0.001, seconds) * 1e9))
                if !Task.isCancelled { self.wake(messageID, token: token) }
            }
            waiters[messageID, default: []].append((token, c, timer))
        }
    }

    func wake(_ messageID: String, token: Int? = nil) {
        guard var list = waiters[messageID] else { return }
        if let token {
            guard let i = list.firstIndex(where: { $0.token == token }) else { return }
            list.remove(at: i).continuation.resume()
            waiters[messageID] = list.isEmpty ? nil : list
        } else {
            waiters[messageID] = nil
            for w in list { w.timer?.cancel(); w.continuation.resume() }
        }
    }

    func wakeAll() {
        for id in Array(waiters.keys) { wake(id) }
        for id in Array(takers.keys) { settleTaken(id, .noAnswer) }
    }

    enum Take { case taken(packetID: UInt32), refused(String), noAnswer }

    /// Whether the radio queued the packet, refused it, or said nothing (the link went away,
    /// or `seconds` passed).
    func taken(_ packetID: UInt32, within seconds: Double) async -> Take {
        await withCheckedContinuation { (c: CheckedContinuation<Take, Never>) in
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                if !Task.isCancelled { self.settleTaken(packetID, .noAnswer) }
            }
            takers[packetID] = (c, timer)
        }
    }

    func settleTaken(_ packetID: UInt32, _ outcome: Take) {
        guard let t = takers.removeValue(forKey: packetID) else { return }
        t.timer.cancel()
        t.continuation.resume(returning: outcome)
    }
}
