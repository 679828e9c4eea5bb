import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

/// Receiving in groups: posts (0x07), acks (0x08), and rosters (a transfer of type 0x03).
extension Messenger {
    func receiveGroupPost(_ post: GroupPost, packet p: MeshPacket, held: Bool = false) -> ReceiveOutcome {
        let hold = { (name: String?) -> ReceiveOutcome in
            guard !held else { return .postHeld(group: name) }
            let kept = (try? self.store.holdGroupFrame(HeldGroupFrame(frame: post.bytes, groupID: post.groupID.bytes,
                                                                       fromNode: p.from == 0 ? nil : p.from, receivedAt: self.now))) ?? false
            return kept ? .postHeld(group: name) : .ignored("a post for a group whose roster has not come, and no room to hold it")
        }
        guard let g = (try? store.group(id: post.groupID.bytes)) ?? nil else { return hold(nil) }
        guard g.standing == .member else { return .ignored("a post to #\(g.name), which you are no longer in") }
        let members = (try? store.groupMembers(groupID: g.id)) ?? []
        guard let member = members.first(where: { $0.senderID == post.senderID.bytes }) else {
            // Someone our roster does not name: a newer roster (adding them) may be on its way.
            if Int(post.epoch) != g.epoch, Self.isLaterEpoch(Int(post.epoch), than: g.epoch) { return hold(g.name) }
            return .ignored("a post in #\(g.name) from \(post.senderID.hex), who is not a member")
        }
        let name = memberName(member.senderID, in: g.id)
        guard let pk = try? PublicKey(bytes: member.publicKey), let tagKey = try? MemberTags.key(own: identity, member: pk) else {
            return .malformed("the stored key of \(name) in #\(g.name) gives no shared secret")
        }
        // Who sent it, before the chain is touched: a member holding the group key cannot move
        // another's chain on, nor post as them.
        guard post.isFromItsSender(key: tagKey) else {
            return .failedAuthentication(contact: "a post in #\(g.name) claiming to be from \(name) (no tag of theirs for you)")
        }
        guard (try? store.groupChain(groupID: g.id, epoch: Int(post.epoch), senderID: member.senderID)) ?? nil != nil else {
            return Self.isLaterEpoch(Int(post.epoch), than: g.epoch) ? hold(g.name)
                : .ignored("a post in #\(g.name) from \(name) under an epoch whose keys are gone")
        }
        if let again = (try? store.incomingPost(groupID: g.id, envelope: post.bytes)) ?? nil {
            // Sent again: our ack did not reach them.
            remember("a post's ack owed again") { () throws(StoreError) in try store.receiptLost(messageID: again) }
            return .duplicate
        }
        let opened: Result<(plaintext: [UInt8], nonce: [UInt8]), LoraCryptoError>
        do {
            opened = try store.updateGroupChain(groupID: g.id, epoch: Int(post.epoch), senderID: member.senderID) { record in
                guard var record, let chain = try? JSONDecoder().decode(GroupChain.self, from: Data(record.state)) else {
                    return (nil, .failure(.ratchetKeyUnavailable("no chain")))
                }
                do throws(LoraCryptoError) {
                    let o = try post.open(chain: chain)
                    guard let state = try? JSONEncoder().encode(o.chain) else { return (nil, .failure(.libraryUnavailable)) }
                    record.state = [UInt8](state)
                    return (record, .success((o.plaintext, o.nonce)))
                } catch { return (nil, .failure(error)) }
            }
        } catch { return .notStored(contact: name, reason: error.description) }
        let plaintext: [UInt8], nonce: [UInt8]
        switch opened {
        case .success(let o): (plaintext, nonce) = o
        case .failure(.authenticationFailed): return .failedAuthentication(contact: "a post in #\(g.name) from \(name)")
        case .failure(let e): return .ignored("a post in #\(g.name) from \(name): \(e.description)")
        }
        let content: RatchetedContent
        do { content = try RatchetedContent(bytes: plaintext) } catch { return .ignored("a post in #\(g.name) from \(name): \(error.description)") }
        guard let storage = try? storageKey(), let copy = try? content.localCopy(from: post.senderID, key: storage).bytes else {
            return .malformed("a post in #\(g.name) from \(name): cannot seal the local copy")
        }
        var m = Self.incoming(p, sender: post.senderID, envelope: post.bytes, nonce: nonce, at: now, localCopy: copy)
        m.peer = g.id
        let isNew: Bool
        do { isNew = try store.insert(m, replayDigest: replayDigest(sender: m.senderID, nonce: m.nonce)) } catch {
            return .notStored(contact: name, reason: error.description)
        }
        guard isNew else { return .duplicate }
        return .message(IncomingMessage(
            id: m.id, contact: name, senderID: post.senderID.hex, node: User.nodeID(p.from), text: content.text ?? "",
            location: content.location, hops: m.hops, rssi: m.rssi, snr: m.snr, receivedAt: m.createdAt, group: g.name))
    }

