import Delivery
import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import RadioLink

/// The use cases that need the radio: transmit stored envelopes (respecting the duty cycle),
/// follow their delivery, and take in what the radio hears. Everything it learns goes to the
/// store first; `events` is only for showing it.
public actor MessageCourier {
    public enum DutyPolicy: Sendable {
        /// Wait for the next slot, reporting the seconds left.
        case wait
        /// Throw `dutyCycleWait` instead.
        case fail
    }

    public nonisolated let messenger: Messenger
    public nonisolated let connection: RadioConnection
    public nonisolated let events: AsyncStream<MessengerEvent>
    private let continuation: AsyncStream<MessengerEvent>.Continuation
    var gate: DutyCycleGate
    /// Packets handed to the radio and airtime granted: the engine's record, news in, actions out.
    var flights = FlightTable()
    var sending: Set<String> = []
    /// This courier is the second way out of a `--via both` send: its packet ids are recorded
    /// beside the first way's (`alt_packet_id`).
    var alternate = false
    func setAlternate(_ on: Bool) { alternate = on }

    /// `seconds` on the messenger's clock as wall nanoseconds (at least a millisecond).
    func wallNanoseconds(_ seconds: Double) -> UInt64 { messenger.clock.wallNanoseconds(seconds) }

    /// Sleeps `seconds` on the messenger's clock.
    func pause(_ seconds: Double) async {
        try? await Task.sleep(nanoseconds: wallNanoseconds(seconds))
    }

    /// Runs `action` after `seconds` on the messenger's clock, unless the task is cancelled.
    func after(_ seconds: Double, _ action: @escaping @Sendable (MessageCourier) async -> Void) -> Task<Void, Never> {
        let real = wallNanoseconds(seconds)
        return Task {
            try? await Task.sleep(nanoseconds: real)
            guard !Task.isCancelled else { return }
            await action(self)
        }
    }

    var receiptTimer: Task<Void, Never>?
    var pump: Task<Void, Never>?
    /// A long-running holder of the radio (`tail`) applies the retention hourly.
    var retentionTimer: Task<Void, Never>?
    static let retentionIntervalSeconds = 3600.0

    /// End-to-end resending: the engine decides, `performResendActions` does.
    var resends: ResendEngine
    var resendTimer: Task<Void, Never>?

    // Long messages: what the path and the receiver said (MessageCourier+Transfers).
    /// Relays between us and each node, from the last packet heard from it (hop_start −
    /// hop_limit); pacing chunks and the receiver's quiet both depend on it.
    var relaysHeard: [UInt32: Int] = [:]
    /// Until when the radio refuses to transmit by its own duty-cycle count (its notification).
    var radioSilentUntil = 0.0
    /// Messages that went as broadcasts because the radio lacked the contact's key.
    var fellBack: Set<String> = []
    /// False for a broker node (no radio to ask NodeInfo of).
    var asksRadioKeys = true
    /// The messenger's clock when this courier connected.
    var startedAt = 0.0
    /// The longest wait for the first chunk's ACK to say how long the path is: enough for an
    /// ACK to come back over three relays.
    static let pathLearningSeconds = 40.0
    var pathWaiters: [UInt32: [CheckedContinuation<Void, Never>]] = [:]
    var transferReceiptTimers: [UInt32: Task<Void, Never>] = [:]
    var probes: [String: Task<Void, Never>] = [:]
    /// Each probed transfer's schedule; its silent probes are also on the message's row, so a
    /// restarted courier carries on counting (`resumeTransfers`).
    var probeSchedules: [String: ProbeSchedule] = [:]

    // Waiters for delivery news and for the radio taking a chunk (MessageCourier+Waiting).
    var waiters: [String: [(token: Int, continuation: CheckedContinuation<Void, Never>, timer: Task<Void, Never>?)]] = [:]
    var nextToken = 0
    /// Packets (chunks) whose sender waits until the radio takes or refuses them.
    var takers: [UInt32: (continuation: CheckedContinuation<Take, Never>, timer: Task<Void, Never>)] = [:]
    static let chunkTakenSeconds = 60.0

    init(messenger: Messenger, connection: RadioConnection) {
        self.messenger = messenger
        self.connection = connection
        gate = DutyCycleGate(radio: connection.info)
        resends = ResendEngine(policy: messenger.resendPolicy)
        (events, continuation) = AsyncStream.makeStream(of: MessengerEvent.self, bufferingPolicy: .bufferingNewest(1024))
    }

    /// Opens the radio (config-only handshake, no node download) and starts taking its events.
    /// `asksRadioKeys` false: never ask a contact's radio for its NodeInfo (a broker node has no
    /// radio to ask; a test of the broadcast fallback keeps the radios ignorant of each other:
    /// a request carries the asker's own key too).
    public static func connect(messenger: Messenger, endpoint: RadioEndpoint, reconnectForSeconds: Double,
                               asksRadioKeys: Bool = true,
                               waiting: (@Sendable (String) -> Void)? = nil) async throws(MessengerError) -> MessageCourier {
        var o = RadioConnection.Options()
        o.onWaiting = waiting
        o.session.configOnly = true
        o.reconnectForSeconds = reconnectForSeconds
        let connection: RadioConnection
        do { connection = try await RadioConnection.connect(to: endpoint, options: o) } catch { throw .radio(error) }
        let courier = MessageCourier(messenger: messenger, connection: connection)
        await courier.setAsksRadioKeys(asksRadioKeys && BrokerNodes.node(at: endpoint) == nil)
        await courier.start()
        return courier
    }

    func start() {
        // A home moved to another radio (or its radio renumbered, as 2.8 does once on upgrade
        // from 2.7): said once, here, since the setting then names the new one.
        let previous = ((try? messenger.store.setting(Messenger.ownNodeSetting)) ?? nil).flatMap { UInt32($0) }
        if let previous, previous != connection.info.nodeNum {
            emit(.notice("this home's radio changed: it was \(User.nodeID(previous)), now \(connection.info.nodeID); your contacts learn the new one from your next receipt or accept"))
        }
        // What an answer to a contact request names as our radio, also when built offline.
        record("our radio's node") { () throws(StoreError) in
            try messenger.store.setSetting(Messenger.ownNodeSetting, to: String(connection.info.nodeNum))
        }
        pump = Task { [connection] in
            for await e in connection.events { await self.handle(e) }
            self.finishEvents()
        }
        armRetention()
        restoreResends()
        startedAt = messenger.now
        Task { await self.askRadioKeysDue() }
    }

    func setAsksRadioKeys(_ on: Bool) { asksRadioKeys = on }

    func armRetention() {
        retentionTimer = after(Self.retentionIntervalSeconds) { c in
            do throws(MessengerError) { try c.messenger.applyRetention() } catch { await c.emit(.notice("retention: \(error.description)")) }
            await c.armRetention()
        }
    }

    func finishEvents() { continuation.finish() }

    public nonisolated var radioInfo: RadioInfo { connection.info }
    public var dutyCycle: DutyCycleGate { gate }

    /// Says goodbye to the radio and waits until its events have been handled.
    public func close() async {
        for t in probes.values { t.cancel() }
        for t in transferReceiptTimers.values { t.cancel() }
        receiptTimer?.cancel()
        retentionTimer?.cancel()
        resendTimer?.cancel()
        await connection.close()
        await pump?.value
    }

    func emit(_ e: MessengerEvent) { continuation.yield(e) }

    // MARK: Sending

    /// Puts a stored envelope into a new mesh packet. With `.wait`, first waits out the duty
    /// cycle, calling `progress` with the seconds left about once a second.
    /// With a `deadline` (the messenger's clock), a duty-cycle wait that would end after it
    /// throws `dutyCycleWait` at once: the message stays in the outbox.
    @discardableResult
    public func transmit(messageID: String, broadcast: Bool = false, duty: DutyPolicy, deadline: Double? = nil, resend: Bool = false,
                         progress: @Sendable (Int) -> Void = { _ in }) async throws(MessengerError) -> UInt32 {
        guard !sending.contains(messageID) else { throw .store(.io("message \(messageID) is already being sent")) }
        sending.insert(messageID)
        defer { sending.remove(messageID) }
        let store = messenger.store
        let found: StoredMessage?
        found = try stored(try store.message(id: messageID))
        guard let m = found, m.direction == .outgoing else { throw .store(.noSuchMessage(messageID)) }
        if m.transferID != nil {
            return try await transmitTransfer(m, broadcast: broadcast, duty: duty, deadline: deadline, progress: progress)
        }
        let packet = messenger.packet(for: m, broadcast: broadcast)
        if gate.settings.region == .unset { throw .regionUnset(node: connection.info.nodeID) }
        let ms = gate.milliseconds(for: packet)
        if !resend && !alternate {
            await paceNewMessage(peer: m.peer, deadline: deadline)
        }
        let reservation = try await awaitAirtime(ms, messageID: messageID, duty: duty, deadline: deadline, progress: progress)
        let packetID: UInt32
        do { packetID = try await connection.send(packet) } catch {
            flights.release(reservation)
            throw .notSent(error, messageID: messageID)
        }
        let isBroadcast = packet.to == MeshPacket.broadcast
        let now = messenger.now
        do {
            try store.markTransmitted(id: messageID, packetID: packetID, toNode: isBroadcast ? nil : packet.to,
                                      channel: m.channel, hopLimit: m.hopLimit, at: now, alternate: alternate, resend: resend)
        } catch { throw .store(error) }
        let early = flights.handedOver(packetID, message: .init(messageID: messageID, milliseconds: ms, broadcast: isBroadcast),
                                       reservation: reservation, now: now)
        if !alternate {
            resends.transmitted(messageID: messageID, peer: m.peer, now: now,
                                seed: roundTripSeed(messageMilliseconds: ms, node: isBroadcast ? nil : packet.to, peer: m.peer))
            performResendActions()
        }
        emit(.transmitted(messageID: messageID, packetID: packetID, broadcast: isBroadcast))
        perform(early)
        return packetID
    }

    /// Returns once the duty cycle has room for `ms` of transmission. With `.wait`, reports the
    /// seconds left about once a second; `.fail`, or a wait past `deadline`, throws at once.
    /// `messageID` nil: a receipt or contact frame, whose waits are not reported.
    /// On room, the airtime is reserved at once (the returned token) and counted by every later
    /// decision until the radio's QueueStatus records it in the store or refuses it: two sends
    /// deciding at the same moment (a resend beside a new message, a receipt) must not both
    /// take the last of the hour.
    @discardableResult
    func awaitAirtime(_ ms: Double, messageID: String?, duty: DutyPolicy, deadline: Double?,
                              progress: @Sendable (Int) -> Void = { _ in }) async throws(MessengerError) -> Int {
        while true {
            let now = messenger.now
            let history: [AirtimeRecord]
            do { history = try messenger.store.airtime(since: now - AirtimeLedger.windowSeconds) } catch { throw .store(error) }
            let granted = flights.reservations.map { AirtimeRecord(startedAt: $0.startedAt, milliseconds: $0.milliseconds) }
            switch gate.decide(milliseconds: ms, now: now, history: history + granted, radioSilentUntil: radioSilentUntil) {
            case .now:
                return flights.reserve(milliseconds: ms, now: now)
            case .never:
                throw .exceedsDutyCycle(milliseconds: ms)
            case .wait(let until):
                let left = Int((until - now).rounded(.up))
                if duty == .fail || (deadline.map { until > $0 } ?? false) {
                    throw .dutyCycleWait(seconds: max(1, left), messageID: messageID ?? "")
                }
                progress(max(1, left))
                if let messageID { emit(.waitingForDutyCycle(messageID: messageID, seconds: max(1, left))) }
                try? await Task.sleep(nanoseconds: wallNanoseconds(min(1.0, max(0.05, until - now))))
            }
        }
    }

    /// Sends every pending outbox message, oldest first; returns the ids sent. Used once the
    /// radio is connected, after a reconnect, and when another process queues a message.
    @discardableResult
    public func sendPending() async -> [String] {
        let pending: [StoredMessage]
        do { pending = try messenger.store.pending() } catch {
            emit(.notice("cannot read the outbox: \(error.description)"))
            return []
        }
        var sent: [String] = []
        for m in pending where !sending.contains(m.id) && !flights.isInFlight(messageID: m.id) {
            do {
                try await transmit(messageID: m.id, duty: .wait)
                sent.append(m.id)
            } catch .notSent {
                break   // the radio is gone; the rest wait for the reconnect
            } catch .regionUnset(let node) {
                emit(.notice(MessengerError.regionUnset(node: node).description))
                break
            } catch {
                emit(.notice("message \(m.id.prefix(8)) not sent: \(error.description)"))
            }
        }
        return sent
    }

    // MARK: Receipts and contact frames

    func scheduleReceipts(in seconds: Double) {
        guard receiptTimer == nil else { return }
        receiptTimer = after(max(0.01, seconds)) { c in await c.flushReceipts() }
    }

    /// Sends the receipts owed, as `ReceiptBatching` plans them, and only when the duty cycle
    /// has room now (else later, never a backlog in the radio's queue).
    public func flushReceipts() async {
        receiptTimer = nil
        let store = messenger.store
        let now = messenger.now
        let readReceipts = messenger.readReceiptsEnabled
        guard let owed = try? store.receiptsDue(readReceipts: readReceipts, since: now - ReceiptBatching.horizonSeconds), !owed.isEmpty else {
            await flushGroupAcks()
            await flushMailboxConfirms()
            return
        }
        let due = owed.map { ReceiptBatching.Due(id: $0.id, peer: $0.peer, receivedAt: $0.receivedAt ?? 0, read: readReceipts && $0.readAt != nil) }
        let plan = ReceiptBatching.plan(due: due, outboxPending: !((try? store.pending()) ?? []).isEmpty, now: now)
        if let again = plan.lookAgainIn { scheduleReceipts(in: again) }
        let byID = Dictionary(owed.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for batch in plan.batches {
            guard let packets = try? messenger.receiptPackets(for: batch.ids.compactMap { byID[$0] }, read: batch.read, node: connection.info.nodeNum) else { continue }
            for packet in packets {
                let sent: UInt32?
                do { sent = try await sendControl(packet) } catch { return }   // radio gone: still owed
                if sent == nil {
                    scheduleReceipts(in: ReceiptBatching.dutyRetrySeconds)
                    return
                }
            }
            record("receipt sent") { () throws(StoreError) in try store.markReceiptSent(ids: batch.ids, level: batch.read ? 2 : 1) }
        }
        await flushGroupAcks()
        await flushMailboxConfirms()
    }

    /// Sends the contact requests and answers waiting in the frame outbox.
    public func sendPendingFrames() async {
        guard let frames = try? messenger.store.unsentFrames() else { return }
        for f in frames {
            var p = MeshPacket()
            p.to = f.toNode ?? MeshPacket.broadcast
            p.wantAck = f.toNode != nil
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: f.frame))
            let packetID: UInt32?
            do { packetID = try await sendControl(p, waitForDuty: true) } catch {
                emit(.notice("a frame stays in the outbox: \(error.description)"))
                return
            }
            if let packetID {
                record("frame sent") { () throws(StoreError) in try messenger.store.markFrameSent(id: f.id, packetID: packetID, at: messenger.now) }
            }
        }
    }

    /// Hands a frame that is not a stored message to the radio, inside the duty cycle: nil
    /// (or false) when there is no room now and `waitForDuty` is off.
    @discardableResult
    func sendControl(_ packet: MeshPacket, waitForDuty: Bool = false) async throws(MessengerError) -> UInt32? {
        let ms = gate.milliseconds(for: packet)
        let reservation: Int
        do { reservation = try await awaitAirtime(ms, messageID: nil, duty: waitForDuty ? .wait : .fail, deadline: nil) } catch {
            switch error {
            case .dutyCycleWait, .exceedsDutyCycle: return nil
            default: throw error
            }
        }
        let id: UInt32
        do { id = try await connection.send(packet) } catch {
            flights.release(reservation)
            throw .radio(error)
        }
        perform(flights.handedOver(id, control: .init(packet: packet, milliseconds: ms), reservation: reservation, now: messenger.now))
        return id
    }

    /// Writes a delivery fact to the store; a failure is reported, never swallowed.
    func record(_ what: String, _ body: () throws(StoreError) -> Void) {
        do { try body() } catch { emit(.notice("could not record \(what) in the database: \(error.description)")) }
    }
}
