/// End-to-end retransmission, sans I/O: lora-msg sends a message again until the recipient's
/// lora-msg answers with its authenticated receipt, the attempts run out, or the time to live
/// passes. Fed facts with their `now` (sent, receipted, contact heard, time passed); hands out
/// actions one at a time (`poll`) and says when it next needs the clock (`nextDeadline`). The
/// driver around it does the sending, the storing and the sleeping.
public struct ResendEngine: Sendable {
    public enum Action: Sendable, Equatable {
        /// Send the same envelope again now (through the duty-cycle gate), then report
        /// `transmitted` or `notSent`.
        case resend(messageID: String)
        /// Record on the message when it is next due and how many sends it has had.
        case schedule(messageID: String, attempts: Int, nextAttemptAt: Double)
        /// No receipt came: the message failed, for this reason.
        case fail(messageID: String, reason: String)
        /// Record the contact's round trip, learned from a receipt.
        case learned(peer: [UInt8], RoundTripEstimate)
    }

    public private(set) var policy: ResendPolicy
    private var tracked: [String: TrackedMessage] = [:]
    /// Resends handed out and not yet reported back: no timer runs for them.
    private var resending: Set<String> = []
    private var estimates: [[UInt8]: RoundTripEstimate] = [:]
    private var heardAt: [[UInt8]: Double] = [:]
    private var actions: [Action] = []

    public init(policy: ResendPolicy = .standard) { self.policy = policy }

    public mutating func setPolicy(_ p: ResendPolicy) { policy = p }

    /// The next action to perform, oldest first; nil when there is none.
    public mutating func poll() -> Action? { actions.isEmpty ? nil : actions.removeFirst() }

    /// When the engine next needs `handleTimeout`: the earliest due message not being resent.
    public var nextDeadline: Double? {
        tracked.values.lazy.filter { !resending.contains($0.id) }.map(\.nextAttemptAt).min()
    }

    public func message(_ id: String) -> TrackedMessage? { tracked[id] }
    public var trackedCount: Int { tracked.count }

    /// What the engine knows of a contact's round trip, or `seed` before any receipt.
    public func estimate(for peer: [UInt8], seed: RoundTripEstimate) -> RoundTripEstimate {
        estimates[peer] ?? seed
    }

    /// Pacing: until when a new message to `peer` should wait. While an earlier one to them,
    /// sent less than a round trip ago, has no receipt, that receipt is on its way back along
    /// the same relays; a new message sent into it meets it head-on (a relay is deaf while it
    /// transmits, and the two ends cannot hear each other), and both are lost. nil: send now.
    /// The wait ends at the receipt (the driver asks again then) or one smoothed round trip
    /// after the latest send, whichever is first. Only for a contact whose receipts have
    /// taught a round trip: one whose lora-msg never answered sends no receipt to meet, and a
    /// person typing to them should not wait for one.
    public func holdNewMessage(to peer: [UInt8], now: Double) -> Double? {
        guard policy.maxAttempts > 1, let learned = estimates[peer], learned.samples > 0 else { return nil }
        let rtt = learned.smoothed
        let latest = tracked.values.filter { $0.peer == peer }.map(\.lastSentAt).max()
        guard let latest, latest + rtt > now else { return nil }
        return latest + rtt
    }

    // MARK: Facts from the store (after a restart)

    public mutating func restore(_ m: TrackedMessage) { tracked[m.id] = m }
    public mutating func restore(peer: [UInt8], _ e: RoundTripEstimate) { estimates[peer] = e }

    // MARK: Facts from the radio and the receiver

