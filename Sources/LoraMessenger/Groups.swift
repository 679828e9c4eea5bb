import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

/// A group as `group list` and `group show` describe it.
public struct GroupSummary: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        /// Your contact name for them, else the creator's.
        public var name: String
        public var isContact: Bool
        public var isYou: Bool
        public var isCreator: Bool
        /// The safety number between you and them (empty for you).
        public var safetyNumber: String
    }
    public var name: String
    public var standing: ChatGroup.Standing
    public var youCreatedIt: Bool
    public var epoch: Int
    public var members: [Member]
    public var unread: Int
}

/// What became of a group change: the rosters queued (one per member told), and who is in it.
public struct GroupChange: Equatable, Sendable {
    public var group: String
    public var rosterMessageIDs: [String]
    public var members: [String]
}

/// Groups (docs/PROTOCOL.md, "Groups"): the creator alone changes membership and hands each
/// member the epoch's secret in a roster sent over their pair channel; posts are one 0x07
/// broadcast each, sealed with the poster's chain and tagged for each other member.
extension Messenger {
    /// Group names as typed: "#valley" and "valley" are the same.
    static func groupName(_ given: String) throws(MessengerError) -> String {
        var n = given.trimmingCharacters(in: .whitespaces)
        if n.hasPrefix("#") { n.removeFirst() }
        let name = try Self.normalized(name: n)
        guard name.utf8.count <= GroupRoster.maxNameBytes else {
            throw .invalidName(reason: "a group name is at most \(GroupRoster.maxNameBytes) bytes; '\(name)' is \(name.utf8.count)")
        }
        return name
    }

    public func group(named given: String) throws(MessengerError) -> ChatGroup {
        let name = try Self.groupName(given)
        let g: ChatGroup?
        g = try stored(try store.group(named: name))
        guard let g else { throw .unknownGroup(name: name) }
        return g
    }

    func groupID(of g: ChatGroup) throws(MessengerError) -> GroupID {
        do { return try GroupID(bytes: g.id) } catch { throw .crypto(error) }
    }

    static func nextEpoch(after e: Int) -> Int { e >= 255 ? 1 : e + 1 }

    /// `a` is a later epoch than `b` (1…127 steps on, ids 1…255 wrapping as the ratchet's do).
    static func isLaterEpoch(_ a: Int, than b: Int) -> Bool {
        let steps = (a - b + 255) % 255
        return (1...127).contains(steps)
    }

    var ownMemberName: String {
        let n = displayName ?? ""
        return n.isEmpty || n.utf8.count > GroupRoster.maxMemberNameBytes ? "member " + identity.senderID.hex.prefix(8) : n
    }

    // MARK: Changing membership (the creator)

    /// Makes a group of you and `contacts`, and queues its roster to each of them.
    public func createGroup(named given: String, with contacts: [String]) throws(MessengerError) -> GroupChange {
        let name = try Self.groupName(given)
        if let taken = (try? store.group(named: name)) ?? nil { throw .usage(reason: "there is already a group named '#\(taken.name)'; pick another name") }
        let people = try distinctContacts(contacts)
        guard !people.isEmpty else { throw .usage(reason: "a group needs at least one contact besides you: lora-msg group create \(name) CONTACT…") }
        guard people.count < GroupPost.maxMembers else {
            throw .usage(reason: "a group has at most \(GroupPost.maxMembers) members, you included (each post carries a tag per member); got \(people.count + 1)")
        }
        let id = GroupID.random()
        let g = ChatGroup(id: id.bytes, name: name, creator: identity.publicKey.bytes, epoch: 0, standing: .member, epochSecret: nil, createdAt: now)
        let created: Bool
        created = try stored(try store.createGroup(g, members: [], chains: []))
        guard created else { throw .usage(reason: "there is already a group named '#\(name)'; pick another name") }
        return try rekey(g, members: people, removed: nil)
    }

    /// Adds a contact: a new epoch, its roster to everyone (the newcomer cannot read what came before).
    public func addToGroup(_ given: String, contact: String) throws(MessengerError) -> GroupChange {
        let g = try groupYouRun(given)
        let c = try self.contact(named: contact)
        var people = try currentContacts(of: g)
        guard !people.contains(where: { $0.senderID == c.senderID }) else { throw .usage(reason: "'\(c.name)' is already in #\(g.name)") }
        guard people.count + 1 < GroupPost.maxMembers else { throw .usage(reason: "#\(g.name) has \(GroupPost.maxMembers) members already, the most a group can have") }
        people.append(c)
        return try rekey(g, members: people, removed: nil)
    }

