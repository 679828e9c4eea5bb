import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

extension Messenger {
    /// Settings keys (the `setting` table).
    static let readReceiptsSetting = "read_receipts"
    static let requestSentSetting = "request_sent_at"
    /// The node our last request went to; absent after a broadcast request.
    static let requestSentToSetting = "request_sent_to"
    static let ownFixSetting = "own_fix"
    /// An accept is added by itself only within this many seconds of our last request.
    static let requestAnswerWindow: Double = 86_400

    /// Opens a packet from the radio and stores what it means before returning: a message
    /// (text or location), a receipt (states move on), a contact request or an answer.
    public func receive(_ p: MeshPacket) -> ReceiveOutcome {
        guard let d = p.decoded, d.portnum == .privateApp else { return .notOurs }
        let frame: LoraFrame
        do { frame = try LoraFrame(bytes: d.payload) } catch { return .malformed(error.description) }
        switch frame {
        // Our own broadcast, handed back by our radio (Router::sendLocal delivers a local
        // broadcast to its own client too): not a stranger's.
        case .envelope(let e) where e.senderID == identity.senderID: return .ignored("our own frame, echoed by our radio")
        case .ratcheted(let e) where e.senderID == identity.senderID: return .ignored("our own frame, echoed by our radio")
        case .envelope(let e): return receiveEnvelope(e, packet: p)
        case .receipt(let r): return receiveReceipt(r, packet: p)
        case .request(let r): return receiveRequest(r, packet: p)
        case .accept(let a): return receiveAccept(a, packet: p)
        case .ratcheted(let e): return receiveRatcheted(e, packet: p)
        case .groupPost(let g) where g.senderID == identity.senderID: return .ignored("our own post, echoed by our radio")
        case .groupPost(let g): return receiveGroupPost(g, packet: p)
        case .groupAck(let a) where a.maker == identity.senderID: return .ignored("our own group ack, echoed by our radio")
        case .groupAck(let a): return receiveGroupAck(a, packet: p)
        case .mailbox(let f) where f.maker == identity.senderID: return .ignored("our own mailbox frame, echoed by our radio")
        case .mailbox(let f): return receiveMailboxControl(f, packet: p)
        case .deposit(let d): return receiveDeposit(d, packet: p)
        case .mailboxDelivery(let d): return receiveHanded(d, packet: p)
        }
    }

    /// The key for a sender id, also for a contact added by another process since we started.
    func key(for sender: SenderID) -> ContactKey? {
        if let k = keyring.withLock({ $0.key(for: sender) }) { return k }
        guard let c = try? store.contact(senderID: sender.bytes), let pk = try? PublicKey(bytes: c.publicKey) else { return nil }
        return keyring.withLock { ring in (try? ring.add(pk)).flatMap { ring.key(for: $0) } }
    }

    /// The row of a message heard in packet `p`: what the mesh said about its journey.
    static func incoming(_ p: MeshPacket, sender: SenderID, envelope: [UInt8], nonce: [UInt8], at t: Double, localCopy: [UInt8]? = nil) -> StoredMessage {
        StoredMessage(
            id: UUID().uuidString.lowercased(), peer: sender.bytes, direction: .incoming,
            envelope: envelope, senderID: sender.bytes, nonce: nonce, createdAt: t,
            receivedAt: t, state: .received, packetID: p.id, toNode: p.to == MeshPacket.broadcast ? nil : p.to,
            fromNode: p.from, hops: p.hopsTaken, rssi: p.rxRssi == 0 ? nil : Int(p.rxRssi),
            snr: p.rxRssi == 0 && p.rxSnr == 0 ? nil : Double(p.rxSnr), channel: Int(p.channel), receiptSent: 0, localCopy: localCopy)
    }

    private func receiveEnvelope(_ envelope: LoraEnvelope, packet p: MeshPacket) -> ReceiveOutcome {
        guard let key = key(for: envelope.senderID) else { return .unknownSender(senderID: envelope.senderID.hex) }
        let name = (try? store.contact(senderID: envelope.senderID.bytes))??.name ?? envelope.senderID.hex
        var text = ""
        var location: SharedLocation?
        do {
            if envelope.isSealedContent {
                switch try envelope.openContent(with: key) {
                case .location(let fix): location = SharedLocation(fix)
                case .chunk(let chunk): return receiveChunk(chunk, envelope: envelope, key: key, contact: name, packet: p)
                }
            } else {
                text = try envelope.openText(with: key)
            }
        } catch .authenticationFailed {
            return .failedAuthentication(contact: name)
        } catch {
            return .malformed("from '\(name)': \(error.description)")
        }
        let t = now
        let m = Self.incoming(p, sender: envelope.senderID, envelope: envelope.bytes, nonce: envelope.nonce, at: t)
        return keepIncoming(m, from: name, packet: p, text: text, location: location)
    }

