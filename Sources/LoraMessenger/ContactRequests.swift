import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore

/// A contact request waiting for the user, as `contact requests` lists it.
public struct PendingRequest: Equatable, Sendable {
    public var displayName: String
    /// The node it came from (`!xxxxxxxx`), not authenticated unless `isAnswer`.
    public var node: String?
    public var publicKey: String
    public var safetyNumber: String
    public var isAnswer: Bool
    public var receivedAt: Double
    public var count: Int
}

extension Messenger {
    static let displayNameSetting = "display_name"
    static let ownNodeSetting = "own_node"

    /// The name this user introduces themselves with (remembered from the last request).
    public var displayName: String? { (try? store.setting(Self.displayNameSetting)) ?? nil }

    func rememberDisplayName(_ given: String?) throws(MessengerError) -> String {
        guard let given else {
            guard let saved = displayName else {
                throw .usage(reason: "say how to introduce yourself, e.g. --as \"north farm\" (remembered for next time)")
            }
            return saved
        }
        let name = try Self.normalized(name: given)
        guard name.utf8.count <= ContactRequest.maxNameBytes else {
            throw .invalidName(reason: "a display name is at most \(ContactRequest.maxNameBytes) bytes of UTF-8, '\(name)' is \(name.utf8.count)")
        }
        try stored(try store.setSetting(Self.displayNameSetting, to: name))
        return name
    }

