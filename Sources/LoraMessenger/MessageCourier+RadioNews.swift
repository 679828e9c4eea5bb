import Delivery
import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import RadioLink

/// What the radio says: packets heard go to the messenger, delivery news to the flight table
/// (Delivery), whose actions are performed here.
extension MessageCourier {
    // MARK: What the radio says

    func handle(_ e: RadioEvent) async {
        defer { for problem in messenger.takeStoreProblems() { emit(.notice(problem)) } }
        switch e {
        case .session(.packetReceived(let p)):
            if let hops = p.hopsTaken, p.from != connection.info.nodeNum { relaysHeard[p.from] = hops; pathLearned(p.from) }
            heard(node: p.from)
            heardPossibleMailbox(p.from)
            heardNodeInfo(p)
            let outcome = messenger.receive(p)
            switch outcome {
            case .message(let m):
                emit(.message(m))
                heard(contactNamed: m.contact)
                if m.group == nil, let sid = try? SenderID(hex: m.senderID) {
                    messenger.tellMailboxIfDue(senderID: sid.bytes)
                }
                scheduleReceipts(in: ReceiptBatching.batchSeconds)
            case .duplicate:
                emit(.duplicate)
                scheduleReceipts(in: ReceiptBatching.batchSeconds)
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
            case .groupChanged(let notice):
                emit(.groupChanged(notice))
                for m in notice.opened { emit(.message(m)) }
                if !notice.opened.isEmpty { scheduleReceipts(in: ReceiptBatching.batchSeconds) }
                // A creator's re-key (a member left) queued rosters: send them.
                Task { await self.sendPending() }
            case let .postAcked(group, member, ids, delivered):
                for id in delivered { wake(id); resends.receipted(messageID: id, now: messenger.now) }
                emit(.postAcked(group: group, member: member, messageIDs: ids, delivered: delivered))
            case .mailboxNews(let text):
                emit(.notice(text))
            case let .mailboxFetch(recipient, name, node):
                Task { await self.handOver(recipient: recipient, name: name, node: node) }
            case let .deposited(recipient, held):
                emit(.notice("a frame for '\(recipient)' is held here (\(held) for them now)"))
            case .notOurs, .message, .duplicate, .receipt, .contactRequest, .chunkReceived, .transferReceipt,
                 .contactAdded, .groupChanged, .postAcked, .mailboxNews, .mailboxFetch, .deposited:
                break
            case .unknownSender, .failedAuthentication, .malformed, .ignored, .anotherCopy, .requestDropped, .postHeld, .notStored:
                if let why = DropReason(outcome) { emit(.dropped(why)) }
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
            flights.disconnected()
            emit(.disconnected(why.description))
            wakeAll()
        case .reconnected(let info):
            gate = DutyCycleGate(radio: info)
            record("our radio's node") { () throws(StoreError) in try messenger.store.setSetting(Messenger.ownNodeSetting, to: String(info.nodeNum)) }
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

    func deliver(_ packetID: UInt32, _ update: DeliveryUpdate) {
        let news = RadioNews(update), now = messenger.now
        if case .notice(let text) = update, let minutes = DutyCycleNotice.minutes(in: text) {
            radioSaysSilent(minutes: minutes)
            return
        }
        if let actions = flights.news(news, for: packetID, now: now) { perform(actions); return }
        // Handed over by another process of this home, or before a restart: the store knows it.
        if let m = try? messenger.store.outgoing(packetID: packetID) {
            flights.adopt(packetID, messageID: m.id, broadcast: m.toNode == nil)
            perform(flights.news(news, for: packetID, now: now) ?? [])
        } else {
            flights.keepEarly(news, for: packetID)
        }
    }

    /// Does what the flight table decided.
    func perform(_ actions: [FlightTable.Action]) {
        let store = messenger.store
        for action in actions {
            switch action {
            case let .recordAirtime(ms, at):
                record("airtime") { () throws(StoreError) in try store.recordAirtime(AirtimeRecord(startedAt: at, milliseconds: ms)) }
            case let .setState(id, packetID, state, failure, by):
                record("state \(state.rawValue)") { () throws(StoreError) in
                    try store.updateState(id: id, packetID: packetID, to: state, failure: failure, at: messenger.now)
                }
                emit(.delivery(messageID: id, state: state, detail: by.map(User.nodeID) ?? failure))
                wake(id)
            case let .renumber(id, from, to):
                record("new packet id") { () throws(StoreError) in try store.renumber(id: id, from: from, to: to) }
                emit(.waitingForRadioQueue(messageID: id))
                wake(id)
            case .resendAsBroadcast(let id):
                emit(.fellBackToBroadcast(messageID: id))
                wake(id)
                fellBack.insert(id)
                // The radio has no key for that number: perhaps it is a ghost the contact's radio
                // left when firmware 2.8 renumbered it (their next receipt may re-point us), or a
                // radio ours never heard a NodeInfo from: ask it.
                if let peer = (try? store.message(id: id))??.peer {
                    record("a refused node") { () throws(StoreError) in try store.noteNodeRefused(senderID: peer, at: messenger.now) }
                    if let c = try? store.contact(senderID: peer) {
                        Task { await self.askRadioKey(of: c, unlessAskedWithin: Self.radioKeyRefusedAskInterval) }
                    }
                }
                Task {
                    do throws(MessengerError) { try await self.transmit(messageID: id, broadcast: true, duty: .wait) } catch {
                        self.failAfterFallback(id, error)
                    }
                }
            case .sendAfterRadioSilence(let id):
                // Until the radio says how long (its notification follows the NAK), a minute:
                // its count leaves the window no sooner.
                radioSilentUntil = max(radioSilentUntil, messenger.now + 60)
                resends.forget(messageID: id)
                Task {
                    do throws(MessengerError) { try await self.transmit(messageID: id, duty: .wait) } catch {
                        self.emit(.notice("message \(id.prefix(8)) stays in the outbox: \(error.description)"))
                    }
                }
            case .sendControl(let packet):
                Task { _ = try? await self.sendControl(packet) }
            case .taken(let id):
                settleTaken(id, .taken(packetID: id))
            case let .refused(id, why):
                settleTaken(id, .refused(why))
            case let .controlRenumbered(from, to):
                if let t = takers.removeValue(forKey: from) { takers[to] = t }
            case .notice(let text):
                emit(.notice(text))
            }
        }
    }

    /// The radio refused for its duty cycle and says for how long. Its count covers what this
    /// home's ledger cannot see (another client of the radio, its relays and ACKs), so from
    /// now on every send waits for the later of the two.
    func radioSaysSilent(minutes: Int) {
        let now = messenger.now
        let until = now + Double(minutes) * 60
        radioSilentUntil = until
        let ours: String
        do {
            let history = try messenger.store.airtime(since: now - AirtimeLedger.windowSeconds)
            switch gate.decide(milliseconds: gate.fullChunkMilliseconds, now: now, history: history) {
            case .now: ours = "lora-msg's own count has room now: the radio also counts what others sent through it"
            case .wait(let t): ours = "lora-msg's own count said \(Int((t - now).rounded(.up))) s"
            case .never: ours = "lora-msg's own count agrees"
            }
        } catch { ours = "lora-msg's own count is unreadable: \(error.description)" }
        emit(.notice("your radio refuses to transmit for \(minutes) min by its duty-cycle count (\(ours)); messages wait until then, nothing is lost"))
    }

    /// Whether these actions already settle the control packet `id`.
    static func take(of id: UInt32, in actions: [FlightTable.Action]) -> Take? {
        for a in actions {
            if case .taken(id) = a { return .taken(packetID: id) }
            if case .refused(id, let why) = a { return .refused(why) }
        }
        return nil
    }

    func failAfterFallback(_ id: String, _ error: MessengerError) {
        record("state failed") { () throws(StoreError) in
            try messenger.store.updateState(id: id, packetID: nil, to: .failed, failure: error.description, at: messenger.now)
        }
        wake(id)
    }
}

extension RadioNews {
    init(_ update: DeliveryUpdate) {
        switch update {
        case .queued: self = .queued
        case .relayed: self = .relayed
        case .acked(let by): self = .acked(by: by)
        case .renumbered(let id): self = .renumbered(to: id)
        case .failed(let f) where f.lacksPublicKey: self = .noPublicKey
        case .failed(let f) where f.routingError == RoutingError(.dutyCycleLimit): self = .dutyCycleRefused
        case .failed(let f): self = .failed(f.description)
        case .notice(let text): self = .notice(text)
        }
    }
}