    /// The radio took a send of the message (the first or a resend). `seed`: the path's
    /// expected round trip, used until the contact's receipts have taught a real one.
    /// With resending off (one attempt) nothing is followed: the message keeps what the radio
    /// said of it, as the user chose.
    public mutating func transmitted(messageID id: String, peer: [UInt8], now: Double, seed: RoundTripEstimate) {
        resending.remove(id)
        guard policy.maxAttempts > 1 else { return }
        var m = tracked[id] ?? TrackedMessage(id: id, peer: peer, attempts: 0, firstSentAt: now, lastSentAt: now, nextAttemptAt: now)
        m.attempts += 1
        m.lastSentAt = now
        let wait = policy.timeout(afterAttempt: m.attempts, learned: estimate(for: peer, seed: seed).timeout)
        m.nextAttemptAt = min(now + wait, m.firstSentAt + policy.timeToLive)
        tracked[id] = m
        actions.append(.schedule(messageID: id, attempts: m.attempts, nextAttemptAt: m.nextAttemptAt))
    }

    /// A resend that did not leave (the radio is gone, the duty cycle is full): due again
    /// after the shortest timeout, without counting as an attempt.
    public mutating func notSent(messageID id: String, now: Double) {
        resending.remove(id)
        guard var m = tracked[id] else { return }
        m.nextAttemptAt = min(now + max(1, policy.minimumTimeout), m.firstSentAt + policy.timeToLive)
        tracked[id] = m
        actions.append(.schedule(messageID: id, attempts: m.attempts, nextAttemptAt: m.nextAttemptAt))
    }

    /// The recipient's receipt for the message came back: it is done. A message sent once
    /// teaches the contact's round trip.
    public mutating func receipted(messageID id: String, now: Double) {
        resending.remove(id)
        guard let m = tracked.removeValue(forKey: id) else { return }
        guard m.attempts == 1 else { return }
        var e = estimates[m.peer] ?? RoundTripEstimate(smoothed: 0, variation: 0, samples: 0)
        e.add(sample: now - m.lastSentAt)
        estimates[m.peer] = e
        actions.append(.learned(peer: m.peer, e))
    }

    /// The message left the engine's hands another way (cancelled, the contact removed, failed
    /// for good by the radio): no more resends.
    public mutating func forget(messageID id: String) {
        tracked[id] = nil
        resending.remove(id)
    }

    /// Something authenticated came from the contact, or their radio was heard by ours. Their
    /// messages that have had no answer since we last sent them go again at once: the contact
    /// was away, and is back. One heard right after our send (their radio's ACK) does not
    /// count, nor does a second hearing after the first.
    public mutating func heard(peer: [UInt8], now: Double) {
        let before = heardAt[peer]
        heardAt[peer] = now
        for m in tracked.values where m.peer == peer && !resending.contains(m.id) && m.attempts < policy.maxAttempts {
            let silentSinceSend = before.map { $0 < m.lastSentAt } ?? true
            guard silentSinceSend, now - m.lastSentAt >= policy.minimumTimeout, m.nextAttemptAt > now else { continue }
            resending.insert(m.id)
            actions.append(.resend(messageID: m.id))
        }
    }

    /// Time passed: messages now due are sent again, or fail.
    public mutating func handleTimeout(now: Double) {
        for m in tracked.values.sorted(by: { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) })
        where !resending.contains(m.id) && m.nextAttemptAt <= now {
            if now >= m.firstSentAt + policy.timeToLive {
                fail(m, reason: "no receipt within \(Self.duration(policy.timeToLive)) (\(m.attempts) \(m.attempts == 1 ? "send" : "sends"))")
            } else if m.attempts >= policy.maxAttempts {
                fail(m, reason: "no receipt after \(m.attempts) \(m.attempts == 1 ? "send" : "sends")")
            } else {
                resending.insert(m.id)
                actions.append(.resend(messageID: m.id))
            }
        }
    }

    private mutating func fail(_ m: TrackedMessage, reason: String) {
        tracked[m.id] = nil
        actions.append(.fail(messageID: m.id, reason: reason))
    }

    /// "90 s", "30 min", "24 h", "7 d": the largest unit that divides evenly, else seconds.
    public static func duration(_ s: Double) -> String {
        let n = Int(s.rounded())
        if n >= 86_400 && n % 86_400 == 0 { return "\(n / 86_400) d" }
        if n >= 3600 && n % 3600 == 0 { return "\(n / 3600) h" }
        if n >= 60 && n % 60 == 0 { return "\(n / 60) min" }
        return "\(n) s"
    }
}