    /// Stores a message just opened; a copy already held makes our receipt owed again.
    func keepIncoming(_ m: StoredMessage, from name: String, packet p: MeshPacket, text: String, location: SharedLocation?) -> ReceiveOutcome {
        let isNew: Bool
        do { isNew = try store.insert(m, replayDigest: replayDigest(sender: m.senderID, nonce: m.nonce)) } catch { return .notStored(contact: name, reason: error.description) }
        guard isNew else {
            // Another packet with an envelope we hold: its sender did not get our receipt.
            remember("a receipt owed again") { () throws(StoreError) in try store.receiptLost(senderID: m.senderID, nonce: m.nonce, packetID: p.id) }
            return .duplicate
        }
        remember("when the contact was heard") { () throws(StoreError) in try store.noteHeard(senderID: m.senderID, node: p.from == 0 ? nil : p.from, at: m.createdAt) }
        return .message(IncomingMessage(
            id: m.id, contact: name, senderID: (try? SenderID(bytes: m.senderID))?.hex ?? "?", node: User.nodeID(p.from), text: text,
            location: location, hops: m.hops, rssi: m.rssi, snr: m.snr, receivedAt: m.createdAt))
    }

    /// Keeps a chunk (as ciphertext); when the last one arrives, opens them all, checks the
    /// whole, and stores the message.
    private func receiveChunk(_ chunk: TransferChunk, envelope: LoraEnvelope, key: ContactKey, contact name: String, packet p: MeshPacket) -> ReceiveOutcome {
        let peer = envelope.senderID.bytes
        let t = now
        let row = StoredChunk(peer: peer, direction: .incoming, transferID: chunk.transferID, index: chunk.index, count: chunk.count,
                              envelope: envelope.bytes, nonce: envelope.nonce, at: t)
        let admission: ChunkAdmission
        do { admission = try store.admitChunk(row, replayDigest: replayDigest(sender: peer, nonce: envelope.nonce)) } catch { return .notStored(contact: name, reason: error.description) }
        switch admission {
        case .refused(let why):
            return .ignored("a chunk from '\(name)' was refused: \(why)")
        case .alreadyComplete(let id):
            // The sender did not hear that we have it all: the receipt is owed again.
            remember("a receipt owed again") { () throws(StoreError) in try store.receiptLost(messageID: id) }
            return .duplicate
        case .duplicate(let have, let count):
            return .chunkReceived(contact: name, peer: peer, transferID: chunk.transferID, firstPass: false, have: have, count: count)
        case .stored(let have, let count) where have < count:
            remember("when the contact was heard") { () throws(StoreError) in try store.noteHeard(senderID: peer, node: p.from == 0 ? nil : p.from, at: t) }
            let held = (try? store.chunks(peer: peer, direction: .incoming, transferID: chunk.transferID)) ?? []
            let firstPass = chunk.index < count - 1 && held.allSatisfy { $0.index <= chunk.index }
            return .chunkReceived(contact: name, peer: peer, transferID: chunk.transferID, firstPass: firstPass, have: have, count: count)
        case .stored:
            break
        }
        let stream: TransferStream
        do { stream = try assemble(peer: peer, direction: .incoming, transferID: chunk.transferID, key: key) } catch {
            remember("the end of a broken transfer") { () throws(StoreError) in try store.dropTransfer(peer: peer, transferID: chunk.transferID) }
            return .malformed("a transfer from '\(name)' did not reassemble: \(error.description)")
        }
        let chunks = (try? store.chunks(peer: peer, direction: .incoming, transferID: chunk.transferID)) ?? []
        guard let first = chunks.first else { return .malformed("a transfer from '\(name)' vanished") }
        var groupOutcome: ReceiveOutcome?
        var localCopy: [UInt8]?
        var kept = first.envelope
        if stream.type == .groupRoster {
            guard let c = (try? store.contact(senderID: peer)) ?? nil else { return .unknownSender(senderID: envelope.senderID.hex) }
            let (outcome, summary) = applyRoster(stream.content, from: c)
            if case .notStored = outcome { return outcome }
            groupOutcome = outcome
            // The chunks hold the epoch secret: the row keeps only a summary (under the storage
            // key) and the first chunk's header, and the chunks go.
            guard let storage = try? storageKey(), let copy = try? RatchetedContent.text(summary).localCopy(from: envelope.senderID, key: storage) else {
                return .malformed("a group roster from '\(name)': cannot seal the local copy")
            }
            localCopy = copy.bytes
            kept = Array(first.envelope.prefix(LoraEnvelope.headerByteCount))
        }
        let m = StoredMessage(
            id: UUID().uuidString.lowercased(), peer: peer, direction: .incoming, envelope: kept, senderID: peer,
            nonce: first.nonce, createdAt: t, receivedAt: t, state: .received, packetID: p.id,
            toNode: p.to == MeshPacket.broadcast ? nil : p.to, fromNode: p.from, hops: p.hopsTaken,
            rssi: p.rxRssi == 0 ? nil : Int(p.rxRssi), snr: p.rxRssi == 0 && p.rxSnr == 0 ? nil : Double(p.rxSnr),
            channel: Int(p.channel), receiptSent: 0, transferID: chunk.transferID, chunkCount: chunk.count, localCopy: localCopy)
        do { _ = try store.insert(m, replayDigest: replayDigest(sender: m.senderID, nonce: m.nonce)) } catch { return .notStored(contact: name, reason: error.description) }
        remember("when the contact was heard") { () throws(StoreError) in try store.noteHeard(senderID: peer, node: p.from == 0 ? nil : p.from, at: t) }
        if let groupOutcome {
            do { try store.dropTransfer(peer: peer, transferID: chunk.transferID) } catch {
                return .notStored(contact: name, reason: "the roster's chunks were not erased: \(error.description)")
            }
            return groupOutcome
        }
        let file = stream.type == .file ? IncomingFile(name: stream.name, mediaType: stream.mediaType, size: stream.content.count) : nil
        return .message(IncomingMessage(
            id: m.id, contact: name, senderID: envelope.senderID.hex, node: User.nodeID(p.from),
            text: stream.type == .text ? String(decoding: stream.content, as: UTF8.self) : "",
            location: nil, file: file, hops: m.hops, rssi: m.rssi, snr: m.snr, receivedAt: t))
    }

