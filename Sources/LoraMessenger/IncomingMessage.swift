import MessageStore

/// A received message, decrypted for display. It lives in memory only.
public struct IncomingMessage: Equatable, Sendable {
    public var id: String
    public var contact: String
    public var senderID: String
    /// The radio it came from, `!xxxxxxxx`.
    public var node: String
    public var text: String
    public var hops: Int?
    public var rssi: Int?
    public var snr: Double?
    /// Unix seconds.
    public var receivedAt: Double
}

/// One line of a conversation: the text when the envelope still authenticates, else why not.
public struct HistoryEntry: Equatable, Sendable {
    public enum Body: Equatable, Sendable {
        case text(String)
        /// The stored envelope no longer opens (damaged on disk, or the contact's key changed).
        case unreadable(String)
    }
    public var message: StoredMessage
    public var contact: String
    public var body: Body
}

/// What became of a packet handed to `Messenger.receive`.
public enum ReceiveOutcome: Equatable, Sendable {
    case message(IncomingMessage)
    /// Already stored: a relayed copy or a replay.
    case duplicate
    /// Sealed by someone not in the contact book: counted, never shown.
    case unknownSender(senderID: String)
    /// From a known sender but the tag does not verify: tampered or corrupted. Never shown.
    case failedAuthentication(contact: String)
    /// On our port but not an envelope we can parse.
    case malformed(String)
    /// Not a lora-msg packet (other apps on the mesh).
    case notOurs
}