    func receiveGroupAck(_ ack: GroupAck, packet p: MeshPacket) -> ReceiveOutcome {
        guard let g = (try? store.group(id: ack.groupID.bytes)) ?? nil, g.standing == .member else {
            return .ignored("an ack for a group you are not in")
        }
        let members = (try? store.groupMembers(groupID: g.id)) ?? []
        guard let member = members.first(where: { $0.senderID == ack.maker.bytes }) else {
            return .ignored("an ack in #\(g.name) from \(ack.maker.hex), who is not a member")
        }
        let name = memberName(member.senderID, in: g.id)
        guard let pk = try? PublicKey(bytes: member.publicKey), let tagKey = try? MemberTags.key(own: identity, member: pk),
              ack.isFromItsMaker(key: tagKey) else {
            return .failedAuthentication(contact: "an ack in #\(g.name) claiming to be from \(name)")
        }
        let acked: [(messageID: String, acks: Int)]
        do { acked = try store.recordPostAcks(groupID: g.id, member: member.senderID, refs: ack.refs, at: now) } catch {
            return .notStored(contact: name, reason: "their ack was not recorded: \(error.description)")
        }
        var delivered: [String] = []
        for (id, count) in acked {
            guard let m = (try? store.message(id: id)) ?? nil, let post = try? GroupPost(bytes: m.envelope), count >= post.tagCount else { continue }
            do { if try store.markPostDelivered(id: id, at: now) { delivered.append(id) } } catch {
                return .notStored(contact: name, reason: "a post's delivery was not recorded: \(error.description)")
            }
        }
        return .postAcked(group: g.name, member: name, messageIDs: acked.map(\.messageID), delivered: delivered)
    }