    private func receiveReceipt(_ r: DeliveryReceipt, packet p: MeshPacket) -> ReceiveOutcome {
        var candidates = keyring.withLock { $0.candidates(hint: r.makerHint) }
        if candidates.isEmpty, let cs = try? store.contacts() {
            for c in cs where c.senderID.starts(with: r.makerHint) {
                if let id = try? SenderID(bytes: c.senderID), let k = key(for: id) { candidates.append((id, k)) }
            }
        }
        guard let (maker, _) = candidates.first(where: { r.verify(maker: $0.0, key: $0.1) }) else {
            // Forged, replayed from another pair, or from someone not in the book.
            return candidates.isEmpty ? .unknownSender(senderID: r.makerHint.map { String(format: "%02x", $0) }.joined() + "…")
                                      : .failedAuthentication(contact: "receipt from " + candidates.compactMap { (try? store.contact(senderID: $0.0.bytes)) ?? nil }.map { "'\($0.name)'" }.joined(separator: " or "))
        }
        let name = (try? store.contact(senderID: maker.bytes))??.name ?? maker.hex
        if let advert = r.ratchet { learnRatchet(advert, from: maker.bytes) }
        if let holdings = r.transfer {
            // A database that cannot take it (busy, damaged) is not "no transfer of ours": the
            // receiver's word would be lost and its chunks sent again for nothing.
            let marked: (messageID: String, complete: Bool)?
            do { marked = try store.markChunksHeld(peer: maker.bytes, transferID: holdings.transferID, held: holdings.held, at: now) } catch {
                return .notStored(contact: name, reason: "its transfer receipt was not recorded: \(error.description)")
            }
            guard let (id, _) = marked else {
                return .ignored("a transfer receipt from '\(name)' for no transfer of ours")
            }
            if let sent = (try? store.message(id: id))??.createdAt {
                _ = bindTheirNode(senderID: maker.bytes, node: r.makerNode, evidenceSentAt: sent)
            }
            // Every bit set is not `delivered`: only the ordinary receipt says the receiver
            // reassembled and authenticated the whole (the sender's probe asks for it again).
            return .transferReceipt(contact: name, messageID: id, held: holdings.held.filter { $0 }.count, count: holdings.held.count)
        }
        let ids: [String]
        do { ids = try store.markReceipted(peer: maker.bytes, refs: r.refs, read: r.read, at: now) } catch {
            return .malformed("receipt not recorded: \(error.description)")
        }
        // Only a receipt that moved one of our messages forward (not a replay of one already
        // counted) may name their radio, and only for a message made after the last binding.
        let newest = ids.compactMap { (try? store.message(id: $0))??.createdAt }.max()
        let rebound = newest.map { bindTheirNode(senderID: maker.bytes, node: r.makerNode, evidenceSentAt: $0) } ?? false
        remember("when the contact was heard") { () throws(StoreError) in try store.noteHeard(senderID: maker.bytes, node: p.from == 0 ? nil : p.from, at: now) }
        return .receipt(contact: name, messageIDs: ids, read: r.read, reboundTo: rebound ? User.nodeID(r.makerNode) : nil)
    }

