/// Why a packet heard was not shown as a message: every reason `tail` counts and explains.
public enum DropReason: Equatable, Sendable {
    case unknownSender(senderID: String)
    /// The contact's key did not open it (a forgery, or a corrupted frame).
    case failedAuthentication(contact: String)
    case malformed(String)
    /// Understood and deliberately not acted on (a replay, a frame for someone else).
    case ignored(String)
    /// Written to a ratchet key another home with our identity made.
    case anotherCopy(contact: String, keyID: UInt8)
    case requestDropped(displayName: String, reason: String)
    /// A group post held until its roster comes.
    case postHeld(group: String?)
    /// Authentic, but the database would not keep it: no receipt, so it comes again.
    case notStored(contact: String, reason: String)

    /// The outcomes of `Messenger.receive` that are a drop; nil for every other.
    public init?(_ outcome: ReceiveOutcome) {
        switch outcome {
        case .unknownSender(let s): self = .unknownSender(senderID: s)
        case .failedAuthentication(let c): self = .failedAuthentication(contact: c)
        case .malformed(let d): self = .malformed(d)
        case .ignored(let d): self = .ignored(d)
        case let .anotherCopy(c, k): self = .anotherCopy(contact: c, keyID: k)
        case let .requestDropped(n, r): self = .requestDropped(displayName: n, reason: r)
        case .postHeld(let g): self = .postHeld(group: g)
        case let .notStored(c, r): self = .notStored(contact: c, reason: r)
        case .message, .duplicate, .receipt, .transferReceipt, .chunkReceived, .contactRequest, .contactAdded,
             .groupChanged, .postAcked, .mailboxNews, .mailboxFetch, .deposited, .notOurs:
            return nil
        }
    }

    /// How `tail --verbose` counts it at the end.
    public var tally: String {
        switch self {
        case .unknownSender: "from an unknown sender"
        case .failedAuthentication: "failed authentication"
        case .malformed: "malformed"
        case .ignored: "ignored"
        case .anotherCopy: "for another copy of this home"
        case .requestDropped: "requests dropped"
        case .postHeld: "held for their group's roster"
        case .notStored: "not stored"
        }
    }
}