    /// Sends our public key and display name to one node, or to everyone in range. An answer
    /// to a request sent to one node, from that node, within a day, is added as a contact by
    /// itself (it proves it holds its key and saw ours); answers to a broadcast request wait
    /// for `contact accept` like requests, since anyone in range heard it. The user compares
    /// safety numbers as with any contact.
    public func sendContactRequest(as given: String?, to node: String?, radio: RadioChoice, timeout: Double,
                                   progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> String {
        let name = try rememberDisplayName(given)
        let to = try node.map(Self.nodeNumber)
        let frame: ContactRequest
        do { frame = try ContactRequest(publicKey: identity.publicKey, displayName: name) } catch { throw .crypto(error) }
        do {
            try store.setSetting(Self.requestSentSetting, to: String(now))
            try store.setSetting(Self.requestSentToSetting, to: to.map { String($0) })
        } catch { throw .store(error) }
        return try await deliverFrame(frame.bytes, to: to, radio: radio, timeout: timeout, progress: progress)
    }

    public func contactRequests() throws(MessengerError) -> [PendingRequest] {
        let rows: [ContactRequestRecord]
        rows = try stored(try store.requests(now: now))
        return rows.compactMap { r in
            guard let key = try? PublicKey(bytes: r.publicKey) else { return nil }
            return PendingRequest(displayName: r.displayName, node: r.node.map(User.nodeID), publicKey: key.base64,
                                  safetyNumber: SafetyNumber(identity.publicKey, key).description, isAnswer: r.isAnswer,
                                  receivedAt: r.receivedAt, count: r.count)
        }
    }

    /// The one waiting request `which` names: its display name, its node (`!xxxxxxxx`) or
    /// the start of its key (8 characters or more).
    func pendingRequest(_ which: String) throws(MessengerError) -> PendingRequest {
        let all = try contactRequests()
        let wanted = (try? Self.normalized(name: which))?.lowercased() ?? which.lowercased()
        var hits = all.filter { $0.displayName.lowercased() == wanted }
        if hits.isEmpty, let n = User.nodeNum(which) { hits = all.filter { $0.node == User.nodeID(n) } }
        if hits.isEmpty, which.count >= 8 { hits = all.filter { $0.publicKey.hasPrefix(which) } }
        guard !hits.isEmpty else { throw .noSuchRequest(reason: "no waiting contact request matches '\(which)'; see 'lora-msg contact requests'") }
        guard hits.count == 1 else {
            throw .noSuchRequest(reason: "\(hits.count) waiting requests match '\(which)'; name one by its node or the start of its key ('lora-msg contact requests')")
        }
        return hits[0]
    }

    /// Adds the requester as a contact (under `name`, else their display name) and answers
    /// with our key, so both sides have each other. A name that is taken by another key is
    /// refused, as with `contact add`.
    public func acceptRequest(_ which: String, as name: String?, introducingAs me: String?, radio: RadioChoice, timeout: Double,
                              progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> (contact: Contact, answered: Bool) {
        let r = try pendingRequest(which)
        let local = name ?? r.displayName
        guard !local.isEmpty else { throw .usage(reason: "that request has no display name; give one with --as NAME") }
        // Our answer names us: without a name the other side could only be told to accept ''.
        if !r.isAnswer, me == nil, (displayName ?? "").isEmpty {
            throw .usage(reason: "say who you are in the answer: --me NAME (remembered for next time)")
        }
        let contact = try addContact(name: local, key: r.publicKey, node: nil)
        try stored(try store.removeRequest(publicKey: contact.publicKey))
        // An answer to our own request needs no answer back: they have us already.
        guard !r.isAnswer else { return (contact, false) }
        let myName = me != nil ? try rememberDisplayName(me) : (displayName ?? "")
        let requester: PublicKey
        do { requester = try PublicKey(bytes: contact.publicKey) } catch { throw .crypto(error) }
        let ownNode = ((try? store.setting(Self.ownNodeSetting)) ?? nil).flatMap { UInt32($0) } ?? 0
        let frame: ContactAccept
        do { frame = try ContactAccept.make(own: identity, node: ownNode, displayName: myName, requester: requester) } catch { throw .crypto(error) }
        let to = r.node.flatMap { User.nodeNum($0) }
        _ = try await deliverFrame(frame.bytes, to: to, radio: radio, timeout: timeout, progress: progress)
        return (contact, true)
    }

    /// Forgets every waiting request (after a flood of forged ones); returns how many.
    public func rejectAllRequests() throws(MessengerError) -> Int {
        return try stored(try store.removeAllRequests())
    }

    public func rejectRequest(_ which: String) throws(MessengerError) -> PendingRequest {
        let r = try pendingRequest(which)
        do { try store.removeRequest(publicKey: PublicKey(text: r.publicKey).bytes) } catch let e as StoreError { throw .store(e) } catch {
            throw .usage(reason: "cannot read that request's key")
        }
        return r
    }

    /// Queues a public frame and sends it: through a running `tail`, else through the radio.
    /// Returns the frame's id once the radio has it.
    func deliverFrame(_ bytes: [UInt8], to node: UInt32?, radio: RadioChoice, timeout: Double,
                      progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> String {
        let f = OutgoingFrame(id: UUID().uuidString.lowercased(), frame: bytes, toNode: node, createdAt: now)
        try stored(try store.queueFrame(f))
        if let pid = TailPresence.runningTail(home: home) {
            progress(.handedToTail(pid: pid))
            let store = self.store
            return try await MessageCourier.watch(store: store, timeout: timeout, clock: { self.now }) { expired throws(MessengerError) in
                if ((try? store.frame(id: f.id)) ?? nil)?.sentAt != nil { return f.id }
                guard expired else { return nil }
                remember("the unsent request's removal") { () throws(StoreError) in try store.deleteFrame(id: f.id) }
                throw .frameNotSent(reason: "the running 'lora-msg tail' did not send it within \(Int(timeout)) s")
            }
        }
        let courier: MessageCourier
        do { courier = try await MessageCourier.connect(messenger: self, endpoint: try radio.locate(), reconnectForSeconds: 10) } catch {
            remember("the unsent request's removal") { () throws(StoreError) in try store.deleteFrame(id: f.id) }
            throw error
        }
        await courier.sendPendingFrames()
        await courier.close()
        guard ((try? store.frame(id: f.id)) ?? nil)?.sentAt != nil else {
            remember("the unsent request's removal") { () throws(StoreError) in try store.deleteFrame(id: f.id) }
            throw .frameNotSent(reason: "the radio did not take it")
        }
        return f.id
    }
}