    /// Removes a member: a new epoch they do not get, so they cannot read what follows.
    public func removeFromGroup(_ given: String, contact: String) throws(MessengerError) -> GroupChange {
        let g = try groupYouRun(given)
        let c = try self.contact(named: contact)
        var people = try currentContacts(of: g)
        guard let i = people.firstIndex(where: { $0.senderID == c.senderID }) else { throw .usage(reason: "'\(c.name)' is not in #\(g.name)") }
        people.remove(at: i)
        guard !people.isEmpty else { throw .usage(reason: "'\(c.name)' is the last member of #\(g.name) besides you; a group needs two") }
        return try rekey(g, members: people, removed: c)
    }

    /// Leaves a group: our chains are erased now, and the creator is told (it re-keys the rest).
    public func leaveGroup(_ given: String) throws(MessengerError) -> GroupChange {
        let g = try group(named: given)
        guard g.standing == .member else { throw .usage(reason: "you are no longer in #\(g.name)") }
        if g.creator == identity.publicKey.bytes {
            throw .usage(reason: "you created #\(g.name), and only its creator can change who is in it; remove the others instead ('lora-msg group remove \(g.name) CONTACT')")
        }
        guard let creator = (try? store.contact(senderID: (try? PublicKey(bytes: g.creator))?.senderID.bytes ?? [])) ?? nil else {
            throw .usage(reason: "the creator of #\(g.name) is no longer a contact, so cannot be told; nothing was changed")
        }
        let notice = GroupRoster(groupID: try groupID(of: g), epoch: UInt8(g.epoch), kind: .leave, name: g.name, members: [])
        let id = try queueRoster(notice, to: creator)
        try stored(try store.endMembership(groupID: g.id, standing: .left, at: now))
        return GroupChange(group: g.name, rosterMessageIDs: [id], members: [])
    }

    private func groupYouRun(_ given: String) throws(MessengerError) -> ChatGroup {
        let g = try group(named: given)
        guard g.standing == .member else { throw .usage(reason: "you are no longer in #\(g.name)") }
        guard g.creator == identity.publicKey.bytes else {
            throw .usage(reason: "only the creator of #\(g.name) can change who is in it (one writer: no two changes to merge over a lossy mesh)")
        }
        return g
    }

    private func distinctContacts(_ names: [String]) throws(MessengerError) -> [Contact] {
        var out: [Contact] = []
        for n in names {
            let c = try contact(named: n)
            if !out.contains(where: { $0.senderID == c.senderID }) { out.append(c) }
        }
        return out
    }

    /// The members other than us, as contacts (the creator's members are all its contacts).
    private func currentContacts(of g: ChatGroup) throws(MessengerError) -> [Contact] {
        let members: [GroupMemberRecord]
        members = try stored(try store.groupMembers(groupID: g.id))
        var out: [Contact] = []
        for m in members where m.senderID != identity.senderID.bytes {
            guard let c = (try? store.contact(senderID: m.senderID)) ?? nil else {
                throw .usage(reason: "member '\(m.name)' of #\(g.name) is no longer a contact; add them back first")
            }
            out.append(c)
        }
        return out
    }

    /// A member left: a new epoch for the rest.
    func rekeyForLeave(_ g: ChatGroup, members: [Contact]) throws(MessengerError) -> GroupChange {
        try rekey(g, members: members, removed: nil)
    }

    /// A new epoch for `members` (and us): fresh secret, chains, and a roster to each member
    /// (a removal notice to `removed`), all stored before anything goes out.
    private func rekey(_ g: ChatGroup, members people: [Contact], removed: Contact?) throws(MessengerError) -> GroupChange {
        let id = try groupID(of: g)
        let epoch = Self.nextEpoch(after: g.epoch)
        let secret = GroupRoster.newEpochSecret()
        let roster: [GroupRoster.Member]
        do {
            roster = [GroupRoster.Member(publicKey: identity.publicKey, name: ownMemberName)]
                + (try people.map { c throws(LoraCryptoError) in GroupRoster.Member(publicKey: try PublicKey(bytes: c.publicKey), name: c.name) })
        } catch { throw .crypto(error) }
        var next = g
        next.epoch = epoch
        next.epochSecret = secret
        next.updatedAt = now
        try install(next, roster: roster, secret: secret)
        var ids: [String] = []
        for c in people {
            ids.append(try queueRoster(GroupRoster(groupID: id, epoch: UInt8(epoch), kind: .members(epochSecret: secret), name: g.name, members: roster), to: c))
        }
        if let removed {
            ids.append(try queueRoster(GroupRoster(groupID: id, epoch: UInt8(epoch), kind: .removal, name: g.name, members: roster), to: removed))
        }
        return GroupChange(group: g.name, rosterMessageIDs: ids, members: ["you"] + people.map(\.name))
    }

