import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import MQTTNode
import RadioLink

/// What the user sees while a message goes out.
public enum SendProgress: Equatable, Sendable {
    /// A running `tail` holds the radio; the message goes through the outbox to it.
    case handedToTail(pid: Int32)
    /// Seconds until the duty cycle allows the next transmission.
    case dutyCycleWait(seconds: Int)
    /// The radio's transmit queue is full; waiting for a free slot.
    case radioQueueFull
    case fellBackToBroadcast
    case notice(String)
    case reconnecting(String)
    /// The radio is slow to answer the handshake (said after a second, and at each retry).
    case waitingForRadio(String)
    /// A long message or file: chunks sent this pass, confirmed by the receiver, of all;
    /// seconds until this pass could be done, duty-cycle waits included; seconds until the
    /// duty cycle lets the next chunk go (0: now).
    case transfer(sent: Int, confirmed: Int, count: Int, secondsLeft: Double, nextSlot: Double)
    /// A wait is over (clears a redrawn progress line).
    case done
}

/// How one message ended up.
public struct SendOutcome: Equatable, Sendable {
    public var messageID: String
    public var state: DeliveryState
    /// The node a DM went to; nil for a broadcast.
    public var toNode: UInt32?
    public var toNodeID: String? { toNode.map(User.nodeID) }
}

/// The options of one send: where to, how far to wait, and for how long in all.
public struct SendPlan: Sendable {
    public var broadcast = false
    public var channel = 0
    public var hopLimit: Int?
    public var goal: MessageCourier.Goal = .queued
    /// Seconds for everything: duty-cycle wait, hand-over, and the wait for `goal`; nil:
    /// `defaultTimeout(goal:modem:)` on the radio's modem.
    public var timeout: Double?
    /// `.fail`: a duty-cycle pause ends the command at once (the message stays queued).
    public var duty: MessageCourier.DutyPolicy = .wait
    /// Also leave a copy with the recipient's mailbox now (`send --via-mailbox`).
    public var viaMailbox = false
    public init() {}

    /// What `send` waits without `--timeout`: 120 s, or, for an ACK or more, at least as long as
    /// the radio keeps trying: 5 transmissions of a full DM (firmware 2.8, PR #11320), each
    /// followed by getRetransmissionMsec's wait on the busiest channel, and 30 s for the answer
    /// to come back. On LongFast that is 114 s (so 120); on LongSlow 315 s.
    public static func defaultTimeout(goal: MessageCourier.Goal, modem: LoRaModem) -> Double {
        guard goal != .queued, goal != .relayed else { return 120 }
        let fullDM = MeshtasticFrame.phyBytes(encodedData: LoraEnvelope.maxTotalBytes + 8, pki: false)
        let tries = 5 * modem.retransmissionMilliseconds(bytes: fullDM, channelUtilizationPercent: 100) / 1000
        return max(120, (tries + 30).rounded(.up))
    }
}

