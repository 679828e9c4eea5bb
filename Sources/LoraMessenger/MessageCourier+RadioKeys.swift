import Delivery
import Foundation
import MeshtasticWire
import MessageStore
import RadioLink

/// Firmware 2.8 sends a DM only PKI-encrypted, so our radio must hold the contact's radio key.
/// It learns keys from NodeInfo, broadcast every 3 hours at best; asking the contact's radio for
/// its NodeInfo (`want_response`) is the fast path. Until the key is there a DM falls back to a
/// broadcast; when it comes, those messages go again as DMs.
extension MessageCourier {
    /// Hours between two requests to one radio: NodeInfoModule answers a requester at most every
    /// 12 hours (handleReceivedProtobuf's lastNodeInfoSeen), and each request restarts that.
    static let radioKeyAskInterval = 12 * 3600.0

    /// After a refusal, a radio asked before is asked again after an hour (our request may not
    /// have reached it; NodeInfo's own broadcast interval is no shorter).
    static let radioKeyRefusedAskInterval = 3600.0

    /// At connect: asks the radio of each contact (added before now) whose key we have not
    /// heard, at most once per `radioKeyAskInterval`. A contact added while this process runs
    /// is asked on its first refusal, or by the next lora-msg to connect.
    func askRadioKeysDue() async {
        guard asksRadioKeys else { return }
        let due: [Contact]
        let now = messenger.now
        do { due = try messenger.store.contactsAwaitingRadioKey(askedBefore: now - Self.radioKeyAskInterval) } catch {
            emit(.notice("cannot read which contacts' radio keys are missing: \(error.description)"))
            return
        }
        for c in due where c.addedAt <= startedAt { await askRadioKey(of: c, unlessAskedWithin: Self.radioKeyAskInterval) }
    }

    /// A NodeInfo request to the contact's node: our radio's own User, want_response. It is not
    /// PKI (NodeInfo never is), so it goes even while our radio lacks their key; their radio
    /// answers with its User, and ours keeps the key on first use (NodeDB::updateUser).
    func askRadioKey(of c: Contact, unlessAskedWithin interval: Double) async {
        guard asksRadioKeys, let node = c.node else { return }
        let asked = ((try? messenger.store.radioKey(senderID: c.senderID))?.askedAt).flatMap { $0 }
        if let asked, messenger.now - asked < interval { return }
        var p = MeshPacket()
        p.to = node
        var d = PacketData(portnum: PortNum(.nodeinfoApp), payload: (connection.info.ownNode?.user ?? User()).encoded())
        d.wantResponse = true
        p.payloadVariant = .decoded(d)
        do {
            guard try await sendControl(p, waitForDuty: false) != nil else { return }
        } catch {
            emit(.notice("could not ask \(c.name)'s radio for its key: \(error.description)"))
            return
        }
        record("a radio key request") { () throws(StoreError) in try messenger.store.noteRadioKeyAsked(senderID: c.senderID, at: messenger.now) }
        emit(.notice("asked \(c.name)'s radio \(User.nodeID(node)) for its key (your radio needs it for direct messages)"))
    }

    /// A NodeInfo reached us (an answer, or a broadcast): the key of a contact's radio.
    func heardNodeInfo(_ p: MeshPacket) {
        guard let d = p.decoded, d.portnum == .nodeinfoApp, let user = try? User(decoding: d.payload), user.publicKey.count == 32 else { return }
        let news: [RadioKeyNews]
        do { news = try messenger.store.noteRadioKey(node: p.from, key: user.publicKey, at: messenger.now) } catch {
            emit(.notice("could not record a radio key heard from \(User.nodeID(p.from)): \(error.description)"))
            return
        }
        for n in news {
            switch n {
            case let .learned(name, senderID), let .confirmed(name, senderID, true):
                emit(.notice("your radio has \(name)'s radio key now (\(User.nodeID(p.from))): messages to them go direct"))
                sendFallbacksDirect(to: senderID)
            case .confirmed:
                break
            case .mismatch(let name):
                emit(.notice("\(User.nodeID(p.from)) announced a radio key other than the one \(name)'s radio had; lora-msg keeps the first ('contact set-node \(name) …' if they changed radio)"))
            }
        }
    }

    /// Messages to this contact that went as broadcasts because our radio lacked the key go
    /// again at once as DMs: a DM is acknowledged hop by hop, a broadcast is not.
    func sendFallbacksDirect(to senderID: [UInt8]) {
        // Every one of the contact's leaves the set: those delivered meanwhile are done.
        var ids: [String] = []
        for id in fellBack.sorted() {
            guard let m = (try? messenger.store.message(id: id)) ?? nil, m.peer == senderID else { continue }
            fellBack.remove(id)
            if m.state != .delivered && m.state != .read { ids.append(id) }
        }
        for id in ids {
            Task {
                do throws(MessengerError) { try await self.transmit(messageID: id, duty: .wait, resend: true) } catch {
                    self.emit(.notice("message \(id.prefix(8)) not sent direct: \(error.description)"))
                }
            }
        }
    }
}