    /// Stores an epoch: its members and every member's chain, derived from the secret now.
    func install(_ g: ChatGroup, roster: [GroupRoster.Member], secret: [UInt8]) throws(MessengerError) {
        let id = try groupID(of: g)
        var records: [GroupMemberRecord] = []
        var chains: [GroupChainRecord] = []
        do throws(LoraCryptoError) {
            for m in roster {
                let sid = m.publicKey.senderID
                records.append(GroupMemberRecord(groupID: g.id, senderID: sid.bytes, publicKey: m.publicKey.bytes, name: m.name))
                let chain = try GroupChain(epochSecret: secret, groupID: id, epoch: UInt8(g.epoch), member: sid)
                guard let state = try? JSONEncoder().encode(chain) else { throw LoraCryptoError.libraryUnavailable }
                chains.append(GroupChainRecord(groupID: g.id, epoch: g.epoch, senderID: sid.bytes, state: [UInt8](state)))
            }
        } catch { throw .crypto(error) }
        try stored(try store.installEpoch(g, members: records, chains: chains, at: now))
    }

    /// A roster (or notice) as a transfer to one contact, in the outbox.
    private func queueRoster(_ roster: GroupRoster, to c: Contact) throws(MessengerError) -> String {
        let content: [UInt8]
        do { content = try roster.encoded() } catch { throw .crypto(error) }
        return try composeTransfer(TransferStream(type: .groupRoster, content: content), to: c, broadcast: false, channel: 0, hopLimit: nil).id
    }

    // MARK: Posting

    /// Seals a text as the next post of our chain in the group and stores it in the outbox.
    public func composePost(_ text: String, to given: String, channel: Int = 0, hopLimit: Int? = nil) throws(MessengerError) -> StoredMessage {
        guard !text.isEmpty else { throw .emptyMessage }
        let g = try group(named: given)
        guard g.standing == .member else { throw .usage(reason: "you are no longer in #\(g.name); nothing was sent") }
        let members: [GroupMemberRecord]
        members = try stored(try store.groupMembers(groupID: g.id))
        let others = members.filter { $0.senderID != identity.senderID.bytes }
        guard !others.isEmpty, members.contains(where: { $0.senderID == identity.senderID.bytes }) else {
            throw .usage(reason: "#\(g.name) has no roster yet (its creator's has not arrived); nothing was sent")
        }
        let content = RatchetedContent.text(text)
        let room = GroupPost.maxPlaintextBytes(members: members.count) - 1
        guard text.utf8.count <= room else {
            throw .invalidText(reason: "a post to #\(g.name) (\(members.count) members) holds at most \(room) bytes, so that one frame carries it signed; this one is \(text.utf8.count). Shorten it (long posts are not built yet)")
        }
        let tagKeys = try tagKeys(for: others)
        let id = try groupID(of: g)
        let me = identity.senderID
        let result: Result<(post: GroupPost, nonce: [UInt8]), MessengerError>
        do {
            result = try store.updateGroupChain(groupID: g.id, epoch: g.epoch, senderID: me.bytes) { record -> (GroupChainRecord?, Result<(post: GroupPost, nonce: [UInt8]), MessengerError>) in
                guard var record, var chain = try? JSONDecoder().decode(GroupChain.self, from: Data(record.state)) else {
                    return (nil, .failure(.usage(reason: "#\(g.name) has no chain of yours for its current roster; ask its creator to add you again")))
                }
                do throws(LoraCryptoError) {
                    let s = try GroupPost.seal(content.bytes, groupID: id, sender: me, epoch: UInt8(g.epoch), chain: &chain, tagKeys: tagKeys)
                    guard let state = try? JSONEncoder().encode(chain) else { return (nil, .failure(.crypto(.libraryUnavailable))) }
                    record.state = [UInt8](state)
                    return (record, .success(s))
                } catch { return (nil, .failure(.crypto(error))) }
            }
        } catch { throw .store(error) }
        let sealed = try result.get()
        let copy = try content.localCopy(from: me, key: storageKey())
        let m = StoredMessage(
            id: UUID().uuidString.lowercased(), peer: g.id, direction: .outgoing, envelope: sealed.post.bytes,
            senderID: me.bytes, nonce: sealed.nonce, createdAt: now, state: .pending, toNode: nil, channel: channel,
            hopLimit: hopLimit, localCopy: copy.bytes)
        try stored(try store.insert(m))
        return m
    }