extension Messenger {
    /// Seals a text, stores it in the outbox and delivers it: the one use case behind `send`.
    public func send(_ text: String, to name: String, plan: SendPlan, radio: RadioChoice,
                     progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> SendOutcome {
        let c = try contact(named: name)
        if plan.viaMailbox {
            guard ((try? store.contactMailbox(senderID: c.senderID)) ?? nil) != nil else {
                throw .usage(reason: "'\(c.name)' has not told you a mailbox (their lora-msg says so after 'lora-msg mailbox use'); send without --via-mailbox")
            }
            guard text.utf8.count <= LoraEnvelope.maxPlaintextBytes else {
                throw .usage(reason: "a mailbox holds messages of one frame (up to \(LoraEnvelope.maxPlaintextBytes) bytes); this one is \(text.utf8.count)")
            }
        }
        let broadcast = Self.goesAsBroadcast(to: c, forced: plan.broadcast)
        if plan.goal == .ack && broadcast {
            if plan.broadcast { throw .usage(reason: "a broadcast is never acknowledged by its recipient; use --wait relayed") }
            throw .ackNeedsNode(contact: c.name)
        }
        let m: StoredMessage
        // A broadcast (no node for the contact, or --broadcast) fits a signed frame, or goes as
        // chunks that each do: a STRICT relay drops what its radio could not sign.
        let oneFrame = broadcast ? LoraEnvelope.maxSignedBroadcastPlaintextBytes : LoraEnvelope.maxPlaintextBytes
        if text.utf8.count <= oneFrame {
            m = try compose(to: c.name, text: text, broadcast: plan.broadcast, channel: plan.channel, hopLimit: plan.hopLimit)
        } else {
            guard text.utf8.count <= Self.maxLongTextBytes else {
                throw .crypto(.messageTooLong(bytes: text.utf8.count, limit: Self.maxLongTextBytes))
            }
            m = try composeTransfer(TransferStream(type: .text, content: Array(text.utf8)), to: c, broadcast: plan.broadcast,
                                    channel: plan.channel, hopLimit: plan.hopLimit)
        }
        if plan.viaMailbox, let box = try leaveWithMailbox(messageID: m.id) {
            progress(.notice("a copy goes to \(box)"))
        }
        return try await deliver([m.id], plan: plan, radio: radio, progress: progress)[0].get()
    }

    /// Sends stored outbox messages and waits for each to reach `plan.goal`, through a
    /// running `tail` if there is one, else through the radio. One result per id, in order.
    public func deliver(_ ids: [String], plan: SendPlan, radio: RadioChoice,
                        progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> [Result<SendOutcome, MessengerError>] {
        if let pid = TailPresence.runningTail(home: home) {
            progress(.handedToTail(pid: pid))
            var results: [Result<SendOutcome, MessengerError>] = []
            for id in ids {
                do {
                    let timeout = plan.timeout ?? SendPlan.defaultTimeout(goal: plan.goal, modem: LoRaPreset.longFast.modem)
                    let state = try await MessageCourier.waitFor(store: store, messageID: id, goal: plan.goal, timeout: timeout, clock: { self.now })
                    results.append(.success(try outcome(id, state)))
                } catch { results.append(.failure(error)) }
            }
            return results
        }
        if radio.via == .both { return try await deliverBothWays(ids, plan: plan, radio: radio, progress: progress) }
        return try await deliverDirect(ids, plan: plan, radio: radio, alternate: false, progress: progress)
    }

    /// `--via both`: the radio and the broker at once, the same envelope each way (the receiver
    /// keeps the first copy by (sender_id, nonce)). A message succeeds when either way reaches
    /// the goal; an ACK on either packet id counts. Long messages go one way only.
    private func deliverBothWays(_ ids: [String], plan: SendPlan, radio: RadioChoice,
                                 progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> [Result<SendOutcome, MessengerError>] {
        guard radio.broker != nil else { throw .usage(reason: "--via both needs the broker too: --mqtt mqtt[s]://HOST[:PORT]") }
        for id in ids {
            let m: StoredMessage?
            m = try stored(try store.message(id: id))
            if m?.transferID != nil { throw .usage(reason: "--via both is for messages of one frame; a long message or file goes one way (--via radio or mqtt)") }
        }
        var byRadio = radio, byBroker = radio
        byRadio.via = .radio; byBroker.via = .mqtt
        byBroker.port = nil; byBroker.host = nil
        async let first = deliverOneWay(ids, plan: plan, radio: byRadio, alternate: false, progress: progress)
        async let second = deliverOneWay(ids, plan: plan, radio: byBroker, alternate: true, progress: progress)
        let (a, b) = await (first, second)
        return ids.indices.map { i in
            switch (a[i], b[i]) {
            case (.success(let x), .success(let y)): return .success(x.state.rank >= y.state.rank ? x : y)
            case (.success(let x), _), (_, .success(let x)): return .success(x)
            case (.failure(let e), _): return .failure(e)
            }
        }
    }

    /// One way of `--via both`: a way that cannot even start fails each message, so the other
    /// way still decides.
    private func deliverOneWay(_ ids: [String], plan: SendPlan, radio: RadioChoice, alternate: Bool,
                               progress: @escaping @Sendable (SendProgress) -> Void) async -> [Result<SendOutcome, MessengerError>] {
        do { return try await deliverDirect(ids, plan: plan, radio: radio, alternate: alternate, progress: progress) } catch {
            return ids.map { _ in .failure(error) }
        }
    }

    private func deliverDirect(_ ids: [String], plan: SendPlan, radio: RadioChoice, alternate: Bool,
                               progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> [Result<SendOutcome, MessengerError>] {
        let endpoint: RadioEndpoint
        do { endpoint = try radio.locate() } catch {
            if case .radio(let e) = error, let first = ids.first { throw .notSent(e, messageID: first) }
            throw error
        }
        let courier: MessageCourier
        do {
            courier = try await MessageCourier.connect(messenger: self, endpoint: endpoint, reconnectForSeconds: 10,
                                                       waiting: { progress(.waitingForRadio($0)) })
        } catch {
            if case .radio(let e) = error, let first = ids.first { throw .notSent(e, messageID: first) }
            throw error
        }
        await courier.setAlternate(alternate)
        let watcher = Task { await Self.relay(courier.events, to: progress) }
        let started = now
        let modem = await courier.dutyCycle.modem
        let timeout = plan.timeout ?? SendPlan.defaultTimeout(goal: plan.goal, modem: modem)
        var results: [Result<SendOutcome, MessengerError>] = []
        for id in ids {
            let deadline = now + timeout
            do {
                try await courier.transmit(messageID: id, broadcast: plan.broadcast, duty: plan.duty, deadline: deadline) { s in
                    progress(.dutyCycleWait(seconds: s))
                }
                progress(.done)
                let state = try await courier.waitFor(messageID: id, goal: plan.goal, timeout: max(0.001, deadline - now))
                results.append(.success(try outcome(id, state)))
            } catch {
                progress(.done)
                results.append(.failure(error))
                // The radio is gone: the rest stay in the outbox for the same reason.
                if case .notSent(let why, _) = error {
                    results += ids.dropFirst(results.count).map { .failure(.notSent(why, messageID: $0)) }
                    break
                }
            }
        }
        // Frames this send queued (a copy for a mailbox) go with it.
        if ((try? store.unsentFrames()) ?? []).isEmpty == false { await courier.sendPendingFrames() }
        if let node = BrokerNodes.node(at: endpoint) {
            results = await confirmBroker(node, results: results, deadline: started + timeout)
        }
        await courier.close()
        watcher.cancel()
        return results
    }

    /// Without a radio the "radio" is our own broker node, which takes every packet at once;
    /// only the broker taking it means it left the machine. Waits for that (a refusal known
    /// for 5 s, or the deadline, ends the wait), else fails each sent message with the
    /// broker's reason: kept in the outbox, exit 69.
    private func confirmBroker(_ node: MQTTNode, results: [Result<SendOutcome, MessengerError>],
                               deadline: Double) async -> [Result<SendOutcome, MessengerError>] {
        let started = Date()
        while true {
            let (done, trouble) = node.delivery
            if done { return results }
            let refusedLongEnough = trouble != nil && Date().timeIntervalSince(started) >= 5 && trouble != "no answer from the broker yet"
            if refusedLongEnough || now >= deadline { break }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        let why = node.delivery.trouble ?? "no answer from the broker"
        return results.map { r in
            guard case .success(let o) = r else { return r }
            // Failed (not queued), so that 'outbox retry' sends it again; a store that will not
            // record that is the error to report.
            do throws(StoreError) { try store.updateState(id: o.messageID, packetID: nil, to: .failed, failure: "the broker never took it (\(why))", at: now) } catch {
                return .failure(.store(error))
            }
            return .failure(.notSent(.connectionFailed("the broker " + node.brokerDescription, reason: why), messageID: o.messageID))
        }
    }

    private func outcome(_ id: String, _ state: DeliveryState) throws(MessengerError) -> SendOutcome {
        let m: StoredMessage?
        m = try stored(try store.message(id: id))
        return SendOutcome(messageID: id, state: state, toNode: m?.toNode)
    }

    private static func relay(_ events: AsyncStream<MessengerEvent>, to progress: @Sendable (SendProgress) -> Void) async {
        for await e in events {
            switch e {
            case .fellBackToBroadcast: progress(.fellBackToBroadcast)
            case .waitingForRadioQueue: progress(.radioQueueFull)
            case .waitingForDutyCycle(_, let seconds): progress(.dutyCycleWait(seconds: seconds))
            case .notice(let text): progress(.notice(text))
            case .disconnected(let why): progress(.reconnecting(why))
            case let .transferProgress(_, sent, confirmed, count, left, next): progress(.transfer(sent: sent, confirmed: confirmed, count: count, secondsLeft: left, nextSlot: next))
            default: break
            }
        }
    }
}
