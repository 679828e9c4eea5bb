import MessageStore

/// What the benches (LoraLab) and other tools may read of a home, without the store itself:
/// each a read-only query, except `recordForeignAirtime`, which stands for airtime another
/// program sent through the same radio.
extension Messenger {
    public func storedMessage(id: String) throws(MessengerError) -> StoredMessage? {
        return try stored(try store.message(id: id))
    }

    /// This home's transmissions (the duty-cycle ledger) since a time.
    public func airtimeRecords(since time: Double) throws(MessengerError) -> [AirtimeRecord] {
        return try stored(try store.airtime(since: time))
    }

    /// Seconds on the air since a time.
    public func airtimeSeconds(since time: Double) throws(MessengerError) -> Double {
        try airtimeRecords(since: time).reduce(0) { $0 + $1.milliseconds } / 1000
    }

    /// Counts airtime sent through our radio by something else (a bench's preloaded hour).
    public func recordForeignAirtime(_ r: AirtimeRecord) throws(MessengerError) {
        try stored(try store.recordAirtime(r))
    }

    /// The chunks of one of our long messages to a contact, as the store tracks them.
    public func outgoingChunks(to peer: Contact, transferID: UInt32) throws(MessengerError) -> [StoredChunk] {
        return try stored(try store.chunks(peer: peer.senderID, direction: .outgoing, transferID: transferID))
    }

    /// Messages received from a sender id, in all.
    public func receivedCount(from senderID: [UInt8]) throws(MessengerError) -> Int {
        return try stored(try store.history(peer: senderID, limit: 100_000).filter { $0.direction == .incoming }.count)
    }

    /// Whether this home's mailbox serves the sender id.
    public func servesMailbox(for senderID: [UInt8]) throws(MessengerError) -> Bool {
        return try stored(try store.isMailboxUser(senderID))
    }

    /// Frames this home's mailbox holds for a recipient.
    public func mailboxHeldCount(for recipient: [UInt8]) throws(MessengerError) -> Int {
        return try stored(try store.heldCount(recipient: recipient))
    }

    /// Whether the contact with this sender id told us a mailbox.
    public func knowsMailbox(of senderID: [UInt8]) throws(MessengerError) -> Bool {
        return try stored(try store.contactMailbox(senderID: senderID) != nil)
    }
}

extension Messenger {
    /// SQLite's data_version: it changes when another connection (another lora-msg) commits.
    /// nil when the database cannot say.
    public func databaseChangeCounter() -> Int? {
        try? store.changeCounter()
    }
}
