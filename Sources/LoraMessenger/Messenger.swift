import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore
import Synchronization

/// The use cases that need no radio: contacts, composing (seal and store), receiving a packet
/// (open, dedup, store) and history. One per home directory.
public final class Messenger: Sendable {
    public static let identityFileName = "identity.key"
    public static let databaseFileName = "messages.sqlite"

    public let home: String
    public let identity: IdentityKeyPair
    let store: MessageStore
    let keyring: Mutex<ContactKeyring>
    /// The messenger's time (wall, or scaled with virtual radios); every protocol timer runs on it.
    public let clock: MessengerClock
    /// True while this home runs `mailbox serve`: it takes deposits and answers its users.
    let servesMailbox = Mutex(false)
    /// Writes that failed where the caller's own answer had to go on (a receipt still shown,
    /// a sighting not counted): kept for the courier to tell the user (`takeStoreProblems`).
    let storeProblems = Mutex<[String]>([])

    public var identityPath: String { home + "/" + Self.identityFileName }
    public var databasePath: String { home + "/" + Self.databaseFileName }

    /// Loads the identity (refusing a key file others can read) and opens the store.
    public init(home: String, clock: MessengerClock = .wall) throws(MessengerError) {
        self.home = home
        self.clock = clock
        do { identity = try IdentityFile.load(from: home + "/" + Self.identityFileName) } catch { throw .identity(error) }
        do { store = try MessageStore(path: home + "/" + Self.databaseFileName) } catch { throw .store(error) }
        var ring = ContactKeyring(identity: identity)
        let contacts: [Contact]
        contacts = try stored(try store.contacts())
        for c in contacts {
            // A key that no longer derives (impossible unless the row was edited) is left out:
            // its messages then show as unreadable instead of stopping every command.
            if let key = try? PublicKey(bytes: c.publicKey) { _ = try? ring.add(key) }
        }
        keyring = Mutex(ring)
        // A copied home must not seal under the numbers its original may also use.
        try guardAgainstCopy()
        // Expired messages go before anything reads them (`config retention`), whichever
        // command or front end opened the home.
        try applyRetention()
    }

    public var now: Double { clock.now }

    // MARK: Contacts

    /// Adds a contact from the key text they gave (base64 or hex). The same name and key again
    /// is accepted quietly; a different key under a taken name is refused.
    @discardableResult
    public func addContact(name given: String, key text: String, node: String?) throws(MessengerError) -> Contact {
        let name = try Self.normalized(name: given)
        let key: PublicKey
        do { key = try PublicKey(text: text) } catch { throw .crypto(error) }
        if key == identity.publicKey { throw .crypto(.invalidKey("that is your own public key")) }
        // Deriving now refuses low-order keys before they reach the book.
        do { _ = try ContactKey(own: identity, peer: key) } catch { throw .crypto(error) }
        let nodeNum = try node.map(Self.nodeNumber)
        let c = Contact(name: name, publicKey: key.bytes, senderID: key.senderID.bytes, node: nodeNum,
                        nodeGiven: nodeNum != nil, addedAt: now)
        try stored(try store.addContact(c))
        keyring.withLock { _ = try? $0.add(key) }
        return (try? store.contact(named: name)) ?? c
    }