    /// Binds the node a contact's authenticated frame names as their radio, under the store's
    /// rules, and one more from firmware 2.8: once their radio's key is known, a node number that
    /// is not its CRC32 is never bound (a 2.8 radio's number is; an old 2.7 number already bound
    /// stays). Such a node is only recorded as seen. True when the contact's node changed.
    func bindTheirNode(senderID: [UInt8], node: UInt32, evidenceSentAt: Double) -> Bool {
        do {
            let current = try store.contact(senderID: senderID)?.node
            if node != current, let key = try store.radioKey(senderID: senderID).key,
               let expected = NodeNumber.of(publicKey: key), node != expected {
                try store.noteHeard(senderID: senderID, node: node, at: now)
                return false
            }
            return try store.bindNode(senderID: senderID, node: node, evidenceSentAt: evidenceSentAt, at: now)
        } catch {
            return false
        }
    }

    private func receiveRequest(_ r: ContactRequest, packet p: MeshPacket) -> ReceiveOutcome {
        if r.publicKey == identity.publicKey { return .ignored("our own contact request, heard back") }
        if let c = try? store.contact(senderID: r.publicKey.senderID.bytes) {
            return .ignored("contact request from '\(c.name)', who is already a contact")
        }
        guard let display = try? Self.normalized(name: r.displayName) else {
            return .malformed("contact request with an unusable display name")
        }
        return admit(publicKey: r.publicKey, displayName: display, node: p.from, isAnswer: false)
    }

    private func receiveAccept(_ a: ContactAccept, packet p: MeshPacket) -> ReceiveOutcome {
        guard a.verify(own: identity) else { return .failedAuthentication(contact: "a contact answer from \(User.nodeID(p.from))") }
        let node = a.node == 0 ? nil : a.node
        if let c = try? store.contact(senderID: a.publicKey.senderID.bytes) {
            // Already a contact: an accept (perhaps a replayed one) does not move their node.
            return .ignored("'\(c.name)' answered our contact request; already a contact")
        }
        let display = (try? Self.normalized(name: a.displayName)) ?? ""
        let askedAt = (try? store.setting(Self.requestSentSetting)).flatMap { $0 }.flatMap(Double.init) ?? -.infinity
        // Added by itself only when it answers a request we sent to one node and names that
        // node: a broadcast request is heard by strangers too, and any of them could answer
        // first under a free name.
        let askedNode = (try? store.setting(Self.requestSentToSetting)).flatMap { $0 }.flatMap(UInt32.init)
        if now - askedAt <= Self.requestAnswerWindow, !display.isEmpty, let askedNode, node == askedNode,
           let added = try? addContact(name: display, key: a.publicKey.base64, node: nil) {
            if let node { remember("the new contact's node") { () throws(StoreError) in _ = try store.bindNode(senderID: added.senderID, node: node, evidenceSentAt: askedAt, at: now) } }
            remember("the answered request's removal") { () throws(StoreError) in try store.removeRequest(publicKey: a.publicKey.bytes) }
            return .contactAdded(name: added.name, node: node.map(User.nodeID))
        }
        // Not asked for lately, or its name is taken or unusable: the user decides.
        return admit(publicKey: a.publicKey, displayName: display, node: node ?? p.from, isAnswer: true)
    }

    private func admit(publicKey: PublicKey, displayName: String, node: UInt32, isAnswer: Bool) -> ReceiveOutcome {
        let record = ContactRequestRecord(publicKey: publicKey.bytes, displayName: displayName,
                                          node: node == 0 || node == MeshPacket.broadcast ? nil : node, isAnswer: isAnswer, receivedAt: now)
        switch (try? store.admitRequest(record)) ?? .dropped("the database refused it") {
        case .new:
            return .contactRequest(ContactRequestNotice(
                displayName: displayName, node: record.node.map(User.nodeID), publicKey: publicKey.base64,
                safetyNumber: SafetyNumber(identity.publicKey, publicKey).description, isAnswer: isAnswer))
        case .repeated:
            return .ignored("contact request from '\(displayName)' again (already waiting)")
        case .dropped(let why):
            return .requestDropped(displayName: displayName, reason: why)
        }
    }
}

extension SharedLocation {
    init(_ fix: LocationFix) {
        self.init(lat: fix.latitude, lon: fix.longitude, alt: fix.altitude.map(Double.init),
                  accuracy: fix.accuracy.map(Double.init), fixTime: Double(fix.fixTime))
    }
}
