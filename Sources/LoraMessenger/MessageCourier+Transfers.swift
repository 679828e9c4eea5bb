import Delivery
import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import RadioLink

/// The long-message sender: passes over the chunks the receiver lacks, paced by the path and
/// the duty cycle; probes when the receiver is silent; repair when it says what it lacks; and,
/// as receiver, the transfer receipt after the sender goes quiet. The decisions are
/// `TransferPacing` and `ProbeSchedule`'s (Delivery); this is the driver that waits and sends.
extension MessageCourier {
    // MARK: Transfers


    /// Relays on the path to `node`: heard by this process (any packet or ACK from it), else
    /// what the newest stored message from the contact came through; nil when unknown.
    func relays(to node: UInt32?, peer: [UInt8]) -> Int? {
        if let node, let heard = relaysHeard[node] { return heard }
        return try? messenger.store.lastHops(peer: peer)
    }


    /// Returns once a packet from `node` said how many relays away it is, or after `seconds`.
    func waitForPath(to node: UInt32, seconds: Double) async {
        guard relaysHeard[node] == nil else { return }
        let timer = after(seconds) { c in await c.pathLearned(node) }
        await withCheckedContinuation { pathWaiters[node, default: []].append($0) }
        timer.cancel()
    }

    func pathLearned(_ node: UInt32) {
        for w in pathWaiters.removeValue(forKey: node) ?? [] { w.resume() }
    }


    /// One pass over a transfer: every chunk the receiver is not known to hold, fewest sends
    /// first, each inside the duty cycle. Then a probe is armed in case no word comes back.
    func transmitTransfer(_ m: StoredMessage, broadcast: Bool, duty: DutyPolicy, deadline: Double?,
                                  progress: @Sendable (Int) -> Void) async throws(MessengerError) -> UInt32 {
        guard let transfer = m.transferID else { throw .store(.noSuchMessage(m.id)) }
        let store = messenger.store
        let all: [StoredChunk]
        all = try stored(try store.chunks(peer: m.peer, direction: .outgoing, transferID: transfer))
        let byIndex = Dictionary(all.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        let pass: TransferPass
        switch TransferPass.plan(all.map { .init(index: $0.index, count: $0.count, sends: $0.sends, held: $0.held) }) {
        case .send(let p): pass = p
        case .fail(let why):
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
        let node = template.to == MeshPacket.broadcast ? nil : template.to
        var last: UInt32 = 0
        // The radio takes chunks into its queue at once and sends them one by one: when it
        // will be done, so the probe does not start counting while chunks are still queued.
        var radioBusyUntil = messenger.now
        for (n, index) in pass.order.enumerated() {
            guard let chunk = byIndex[index] else { continue }
            template.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: chunk.envelope))
            template.id = 0
            let known = relays(to: node, peer: m.peer)
            template.wantAck = pass.asksForPathACK(n, relays: known, direct: node != nil)
            let ms = gate.milliseconds(for: template)
            let history = (try? store.airtime(since: messenger.now - AirtimeLedger.windowSeconds)) ?? []
            let plan = gate.schedule(milliseconds: Array(repeating: ms, count: pass.order.count - n), now: messenger.now, history: history)
            emit(.transferProgress(messageID: m.id, sent: n, confirmed: pass.confirmed, count: pass.count,
                                   secondsLeft: plan.finish - messenger.now + pass.pacingLeft(at: n, milliseconds: ms, relays: known),
                                   nextSlot: plan.firstWait))
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
            radioBusyUntil = TransferPass.radioBusy(until: radioBusyUntil, now: messenger.now, milliseconds: ms)
            if template.wantAck, let node, n < pass.order.count - 1 {
                // Wait for that ACK before the next chunk: on a long path the next chunk
                // would meet it coming back.
                await waitForPath(to: node, seconds: Self.pathLearningSeconds)
            }
            let spacing = pass.spacing(after: n, milliseconds: ms, relays: relays(to: node, peer: m.peer))
            if spacing > 0 { await pause(spacing) }
        }
        emit(.transferProgress(messageID: m.id, sent: pass.order.count, confirmed: pass.confirmed, count: pass.count, secondsLeft: 0, nextSlot: 0))
        record("state queued") { () throws(StoreError) in try store.updateState(id: m.id, packetID: nil, to: .queued, at: messenger.now) }
        wake(m.id)
        armProbe(m.id, broadcast: broadcast, extra: max(0, radioBusyUntil - messenger.now))
        return last
    }

    /// Hands one chunk to the radio and waits until it takes (or refuses) it. One chunk at a
    /// time: its airtime is in the ledger before the next duty-cycle check, and it counts as
    /// sent only once taken (a full queue holds it in the session; a killed process never
    /// sent it, and a radio that refused it did not either).
    func sendChunk(_ packet: MeshPacket, _ chunk: StoredChunk, of m: StoredMessage, milliseconds ms: Double,
                           reservation: Int) async throws(MessengerError) -> Take {
        let id: UInt32
        do { id = try await connection.send(packet) } catch {
            flights.release(reservation)
            throw .notSent(error, messageID: m.id)
        }
        let early = flights.handedOver(id, control: .init(packet: packet, milliseconds: ms), reservation: reservation, now: messenger.now)
        perform(early)
        // News that came while the chunk was being handed over may already say.
        let outcome: Take
        if let settled = Self.take(of: id, in: early) { outcome = settled } else { outcome = await taken(id, within: Self.chunkTakenSeconds) }
        if case .taken = outcome {
            record("chunk sent") { () throws(StoreError) in
                try messenger.store.noteChunkSent(peer: m.peer, transferID: chunk.transferID, index: chunk.index)
            }
        }
        return outcome
    }

    /// Sends again what the receiver said it lacks.
    func repair(_ messageID: String) async {
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
    func setSchedule(_ messageID: String, _ change: (inout ProbeSchedule) -> Void) {
        var s = probeSchedules[messageID] ?? ProbeSchedule(silentProbes: ((try? messenger.store.message(id: messageID)) ?? nil)?.silentProbes ?? 0)
        change(&s)
        probeSchedules[messageID] = s
        record("the silent probes") { () throws(StoreError) in try messenger.store.setSilentProbes(id: messageID, s.silentProbes) }
    }

    func probe(_ messageID: String, broadcast: Bool) async {
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
    func scheduleTransferReceipt(peer: [UInt8], transferID: UInt32, quiet: Double) {
        transferReceiptTimers.removeValue(forKey: transferID)?.cancel()
        transferReceiptTimers[transferID] = after(quiet) { c in
            await c.sendTransferReceipt(peer: peer, transferID: transferID)
        }
    }

    func sendTransferReceipt(peer: [UInt8], transferID: UInt32) async {
        transferReceiptTimers[transferID] = nil
        guard let packet = try? messenger.transferReceiptPacket(peer: peer, transferID: transferID, node: connection.info.nodeNum) else { return }
        _ = try? await sendControl(packet, waitForDuty: true)
    }
}