    /// Posts a text to a group: one broadcast frame, delivered as every message is.
    public func post(_ text: String, to group: String, plan: SendPlan, radio: RadioChoice,
                     progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> SendOutcome {
        if plan.goal == .ack { throw .usage(reason: "a group post is a broadcast, never acknowledged by one radio; use --wait relayed or --wait delivered (every member holds it)") }
        var plan = plan
        plan.broadcast = true
        let m = try composePost(text, to: group, channel: plan.channel, hopLimit: plan.hopLimit)
        return try await deliver([m.id], plan: plan, radio: radio, progress: progress)[0].get()
    }

    func tagKeys(for members: [GroupMemberRecord]) throws(MessengerError) -> [MemberTagKey] {
        do {
            return try members.map { m throws(LoraCryptoError) in try MemberTags.key(own: identity, member: try PublicKey(bytes: m.publicKey)) }
        } catch { throw .crypto(error) }
    }

    // MARK: Reading

    public func groups() throws(MessengerError) -> [GroupSummary] {
        let all: [ChatGroup]
        all = try stored(try store.groups())
        return try all.map { g throws(MessengerError) in try summary(of: g) }
    }

    public func groupSummary(_ given: String) throws(MessengerError) -> GroupSummary { try summary(of: try group(named: given)) }

    private func summary(of g: ChatGroup) throws(MessengerError) -> GroupSummary {
        let records: [GroupMemberRecord]
        let unread: Int
        do {
            records = try store.groupMembers(groupID: g.id)
            unread = try store.unseenCount(peer: g.id)
        } catch { throw .store(error) }
        let creator = (try? PublicKey(bytes: g.creator))?.senderID.bytes
        let members = records.map { r in
            let contact = (try? store.contact(senderID: r.senderID)) ?? nil
            let you = r.senderID == identity.senderID.bytes
            let safety = you ? "" : ((try? PublicKey(bytes: r.publicKey)).map { SafetyNumber(identity.publicKey, $0).description } ?? "")
            return GroupSummary.Member(name: you ? "you" : contact?.name ?? r.name, isContact: contact != nil, isYou: you,
                                       isCreator: r.senderID == creator, safetyNumber: safety)
        }
        return GroupSummary(name: g.name, standing: g.standing, youCreatedIt: g.creator == identity.publicKey.bytes, epoch: g.epoch,
                            members: members, unread: unread)
    }

    /// A member's name as this home shows it: the contact's name, else the creator's for them.
    func memberName(_ sender: [UInt8], in groupID: [UInt8]) -> String {
        if sender == identity.senderID.bytes { return "you" }
        if let c = (try? store.contact(senderID: sender)) ?? nil { return c.name }
        let roster = (try? store.groupMembers(groupID: groupID)) ?? []
        return roster.first { $0.senderID == sender }?.name ?? (try? SenderID(bytes: sender))?.hex ?? "?"
    }

    /// The group's posts, oldest first, opened from their local copies (the chains' keys are gone).
    public func groupHistory(_ given: String, limit: Int, markingShown: Bool = true) throws(MessengerError) -> [HistoryEntry] {
        let g = try group(named: given)
        let rows: [StoredMessage]
        rows = try stored(try store.history(peer: g.id, limit: limit))
        if markingShown { markShown(rows.filter { $0.direction == .incoming && $0.readAt == nil }.map(\.id)) }
        return rows.map { m in
            let body: HistoryEntry.Body = m.localCopy.map { openLocalCopy($0, expectedSender: m.senderID) } ?? .unreadable("no local copy")
            return HistoryEntry(message: m, contact: memberName(m.senderID, in: g.id), body: body, group: g.name)
        }
    }

    /// How many members hold an outgoing post, of how many it went to.
    public func postDelivery(_ m: StoredMessage) -> (acked: Int, of: Int)? {
        guard m.direction == .outgoing, let post = try? GroupPost(bytes: m.envelope) else { return nil }
        return (((try? store.postAcks(messageID: m.id)) ?? []).count, post.tagCount)
    }
}


extension Messenger {
    /// A roster we sent, as its conversation line.
    static func describeSentRoster(_ content: [UInt8]) -> String {
        guard let r = try? GroupRoster(decoding: content) else { return "a group roster" }
        switch r.kind {
        case .members: return "roster of #\(r.name): \(r.members.map(\.name).joined(separator: ", "))"
        case .removal: return "removed from #\(r.name)"
        case .leave: return "left #\(r.name)"
        }
    }
}