    /// A contact name as stored: NFC, without surrounding white space, so look-alikes
    /// ("é" composed or not, a trailing space) are one name. Refuses what could disguise a
    /// name on screen: control, format (zero-width, bidi override) and separator characters.
    public static func normalized(name: String) throws(MessengerError) -> String {
        let n = name.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        if n.isEmpty { throw .invalidName(reason: "it is empty") }
        if n.utf8.count > 64 { throw .invalidName(reason: "it is \(n.utf8.count) bytes, the limit is 64") }
        if n.hasPrefix("-") { throw .invalidName(reason: "it may not start with '-'") }
        for scalar in n.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control: throw .invalidName(reason: "it contains a control character (U+\(hex4(scalar)))")
            case .format: throw .invalidName(reason: "it contains an invisible formatting character (U+\(hex4(scalar)), e.g. zero-width or right-to-left)")
            case .lineSeparator, .paragraphSeparator: throw .invalidName(reason: "it contains a line separator (U+\(hex4(scalar)))")
            default: continue
            }
        }
        return n
    }

    /// `!a1b2c3d4` (or without the `!`) as a node number a packet can be addressed to.
    static func nodeNumber(_ text: String) throws(MessengerError) -> UInt32 {
        guard let n = User.nodeNum(text), n != 0, n != MeshPacket.broadcast else { throw .invalidNode(text: text) }
        return n
    }

    private static func hex4(_ s: Unicode.Scalar) -> String {
        let h = String(s.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    public func contacts() throws(MessengerError) -> [Contact] {
        return try stored(try store.contacts())
    }

    public func contact(named given: String) throws(MessengerError) -> Contact {
        let name = (try? Self.normalized(name: given)) ?? given
        let c: Contact?
        c = try stored(try store.contact(named: name))
        guard let c else { throw .unknownContact(name: name) }
        return c
    }

    /// Removes the contact; their unsent messages fail with "contact removed".
    public func removeContact(named name: String) throws(MessengerError) {
        let c = try contact(named: name)
        try stored(try store.removeContact(named: c.name, at: now))
    }

    /// Points the contact at a radio node (`!xxxxxxxx`), or at none (`nil`: broadcasts), as
    /// the user's choice. The only way besides authenticated data to change a contact's node.
    public func setNode(named name: String, node text: String?) throws(MessengerError) -> Contact {
        let c = try contact(named: name)
        let node = try text.map(Self.nodeNumber)
        try stored(try store.setNode(named: c.name, to: node, at: now))
        return try contact(named: c.name)
    }

    /// Other radios the contact's authenticated envelopes arrived from (relays, replays).
    public func otherNodes(of c: Contact) throws(MessengerError) -> [NodeSighting] {
        return try stored(try store.otherNodes(senderID: c.senderID))
    }

    /// Whether our radio holds the key of the contact's radio, as far as lora-msg has seen.
    public func radioKey(of c: Contact) throws(MessengerError) -> RadioKeyStatus {
        let k = try stored(try store.radioKey(senderID: c.senderID))
        if let key = k.key, let seen = k.seenAt {
            return .known(key: key, seenAt: seen, nodeIsItsCRC32: c.node == NodeNumber.of(publicKey: key))
        }
        if let refused = k.refusedAt { return .missing(refusedAt: refused, askedAt: k.askedAt) }
        if let asked = k.askedAt { return .asked(at: asked) }
        return c.node == nil ? .noNode : .notHeard
    }

    /// Whether a message to the contact goes as a broadcast: asked for, or their node unknown.
    /// A broadcast's frames must each fit a signed broadcast (firmware 2.8, 165 bytes).
    static func goesAsBroadcast(to c: Contact, forced: Bool) -> Bool { forced || c.node == nil }

    /// Records that the user compared the safety number with the contact and it matched.
    public func markVerified(named name: String) throws(MessengerError) {
        let c = try contact(named: name)
        try stored(try store.markVerified(named: c.name, at: now))
    }

    public func safetyNumber(for c: Contact) throws(MessengerError) -> SafetyNumber {
        do { return SafetyNumber(identity.publicKey, try PublicKey(bytes: c.publicKey)) } catch { throw .crypto(error) }
    }

    // MARK: Composing

    /// Seals `text` for the contact and stores it in the outbox (state pending). Nothing is
    /// stored if it does not fit in one envelope.
    public func compose(to name: String, text: String, broadcast: Bool = false, channel: Int = 0, hopLimit: Int? = nil) throws(MessengerError) -> StoredMessage {
        let c = try contact(named: name)
        guard !text.isEmpty else { throw .emptyMessage }
        // A broadcast's frame must fit a signed broadcast: `send` and `chat` give a text longer
        // than a v1 frame holds to `composeTransfer`; for one that fits, a 0x06 frame made longer
        // by announcing a ratchet key goes under the static key (v1) instead.
        let signedLimit = Self.goesAsBroadcast(to: c, forced: broadcast) && text.utf8.count <= LoraEnvelope.maxSignedBroadcastPlaintextBytes
            ? LoraEnvelope.maxSignedBroadcastBytes : nil
        if text.utf8.count <= LoraEnvelope.maxPlaintextBytes, let sid = try? SenderID(bytes: c.senderID), let key = key(for: sid),
           let m = try composeRatcheted(.text(text), to: c, key: key, broadcast: broadcast, channel: channel, hopLimit: hopLimit,
                                        maxEnvelopeBytes: signedLimit) {
            return m
        }
        return try composeEnvelope(to: c, broadcast: broadcast, channel: channel, hopLimit: hopLimit) { key throws(LoraCryptoError) in
            try LoraEnvelope.seal(text, from: identity.senderID, with: key)
        }
    }

    /// Seals with the contact's key (`seal` picks v1 text or a v2 kind) and stores the result
    /// in the outbox.
    func composeEnvelope(to c: Contact, broadcast: Bool, channel: Int, hopLimit: Int?,
                         seal: (ContactKey) throws(LoraCryptoError) -> LoraEnvelope) throws(MessengerError) -> StoredMessage {
        guard let sid = try? SenderID(bytes: c.senderID), let key = key(for: sid) else {
            throw .crypto(.invalidKey("the stored key of '\(c.name)' gives no shared secret"))
        }
        let envelope: LoraEnvelope
        do { envelope = try seal(key) } catch { throw .crypto(error) }
        let m = StoredMessage(
            id: UUID().uuidString.lowercased(), peer: c.senderID, direction: .outgoing, envelope: envelope.bytes,
            senderID: identity.senderID.bytes, nonce: envelope.nonce, createdAt: now, state: .pending,
            toNode: broadcast ? nil : c.node, channel: channel, hopLimit: hopLimit)
        try stored(try store.insert(m))
        return m
    }

    /// The mesh packet that carries a stored envelope: a DM with want_ack to the contact's radio
    /// when it is known (and not forced to broadcast), else a broadcast with want_ack, whose
    /// only confirmation is hearing a neighbour repeat it.
    public func packet(for m: StoredMessage, broadcast: Bool) -> MeshPacket {
        var p = MeshPacket()
        let node = broadcast ? nil : (m.toNode ?? (try? store.contact(senderID: m.peer))??.node)
        p.to = node ?? MeshPacket.broadcast
        p.wantAck = true
        p.channel = UInt32(clamping: m.channel)
        if let h = m.hopLimit { p.hopLimit = UInt32(clamping: h) }
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: m.envelope))
        return p
    }

    // MARK: History

    /// The conversation with a contact, oldest first; each envelope is opened here, at display
    /// time, and one that no longer authenticates becomes a marker.
    /// Incoming entries returned count as shown to the user (no longer unread; a read receipt
    /// when those are on), unless `markingShown` is false (a list that only peeks at them).
    public func history(with name: String, limit: Int, markingShown: Bool = true) throws(MessengerError) -> [HistoryEntry] {
        let c = try contact(named: name)
        let rows: [StoredMessage]
        rows = try stored(try store.history(peer: c.senderID, limit: limit))
        let key = keyring.withLock { ring in (try? SenderID(bytes: c.senderID)).flatMap { ring.key(for: $0) } }
        if markingShown { markShown(rows.filter { $0.direction == .incoming && $0.readAt == nil }.map(\.id)) }
        return rows.map { m in
            guard let transfer = m.transferID else {
                if let copy = m.localCopy { return HistoryEntry(message: m, contact: c.name, body: openLocalCopy(copy, expectedSender: m.senderID)) }
                return HistoryEntry(message: m, contact: c.name, body: Self.open(m.envelope, expectedSender: m.senderID, key: key))
            }
            // A roster we received: its chunks are erased, its summary kept.
            if let copy = m.localCopy {
                let body = openLocalCopy(copy, expectedSender: m.senderID)
                if case .text(let t) = body { return HistoryEntry(message: m, contact: c.name, body: .groupNotice(t)) }
                return HistoryEntry(message: m, contact: c.name, body: body)
            }
            guard let key else { return HistoryEntry(message: m, contact: c.name, body: .unreadable("no key for this contact")) }
            do throws(MessengerError) {
                let s = try assemble(peer: m.peer, direction: m.direction, transferID: transfer, key: key)
                let body: HistoryEntry.Body
                switch s.type {
                case .text: body = .text(String(decoding: s.content, as: UTF8.self))
                case .file: body = .file(IncomingFile(name: s.name, mediaType: s.mediaType, size: s.content.count))
                case .groupRoster: body = .groupNotice(Self.describeSentRoster(s.content))
                }
                return HistoryEntry(message: m, contact: c.name, body: body)
            } catch {
                return HistoryEntry(message: m, contact: c.name, body: .unreadable("stored chunks do not open: \(error.description)"))
            }
        }
    }

    static func open(_ bytes: [UInt8], expectedSender: [UInt8], key: ContactKey?) -> HistoryEntry.Body {
        guard let key else { return .unreadable("no key for this contact") }
        do {
            let env = try LoraEnvelope(bytes: bytes)
            // The row's sender must be the envelope's; a swapped row would otherwise pass.
            guard env.senderID.bytes == expectedSender else { return .unreadable("stored envelope does not match its record") }
            if env.isSealedContent {
                switch try env.openContent(with: key) {
                case .location(let fix): return .location(SharedLocation(fix))
                case .chunk: return .unreadable("a lone chunk of a transfer")
                }
            }
            return .text(try env.openText(with: key))
        } catch .authenticationFailed {
            return .unreadable("stored envelope failed authentication (damaged or altered on disk)")
        } catch {
            return .unreadable("stored envelope is unreadable: \(error.description)")
        }
    }

    /// After this long without a receipt, a message the radio took is listed as "no receipt
    /// yet" (never re-sent by itself: airtime is the scarce thing), for a week.
    public static let receiptPatienceSeconds = 120.0
    static let receiptListingSeconds = 7 * 86_400.0

    /// Puts failed messages, and those with no receipt yet, back in the outbox and returns
    /// everything now waiting to be sent.
    public func requeueOutbox() throws(MessengerError) -> [StoredMessage] {
        do {
            try store.requeueFailed(at: now)
            // A long message or file the outbox lists as partly confirmed goes again now, not
            // only once the two minutes of "no receipt yet" have passed.
            try store.requeueTransfers(at: now)
            try store.requeueUnreceipted(updatedBefore: now - Self.receiptPatienceSeconds, createdAfter: now - Self.receiptListingSeconds, at: now)
            return try store.pending().map { resealIfStale($0) }
        } catch { throw .store(error) }
    }

    /// Deletes an unsent message (by id or a unique prefix of it), or all with nil. Returns
    /// the ids deleted.
    public func cancelOutbox(id: String?) throws(MessengerError) -> [String] {
        let ids: [String]
        ids = try stored(try store.cancelOutbox(idPrefix: id))
        if let id, ids.isEmpty { throw .store(.noSuchMessage(id)) }
        return ids
    }

    /// One outbox line: the message, its contact's name, and for a long message or file how
    /// many of its chunks the receiver has confirmed.
    public struct OutboxItem: Sendable {
        public var message: StoredMessage
        public var contact: String
        public var chunks: (confirmed: Int, count: Int)?
        /// A long message or file: chunks the radio has taken at least once.
        public var chunksSent: Int?
        /// "attempt 2 of 6, next in 3 min" while the resend engine follows it.
        public var resend: String?
    }

    /// The outbox with each message's contact name.
    public func outbox() throws(MessengerError) -> [OutboxItem] {
        do {
            let names = Dictionary(try store.contacts().map { ($0.senderID, $0.name) } + store.groups().map { ($0.id, "#" + $0.name) },
                                   uniquingKeysWith: { a, _ in a })
            var seen = Set<String>()
            let waiting = (try store.outbox() + store.followedMessages()
                           + store.awaitingReceipt(updatedBefore: now - Self.receiptPatienceSeconds, createdAfter: now - Self.receiptListingSeconds))
                .filter { seen.insert($0.id).inserted }
            return try waiting.sorted { $0.createdAt < $1.createdAt }.map { m throws(StoreError) in
                var chunks: (Int, Int)?
                var sent: Int?
                if let t = m.transferID {
                    let all = try store.chunks(peer: m.peer, direction: .outgoing, transferID: t)
                    chunks = (all.filter(\.held).count, m.chunkCount ?? all.count)
                    sent = all.filter { $0.sends > 0 }.count
                }
                return OutboxItem(message: m, contact: names[m.peer] ?? (try? SenderID(bytes: m.peer))?.hex ?? "?", chunks: chunks,
                                  chunksSent: sent, resend: resendStatus(m))
            }
        } catch { throw .store(error) }
    }
}
