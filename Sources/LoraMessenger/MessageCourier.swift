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

    public nonisolated let messenger: Messenger
    public nonisolated let connection: RadioConnection
    public nonisolated let events: AsyncStream<MessengerEvent>
    private let continuation: AsyncStream<MessengerEvent>.Continuation
    private var gate: DutyCycleGate
    private struct Flight { var messageID: String; var milliseconds: Double; var broadcast: Bool; var startedAt: Double }
    private var inFlight: [UInt32: Flight] = [:]
    /// Delivery news that overtook the `send` it belongs to.
    private var early: [UInt32: [DeliveryUpdate]] = [:]
    private var sending: Set<String> = []
    /// How much faster than the wall the messenger's clock runs (virtual radios at --speed):
    /// the protocol's own timers (receipt batching, the quiet before a transfer receipt, the
    /// probe, duty-cycle polls) are in the messenger's seconds, so they are divided by it.
    private var timeScale = 1.0
    public func setTimeScale(_ scale: Double) { timeScale = max(0.001, scale) }
    /// This courier is the second way out of a `--via both` send: its packet ids are recorded
    /// beside the first way's (`alt_packet_id`).
    private var alternate = false
    func setAlternate(_ on: Bool) { alternate = on }

    /// `seconds` on the messenger's clock as wall nanoseconds (at least a millisecond).
    private func wallNanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0.001, seconds) / timeScale * 1e9) }

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

    /// A packet that is not a message's own in the air (a receipt, a contact frame, a chunk):
    /// its airtime is booked when queued, and a DM the radio cannot PKI-encrypt goes again as
    /// a broadcast.
    private struct ControlFlight { var milliseconds: Double; var packet: MeshPacket }
    private var controlFlights: [UInt32: ControlFlight] = [:]
    /// Airtime granted by `awaitAirtime` and not yet in the store's ledger, by token, and the
    /// token of each packet handed over.
    private var reserved: [Int: AirtimeRecord] = [:]
    private var nextReservation = 0
    private var reservationOfPacket: [UInt32: Int] = [:]
    private var receiptTimer: Task<Void, Never>?
    private var pump: Task<Void, Never>?
    /// A long-running holder of the radio (`tail`) applies the retention hourly.
    private var retentionTimer: Task<Void, Never>?
    static let retentionIntervalSeconds = 3600.0

    /// End-to-end resending: the engine decides, `performResendActions` does.
    var resends: ResendEngine
    var resendTimer: Task<Void, Never>?

    init(messenger: Messenger, connection: RadioConnection) {
        self.messenger = messenger
        self.connection = connection
        gate = DutyCycleGate(radio: connection.info)
        resends = ResendEngine(policy: messenger.resendPolicy)
        (events, continuation) = AsyncStream.makeStream(of: MessengerEvent.self, bufferingPolicy: .bufferingNewest(1024))
    }

    /// Opens the radio (config-only handshake, no node download) and starts taking its events.
    public static func connect(messenger: Messenger, endpoint: RadioEndpoint, reconnectForSeconds: Double,
                               waiting: (@Sendable (String) -> Void)? = nil) async throws(MessengerError) -> MessageCourier {
        var o = RadioConnection.Options()
        o.onWaiting = waiting
        o.session.configOnly = true
        o.reconnectForSeconds = reconnectForSeconds
        let connection: RadioConnection
        do { connection = try await RadioConnection.connect(to: endpoint, options: o) } catch { throw .radio(error) }
        let courier = MessageCourier(messenger: messenger, connection: connection)
        await courier.setTimeScale(messenger.timeScale)
        await courier.start()
        return courier
    }

    private func start() {
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
    }

    private func armRetention() {
        retentionTimer = after(Self.retentionIntervalSeconds) { c in
            do throws(MessengerError) { try c.messenger.applyRetention() } catch { await c.emit(.notice("retention: \(error.description)")) }
            await c.armRetention()
        }
    }

    private func finishEvents() { continuation.finish() }

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
        do { found = try store.message(id: messageID) } catch { throw .store(error) }
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
            reserved[reservation] = nil
            throw .notSent(error, messageID: messageID)
        }
        reservationOfPacket[packetID] = reservation
        let isBroadcast = packet.to == MeshPacket.broadcast
        let now = messenger.now
        do {
            try store.markTransmitted(id: messageID, packetID: packetID, toNode: isBroadcast ? nil : packet.to,
                                      channel: m.channel, hopLimit: m.hopLimit, at: now, alternate: alternate, resend: resend)
        } catch { throw .store(error) }
        inFlight[packetID] = Flight(messageID: messageID, milliseconds: ms, broadcast: isBroadcast, startedAt: now)
        if !alternate {
            resends.transmitted(messageID: messageID, peer: m.peer, now: now,
                                seed: roundTripSeed(messageMilliseconds: ms, node: isBroadcast ? nil : packet.to, peer: m.peer))
            performResendActions()
        }
        emit(.transmitted(messageID: messageID, packetID: packetID, broadcast: isBroadcast))
        for u in early.removeValue(forKey: packetID) ?? [] { deliver(packetID, u) }
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
    private func awaitAirtime(_ ms: Double, messageID: String?, duty: DutyPolicy, deadline: Double?,
                              progress: @Sendable (Int) -> Void = { _ in }) async throws(MessengerError) -> Int {
        while true {
            let now = messenger.now
            let history: [AirtimeRecord]
            do { history = try messenger.store.airtime(since: now - AirtimeLedger.windowSeconds) } catch { throw .store(error) }
            switch gate.decide(milliseconds: ms, now: now, history: history + reserved.values) {
            case .now:
                nextReservation += 1
                reserved[nextReservation] = AirtimeRecord(startedAt: now, milliseconds: ms)
                return nextReservation
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
        for m in pending where !sending.contains(m.id) && !inFlight.values.contains(where: { $0.messageID == m.id }) {
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

    // MARK: Transfers

    /// Relays between us and each node, from the last packet heard from it (hop_start −
    /// hop_limit); pacing chunks and the receiver's quiet both depend on it.
    private var relaysHeard: [UInt32: Int] = [:]

    /// Relays on the path to `node`: heard by this process (any packet or ACK from it), else
    /// what the newest stored message from the contact came through; nil when unknown.
    func relays(to node: UInt32?, peer: [UInt8]) -> Int? {
        if let node, let heard = relaysHeard[node] { return heard }
        return try? messenger.store.lastHops(peer: peer)
    }

    /// The longest wait for the first chunk's ACK to say how long the path is: enough for an
    /// ACK to come back over three relays.
    static let pathLearningSeconds = 40.0
    private var pathWaiters: [UInt32: [CheckedContinuation<Void, Never>]] = [:]

    /// Returns once a packet from `node` said how many relays away it is, or after `seconds`.
    private func waitForPath(to node: UInt32, seconds: Double) async {
        guard relaysHeard[node] == nil else { return }
        let timer = after(seconds) { c in await c.pathLearned(node) }
        await withCheckedContinuation { pathWaiters[node, default: []].append($0) }
        timer.cancel()
    }

    private func pathLearned(_ node: UInt32) {
        for w in pathWaiters.removeValue(forKey: node) ?? [] { w.resume() }
    }

    private var transferReceiptTimers: [UInt32: Task<Void, Never>] = [:]
    private var probes: [String: Task<Void, Never>] = [:]
    /// Each probed transfer's schedule; its silent probes are also on the message's row, so a
    /// restarted courier carries on counting (`resumeTransfers`).
    private var probeSchedules: [String: ProbeSchedule] = [:]

    /// One pass over a transfer: every chunk the receiver is not known to hold, fewest sends
    /// first, each inside the duty cycle. Then a probe is armed in case no word comes back.
    private func transmitTransfer(_ m: StoredMessage, broadcast: Bool, duty: DutyPolicy, deadline: Double?,
                                  progress: @Sendable (Int) -> Void) async throws(MessengerError) -> UInt32 {
        guard let transfer = m.transferID else { throw .store(.noSuchMessage(m.id)) }
        let store = messenger.store
        let all: [StoredChunk]
        do { all = try store.chunks(peer: m.peer, direction: .outgoing, transferID: transfer) } catch { throw .store(error) }
        let todo = all.filter { !$0.held }.sorted { ($0.sends, $0.index) < ($1.sends, $1.index) }
        if let worn = todo.first(where: { $0.sends >= TransferPacing.maxChunkSends }) {
            let why = "chunk \(worn.index + 1) of \(worn.count) was sent \(worn.sends) times without the receiver holding it"
            record("state failed") { () throws(StoreError) in try store.updateState(id: m.id, packetID: nil, to: .failed, failure: why, at: messenger.now) }
            wake(m.id)
            throw .deliveryFailed(reason: why, messageID: m.id)
        }
        var template = messenger.packet(for: m, broadcast: broadcast)
        // No per-packet ACK: the receiver's bitmap receipts say what to send again. With
        // want_ack the radio retransmits each chunk whose ACK is slow (and a stream of chunks
        // keeps the channel busy, so ACKs are slow), up to tripling the airtime.
        template.wantAck = false
        if gate.settings.region == .unset { throw .regionUnset(node: connection.info.nodeID) }
        let confirmed = all.count - all.filter { !$0.held }.count
        let node = template.to == MeshPacket.broadcast ? nil : template.to
        var last: UInt32 = 0
        // The radio takes chunks into its queue at once and sends them one by one: when it
        // will be done, so the probe does not start counting while chunks are still queued.
        var radioBusyUntil = messenger.now
        for (n, chunk) in todo.enumerated() {
            template.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: chunk.envelope))
            template.id = 0
            // On a path of unknown length the first chunk asks for the radio's ACK: the
            // receiver's radio answers it, and its header says how many relays are between us.
            let known = relays(to: node, peer: m.peer)
            template.wantAck = n == 0 && known == nil && node != nil
            let ms = gate.milliseconds(for: template)
            let history = (try? store.airtime(since: messenger.now - AirtimeLedger.windowSeconds)) ?? []
            let plan = gate.schedule(milliseconds: Array(repeating: ms, count: todo.count - n), now: messenger.now, history: history)
            // The duty cycle is not the only wait: on a relayed path each chunk also waits for
            // the relays to forward the one before (chunkSpacing), and the radio leaves a gap.
            let pacing = Double(todo.count - n - 1) * (TransferPacing.chunkSpacing(milliseconds: ms, relays: known ?? 2) + TransferPacing.queueGapSeconds)
            emit(.transferProgress(messageID: m.id, sent: n, confirmed: confirmed, count: all.count,
                                   secondsLeft: plan.finish - messenger.now + pacing, nextSlot: plan.firstWait))
            let reservation = try await awaitAirtime(ms, messageID: m.id, duty: duty, deadline: deadline, progress: progress)
            let id: UInt32
            switch try await sendChunk(template, chunk, of: m, milliseconds: ms, reservation: reservation) {
            case .taken(let taken): id = taken
            case .refused(let why):
                // The radio knows airtime we do not (its own ACKs and NodeInfo), so it may refuse
                // for the duty cycle where our ledger had room: the probe picks the transfer up.
                armProbe(m.id, broadcast: broadcast)
                throw .deliveryFailed(reason: "the radio refused chunk \(chunk.index + 1) of \(chunk.count) (\(why)); the rest waits for the next pass", messageID: m.id)
            case .noAnswer:
                armProbe(m.id, broadcast: broadcast)
                throw .timedOut(waitingFor: "the radio to take chunk \(chunk.index + 1) of \(chunk.count)", seconds: Self.chunkTakenSeconds, messageID: m.id)
            }
            if n == 0 {
                record("transmitted") { () throws(StoreError) in
                    try store.markTransmitted(id: m.id, packetID: id, toNode: template.to == MeshPacket.broadcast ? nil : template.to,
                                              channel: m.channel, hopLimit: m.hopLimit, at: messenger.now)
                }
            }
            last = id
            radioBusyUntil = max(radioBusyUntil, messenger.now) + ms / 1000 + TransferPacing.queueGapSeconds
            if template.wantAck, let node, n < todo.count - 1 {
                // Wait for that ACK before the next chunk: on a long path the next chunk
                // would meet it coming back.
                await waitForPath(to: node, seconds: Self.pathLearningSeconds)
            }
            // Still unknown: spaced as for the longest path until an ACK or a receipt tells.
            let spacing = TransferPacing.chunkSpacing(milliseconds: ms, relays: relays(to: node, peer: m.peer) ?? 2)
            if spacing > 0, n < todo.count - 1 { await pause(spacing) }
        }
        emit(.transferProgress(messageID: m.id, sent: todo.count, confirmed: confirmed, count: all.count, secondsLeft: 0, nextSlot: 0))
        record("state queued") { () throws(StoreError) in try store.updateState(id: m.id, packetID: nil, to: .queued, at: messenger.now) }
        wake(m.id)
        armProbe(m.id, broadcast: broadcast, extra: max(0, radioBusyUntil - messenger.now))
        return last
    }

    /// Hands one chunk to the radio and waits until it takes (or refuses) it. One chunk at a
    /// time: its airtime is in the ledger before the next duty-cycle check, and it counts as
    /// sent only once taken (a full queue holds it in the session; a killed process never
    /// sent it, and a radio that refused it did not either).
    private func sendChunk(_ packet: MeshPacket, _ chunk: StoredChunk, of m: StoredMessage, milliseconds ms: Double,
                           reservation: Int) async throws(MessengerError) -> Take {
        let id: UInt32
        do { id = try await connection.send(packet) } catch {
            reserved[reservation] = nil
            throw .notSent(error, messageID: m.id)
        }
        reservationOfPacket[id] = reservation
        controlFlights[id] = ControlFlight(milliseconds: ms, packet: packet)
        let outcome = await taken(id, within: Self.chunkTakenSeconds)
        if case .taken = outcome {
            record("chunk sent") { () throws(StoreError) in
                try messenger.store.noteChunkSent(peer: m.peer, transferID: chunk.transferID, index: chunk.index)
            }
        }
        return outcome
    }

    /// Sends again what the receiver said it lacks.
    private func repair(_ messageID: String) async {
        probes.removeValue(forKey: messageID)?.cancel()
        setSchedule(messageID) { $0.receiverSpoke() }
        guard !sending.contains(messageID), let m = try? messenger.store.message(id: messageID),
              m.state != .delivered, m.state != .read, m.state != .failed else { return }
        sending.insert(messageID)
        defer { sending.remove(messageID) }
        do throws(MessengerError) { _ = try await transmitTransfer(m, broadcast: m.toNode == nil, duty: .wait, deadline: nil, progress: { _ in }) } catch {
            emit(.notice("message \(messageID.prefix(8)): \(error.description)"))
        }
    }

    /// No word from the receiver after a pass: one chunk goes again, which makes the
    /// receiver report what it holds (its receipt may have been lost, or every chunk).
    /// `extra`: seconds before the wait starts (the radio still sending the pass, a long path).
    func armProbe(_ messageID: String, broadcast: Bool, extra: Double = 0) {
        probes.removeValue(forKey: messageID)?.cancel()
        // On a relayed path the receiver stays quiet longer and its answer takes longer to
        // come back: a probe sooner than that only restarts its quiet time.
        var path = 2
        let stored = try? messenger.store.message(id: messageID)
        if let m = stored ?? nil { path = relays(to: m.toNode, peer: m.peer) ?? 2 }
        let schedule = probeSchedules[messageID] ?? ProbeSchedule(silentProbes: (stored ?? nil)?.silentProbes ?? 0)
        probeSchedules[messageID] = schedule
        let now = messenger.now
        let due = schedule.nextProbe(now: now, busySeconds: extra, relays: path, chunkMilliseconds: gate.fullChunkMilliseconds)
        probes[messageID] = after(due - now) { c in
            await c.probe(messageID, broadcast: broadcast)
        }
    }

    /// Changes a transfer's probe schedule and records its silent probes on the row.
    private func setSchedule(_ messageID: String, _ change: (inout ProbeSchedule) -> Void) {
        var s = probeSchedules[messageID] ?? ProbeSchedule(silentProbes: ((try? messenger.store.message(id: messageID)) ?? nil)?.silentProbes ?? 0)
        change(&s)
        probeSchedules[messageID] = s
        record("the silent probes") { () throws(StoreError) in try messenger.store.setSilentProbes(id: messageID, s.silentProbes) }
    }

    private func probe(_ messageID: String, broadcast: Bool) async {
        probes[messageID] = nil
        let store = messenger.store
        // The chunk sent least so far: probes spread over the missing ones instead of
        // wearing one out while a relay is still forwarding the pass.
        guard let m = try? store.message(id: messageID), let transfer = m.transferID,
              m.state != .delivered, m.state != .read, m.state != .failed,
              let all = try? store.chunks(peer: m.peer, direction: .outgoing, transferID: transfer),
              // Every chunk held but no ordinary receipt yet (it was lost): any chunk makes the
              // receiver send it again.
              let chunk = (all.contains { !$0.held } ? all.filter { !$0.held } : all).min(by: { ($0.sends, $0.index) < ($1.sends, $1.index) })
        else { probeSchedules[messageID] = nil; return }
        let schedule = probeSchedules[messageID] ?? ProbeSchedule(silentProbes: m.silentProbes)
        if case .fail(let why) = schedule.decide(chunkIndex: chunk.index, chunkCount: chunk.count, sends: chunk.sends, held: chunk.held) {
            probeSchedules[messageID] = nil
            record("state failed") { () throws(StoreError) in try store.updateState(id: m.id, packetID: nil, to: .failed, failure: why, at: messenger.now) }
            emit(.delivery(messageID: m.id, state: .failed, detail: why))
            wake(m.id)
            return
        }
        var p = messenger.packet(for: m, broadcast: broadcast)
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: chunk.envelope))
        p.wantAck = false
        let ms = gate.milliseconds(for: p)
        // Only a probe the radio took can go unanswered: one it refused (its duty cycle) or
        // one our ledger holds back is not the receiver's silence.
        if let reservation = try? await awaitAirtime(ms, messageID: nil, duty: .wait, deadline: nil),
           case .taken? = try? await sendChunk(p, chunk, of: m, milliseconds: ms, reservation: reservation) {
            setSchedule(messageID) { $0.probeTaken() }
        }
        armProbe(messageID, broadcast: broadcast)
    }

    /// Receiver side: after the sender goes quiet, say which chunks we hold.
    private func scheduleTransferReceipt(peer: [UInt8], transferID: UInt32, quiet: Double) {
        transferReceiptTimers.removeValue(forKey: transferID)?.cancel()
        transferReceiptTimers[transferID] = after(quiet) { c in
            await c.sendTransferReceipt(peer: peer, transferID: transferID)
        }
    }

    private func sendTransferReceipt(peer: [UInt8], transferID: UInt32) async {
        transferReceiptTimers[transferID] = nil
        guard let packet = try? messenger.transferReceiptPacket(peer: peer, transferID: transferID, node: connection.info.nodeNum) else { return }
        _ = try? await sendControl(packet, waitForDuty: true)
    }

    // MARK: Receipts and contact frames

    /// Receipts wait this long after a message arrives, so one can cover several.
    static let receiptBatchSeconds = 2.0
    /// Receipts are owed only for messages received this recently (an old backlog is not
    /// worth the airtime).
    static let receiptHorizonSeconds = 7 * 86_400.0

    private func scheduleReceipts(in seconds: Double) {
        guard receiptTimer == nil else { return }
        receiptTimer = after(max(0.01, seconds)) { c in await c.flushReceipts() }
    }

    /// Sends the receipts owed: batched per contact (up to 16 messages in one), after the
    /// user's own messages, and only when the duty cycle has room now (else later, never a
    /// backlog in the radio's queue).
    public func flushReceipts() async {
        receiptTimer = nil
        let store = messenger.store
        let now = messenger.now
        let readReceipts = messenger.readReceiptsEnabled
        guard let due = try? store.receiptsDue(readReceipts: readReceipts, since: now - Self.receiptHorizonSeconds), !due.isEmpty else { return }
        if let pending = try? store.pending(), !pending.isEmpty {
            scheduleReceipts(in: Self.receiptBatchSeconds)   // the user's messages go first
            return
        }
        let ready = due.filter { ($0.receivedAt ?? 0) <= now - Self.receiptBatchSeconds }
        if ready.count < due.count { scheduleReceipts(in: Self.receiptBatchSeconds) }
        let groups = Dictionary(grouping: ready) { m in
            ReceiptGroup(peer: m.peer, read: readReceipts && m.readAt != nil)
        }
        for (group, messages) in groups.sorted(by: { $0.value[0].receivedAt ?? 0 < $1.value[0].receivedAt ?? 0 }) {
            for start in stride(from: 0, to: messages.count, by: 16) {
                let batch = Array(messages[start..<min(messages.count, start + 16)])
                guard let packets = try? messenger.receiptPackets(for: batch, read: group.read, node: connection.info.nodeNum) else { continue }
                for packet in packets {
                    let sent: UInt32?
                    do { sent = try await sendControl(packet) } catch { return }   // radio gone: still owed
                    if sent == nil {
                        // No room in the duty cycle now: try again in a while.
                        scheduleReceipts(in: 30)
                        return
                    }
                }
                record("receipt sent") { () throws(StoreError) in try store.markReceiptSent(ids: batch.map(\.id), level: group.read ? 2 : 1) }
            }
        }
    }

    private struct ReceiptGroup: Hashable { var peer: [UInt8]; var read: Bool }

    /// Sends the contact requests and answers waiting in the frame outbox.
    public func sendPendingFrames() async {
        guard let frames = try? messenger.store.unsentFrames() else { return }
        for f in frames {
            var p = MeshPacket()
            p.to = f.toNode ?? MeshPacket.broadcast
            p.wantAck = f.toNode != nil
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: f.frame))
            let packetID: UInt32?
            do { packetID = try await sendControl(p, waitForDuty: true) } catch { return }
            if let packetID {
                record("frame sent") { () throws(StoreError) in try messenger.store.markFrameSent(id: f.id, packetID: packetID, at: messenger.now) }
            }
        }
    }

    /// Hands a frame that is not a stored message to the radio, inside the duty cycle: nil
    /// (or false) when there is no room now and `waitForDuty` is off.
    @discardableResult
    private func sendControl(_ packet: MeshPacket, waitForDuty: Bool = false) async throws(MessengerError) -> UInt32? {
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
            reserved[reservation] = nil
            throw .radio(error)
        }
        reservationOfPacket[id] = reservation
        controlFlights[id] = ControlFlight(milliseconds: ms, packet: packet)
        for u in early.removeValue(forKey: id) ?? [] { deliver(id, u) }
        return id
    }

    /// Waits until the message reaches `goal`, fails, or `timeout` passes. Wakes on this
    /// courier's own delivery news; the store is read only then (and once at the start).
    public func waitFor(messageID: String, goal: Goal, timeout: Double) async throws(MessengerError) -> DeliveryState {
        let deadline = messenger.now + timeout
        while true {
            if let state = try Self.check(store: messenger.store, messageID: messageID, goal: goal, timeout: timeout, expired: messenger.now >= deadline) {
                return state
            }
            await changeOrDeadline(of: messageID, seconds: (deadline - messenger.now) / timeScale)
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
            do { counter = try store.changeCounter() } catch { throw .store(error) }
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
    private static func check(store: MessageStore, messageID: String, goal: Goal, timeout: Double, expired: Bool) throws(MessengerError) -> DeliveryState? {
        let m: StoredMessage?
        do { m = try store.message(id: messageID) } catch { throw .store(error) }
        guard let m else { throw .store(.noSuchMessage(messageID)) }
        if goal.reached(by: m.state) { return m.state }
        // A packet the radio gave up on is not the end of a wait for the receipt while the
        // message is still due to be sent again.
        let resending = m.nextAttemptAt != nil && (goal == .delivered || goal == .read)
        if m.state == .failed && !resending { throw .deliveryFailed(reason: m.failure ?? "failed", messageID: messageID) }
        if expired { throw .timedOut(waitingFor: goal.waitingFor, seconds: timeout, messageID: messageID) }
        return nil
    }

    private var waiters: [String: [(token: Int, continuation: CheckedContinuation<Void, Never>, timer: Task<Void, Never>?)]] = [:]
    private var nextToken = 0

    /// Returns when a delivery update for the message arrives, the radio goes away, or after
    /// `seconds` (real time).
    private func changeOrDeadline(of messageID: String, seconds: Double) async {
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

    private func wakeAll() {
        for id in Array(waiters.keys) { wake(id) }
        for id in Array(takers.keys) { settleTaken(id, .noAnswer) }
    }

    /// Packets (chunks) whose sender waits until the radio takes or refuses them.
    private var takers: [UInt32: (continuation: CheckedContinuation<Take, Never>, timer: Task<Void, Never>)] = [:]
    static let chunkTakenSeconds = 60.0
    enum Take { case taken(packetID: UInt32), refused(String), noAnswer }

    /// Whether the radio queued the packet, refused it, or said nothing (the link went away,
    /// or `seconds` passed).
    private func taken(_ packetID: UInt32, within seconds: Double) async -> Take {
        await withCheckedContinuation { (c: CheckedContinuation<Take, Never>) in
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                if !Task.isCancelled { self.settleTaken(packetID, .noAnswer) }
            }
            takers[packetID] = (c, timer)
            // News that came while the packet was being handed over (a QueueStatus, or a
            // refusal for space and the new id it goes under): the waiter is in place for it now.
            for u in early.removeValue(forKey: packetID) ?? [] { deliver(packetID, u) }
        }
    }

    private func settleTaken(_ packetID: UInt32, _ outcome: Take) {
        guard let t = takers.removeValue(forKey: packetID) else { return }
        t.timer.cancel()
        t.continuation.resume(returning: outcome)
    }

    /// Writes a delivery fact to the store; a failure is reported, never swallowed.
    func record(_ what: String, _ body: () throws(StoreError) -> Void) {
        do { try body() } catch { emit(.notice("could not record \(what) in the database: \(error.description)")) }
    }

    // MARK: What the radio says

    private func handle(_ e: RadioEvent) async {
        switch e {
        case .session(.packetReceived(let p)):
            if let hops = p.hopsTaken, p.from != connection.info.nodeNum { relaysHeard[p.from] = hops; pathLearned(p.from) }
            heard(node: p.from)
            switch messenger.receive(p) {
            case .message(let m):
                emit(.message(m))
                heard(contactNamed: m.contact)
                scheduleReceipts(in: Self.receiptBatchSeconds)
            case .duplicate:
                emit(.duplicate)
                scheduleReceipts(in: Self.receiptBatchSeconds)
            case let .receipt(contact, ids, read, rebound):
                for id in ids { wake(id); resends.receipted(messageID: id, now: messenger.now) }
                heard(contactNamed: contact)
                emit(.receipt(contact: contact, messageIDs: ids, read: read, reboundTo: rebound))
            case .contactRequest(let n):
                emit(.contactRequest(n))
            case let .chunkReceived(contact, peer, transferID, firstPass, have, count):
                emit(.receiving(contact: contact, have: have, count: count))
                let ms = gate.milliseconds(for: p)
                var quiet = TransferPacing.receiverQuiet(chunkMilliseconds: ms, relays: p.hopsTaken ?? 0)
                // A first pass still on its way (a new chunk, not the last): the sender may be
                // waiting to learn the path, so speaking now would only meet its next chunk.
                if firstPass { quiet += Self.pathLearningSeconds }
                scheduleTransferReceipt(peer: peer, transferID: transferID, quiet: quiet)
            case let .transferReceipt(_, id, held, count):
                wake(id)
                emit(.transferProgress(messageID: id, sent: 0, confirmed: held, count: count, secondsLeft: 0, nextSlot: 0))
                if held < count { Task { await self.repair(id) } }
            case let .contactAdded(name, node):
                emit(.contactAdded(name: name, node: node))
            case .notOurs: break
            case let other: emit(.dropped(other))
            }
        case .session(.heardFrom(let node, let relays)):
            relaysHeard[node] = relays
            pathLearned(node)
            heard(node: node)
        case .session(.delivery(let id, let update)):
            deliver(id, update)
        case .session(.log(let line)):
            emit(.radioLog(line))
        case .session(.notification(let n)):
            emit(.notice(n.message))
        case .session(.rebooted):
            emit(.notice("the radio rebooted; redoing the handshake"))
        case .session:
            break
        case .disconnected(let why):
            inFlight.removeAll()
            reserved.removeAll(); reservationOfPacket.removeAll()
            emit(.disconnected(why.description))
            wakeAll()
        case .reconnected(let info):
            gate = DutyCycleGate(radio: info)
            try? messenger.store.setSetting(Messenger.ownNodeSetting, to: String(info.nodeNum))
            emit(.reconnected)
            // Messages the radio never accepted are still pending in the store.
            Task { await self.sendPending() }
        case .unsent:
            break   // their messages are still `pending`; sent again after the reconnect
        case .closed(let why):
            emit(.closed(why))
            wakeAll()
        }
    }

    private func deliver(_ packetID: UInt32, _ update: DeliveryUpdate) {
        // The reservation ends when the store's ledger has the airtime (queued, recorded below
        // in this same turn) or the radio will not send it; a renumbered packet keeps it.
        switch update {
        case .queued, .failed:
            if let token = reservationOfPacket.removeValue(forKey: packetID) { reserved[token] = nil }
        case .renumbered(let newID):
            if let token = reservationOfPacket.removeValue(forKey: packetID) { reservationOfPacket[newID] = token }
        default: break
        }
        if let control = controlFlights[packetID] {
            deliverControl(packetID, control, update)
            return
        }
        let flight: Flight
        if let f = inFlight[packetID] {
            flight = f
        } else if let m = try? messenger.store.outgoing(packetID: packetID) {
            flight = Flight(messageID: m.id, milliseconds: 0, broadcast: m.toNode == nil, startedAt: m.updatedAt)
        } else {
            if early.count < 64 { early[packetID, default: []].append(update) }
            return
        }
        let store = messenger.store
        let now = messenger.now
        let id = flight.messageID
        defer { wake(id) }
        switch update {
        case .queued:
            // The radio will transmit it: that is when it costs airtime.
            if flight.milliseconds > 0 {
                record("airtime") { () throws(StoreError) in try store.recordAirtime(AirtimeRecord(startedAt: now, milliseconds: flight.milliseconds)) }
            }
            record("state queued") { () throws(StoreError) in try store.updateState(id: id, packetID: packetID, to: .queued, at: now) }
            emit(.delivery(messageID: id, state: .queued, detail: nil))
        case .relayed:
            // A DM is followed on: its destination's own ACK comes after the implicit one.
            if flight.broadcast { inFlight[packetID] = nil }
            record("state relayed") { () throws(StoreError) in try store.updateState(id: id, packetID: packetID, to: .relayed, at: now) }
            emit(.delivery(messageID: id, state: .relayed, detail: nil))
        case .acked(let by):
            inFlight[packetID] = nil
            record("state acked") { () throws(StoreError) in try store.updateState(id: id, packetID: packetID, to: .acked, at: now) }
            emit(.delivery(messageID: id, state: .acked, detail: User.nodeID(by)))
        case .renumbered(let newID):
            inFlight[packetID] = nil
            inFlight[newID] = flight
            record("new packet id") { () throws(StoreError) in try store.renumber(id: id, from: packetID, to: newID) }
            emit(.waitingForRadioQueue(messageID: id))
        case .failed(.nak(let reason)) where !flight.broadcast && (reason == .pkiSendFailPublicKey || reason == .pkiUnknownPubkey):
            // The firmware could not PKI-encrypt the DM (it has no key for that node). The
            // envelope is end-to-end sealed anyway, so a broadcast carries it just as safely.
            inFlight[packetID] = nil
            emit(.fellBackToBroadcast(messageID: id))
            Task {
                do throws(MessengerError) { try await self.transmit(messageID: id, broadcast: true, duty: .wait) } catch {
                    self.failAfterFallback(id, error)
                }
            }
        case .failed(let f):
            inFlight[packetID] = nil
            record("state failed") { () throws(StoreError) in try store.updateState(id: id, packetID: packetID, to: .failed, failure: f.description, at: now) }
            emit(.delivery(messageID: id, state: .failed, detail: f.description))
        case .notice(let text):
            emit(.notice(text))
        }
    }

    private func deliverControl(_ packetID: UInt32, _ flight: ControlFlight, _ update: DeliveryUpdate) {
        switch update {
        case .queued:
            record("airtime") { () throws(StoreError) in
                try messenger.store.recordAirtime(AirtimeRecord(startedAt: messenger.now, milliseconds: flight.milliseconds))
            }
            settleTaken(packetID, .taken(packetID: packetID))
        case .relayed:
            if flight.packet.to == MeshPacket.broadcast { controlFlights[packetID] = nil }
        case .renumbered(let newID):
            controlFlights[packetID] = nil
            controlFlights[newID] = flight
            if let t = takers.removeValue(forKey: packetID) { takers[newID] = t }
            for u in early.removeValue(forKey: newID) ?? [] { deliver(newID, u) }
        case .failed(.nak(let reason)) where flight.packet.to != MeshPacket.broadcast && (reason == .pkiSendFailPublicKey || reason == .pkiUnknownPubkey):
            controlFlights[packetID] = nil
            var again = flight.packet
            again.to = MeshPacket.broadcast
            again.id = 0
            Task { _ = try? await self.sendControl(again) }
        case .acked:
            controlFlights[packetID] = nil
        case .failed(let f):
            controlFlights[packetID] = nil
            settleTaken(packetID, .refused(f.description))
        case .notice(let text):
            emit(.notice(text))
        }
    }

    private func failAfterFallback(_ id: String, _ error: MessengerError) {
        record("state failed") { () throws(StoreError) in
            try messenger.store.updateState(id: id, packetID: nil, to: .failed, failure: error.description, at: messenger.now)
        }
        wake(id)
    }
}