    /// A roster, removal or leave notice that came as a transfer from contact `c`. Returns the
    /// outcome and the text the transfer's row keeps as its local copy (never the secret).
    func applyRoster(_ content: [UInt8], from c: Contact) -> (ReceiveOutcome, summary: String) {
        let roster: GroupRoster
        do { roster = try GroupRoster(decoding: content) } catch {
            return (.malformed("a group roster from '\(c.name)': \(error.description)"), "a group roster that did not parse")
        }
        let existing = (try? store.group(id: roster.groupID.bytes)) ?? nil
        let fromCreator = existing.map { $0.creator == c.publicKey } ?? true
        switch roster.kind {
        case .leave:
            guard let g = existing, g.creator == identity.publicKey.bytes, g.standing == .member else {
                return (.ignored("'\(c.name)' says they leave a group you do not run"), "\(c.name) left a group")
            }
            do {
                var people = try store.groupMembers(groupID: g.id).filter { $0.senderID != identity.senderID.bytes && $0.senderID != c.senderID }
                    .compactMap { try store.contact(senderID: $0.senderID) }
                if people.isEmpty {
                    try store.endMembership(groupID: g.id, standing: .left, at: now)
                    let text = "\(c.name) left #\(g.name); nobody else is in it, so it is closed"
                    return (.groupChanged(GroupNotice(group: g.name, text: text, opened: [])), text)
                }
                people.sort { $0.name < $1.name }
                // The leaver already knows: no removal notice goes to them.
                let change = try rekeyForLeave(g, members: people)
                let text = "\(c.name) left #\(g.name); a new roster goes to \(change.members.filter { $0 != "you" }.joined(separator: ", "))"
                return (.groupChanged(GroupNotice(group: g.name, text: text, opened: [])), text)
            } catch {
                return (.notStored(contact: c.name, reason: "their leaving #\(g.name) was not recorded: \(error)"), "\(c.name) left #\(g.name)")
            }
        case .removal:
            guard let g = existing, fromCreator, g.standing == .member else {
                return (.ignored("a removal notice from '\(c.name)', who did not create that group"), "a removal notice")
            }
            do { try store.endMembership(groupID: g.id, standing: .removed, at: now) } catch {
                return (.notStored(contact: c.name, reason: error.description), "a removal notice")
            }
            let text = "\(c.name) removed you from #\(g.name)"
            return (.groupChanged(GroupNotice(group: g.name, text: text, opened: [])), text)
        case .members(let secret):
            guard fromCreator else { return (.failedAuthentication(contact: "a roster for a group '\(c.name)' did not create"), "a roster refused") }
            guard roster.members.contains(where: { $0.publicKey == c.publicKeyValue }),
                  roster.members.contains(where: { $0.publicKey == identity.publicKey }) else {
                return (.malformed("a roster from '\(c.name)' that does not name both of you"), "a roster refused")
            }
            if let g = existing, g.standing == .member, !Self.isLaterEpoch(Int(roster.epoch), than: g.epoch) {
                return (.ignored("an old roster of #\(g.name) from '\(c.name)'"), "an old roster of #\(g.name)")
            }
            var g = existing ?? ChatGroup(id: roster.groupID.bytes, name: freeGroupName(roster.name), creator: c.publicKey,
                                          epoch: 0, standing: .member, epochSecret: nil, createdAt: now)
            if existing == nil {
                do { _ = try store.createGroup(g, members: [], chains: []) } catch {
                    return (.notStored(contact: c.name, reason: error.description), "a roster")
                }
            }
            g.epoch = Int(roster.epoch)
            g.standing = .member
            g.epochSecret = nil
            g.updatedAt = now
            do { try install(g, roster: roster.members, secret: secret) } catch {
                return (.notStored(contact: c.name, reason: error.description), "a roster")
            }
            let names = roster.members.filter { $0.publicKey != identity.publicKey }
                .map { (try? store.contact(senderID: $0.publicKey.senderID.bytes))??.name ?? $0.name }
            let text = existing == nil || existing?.standing != .member
                ? "\(c.name) added you to #\(g.name) with \(names.joined(separator: ", "))"
                : "#\(g.name) now: you, \(names.joined(separator: ", "))"
            return (.groupChanged(GroupNotice(group: g.name, text: text, opened: reopenHeld(groupID: g.id))), text)
        }
    }

    /// The posts held for this group that open now.
    private func reopenHeld(groupID: [UInt8]) -> [IncomingMessage] {
        var opened: [IncomingMessage] = []
        for f in (try? store.heldGroupFrames(groupID: groupID)) ?? [] {
            guard let post = try? GroupPost(bytes: f.frame) else { remember("a held post's removal") { () throws(StoreError) in try store.dropHeldGroupFrame(f.frame) }; continue }
            var p = MeshPacket()
            p.from = f.fromNode ?? 0
            p.to = MeshPacket.broadcast
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: f.frame))
            switch receiveGroupPost(post, packet: p, held: true) {
            case .postHeld: continue   // still waiting (a later roster)
            case .message(let m): opened.append(m)
            default: break
            }
            remember("a held post's removal") { () throws(StoreError) in try store.dropHeldGroupFrame(f.frame) }
        }
        return opened
    }

    /// The creator's name for a group may be taken here: "name-2", "name-3"…
    private func freeGroupName(_ wanted: String) -> String {
        let base = (try? Self.groupName(wanted)) ?? "group"
        var name = base
        var n = 2
        while (try? store.group(named: name)) ?? nil != nil {
            name = String(base.prefix(GroupRoster.maxNameBytes - 3)) + "-\(n)"
            n += 1
        }
        return name
    }
}

extension Contact {
    var publicKeyValue: PublicKey? { try? PublicKey(bytes: publicKey) }
}
