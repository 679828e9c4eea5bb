/// What a message says, opened: the one body type of a message arriving (`IncomingMessage`)
/// and of the history (`HistoryEntry`). A new kind of content is a case here, and the
/// compiler then finds every place that shows one.
public enum MessageBody: Equatable, Sendable {
    case text(String)
    case location(SharedLocation)
    case file(IncomingFile)
    /// A group's roster came or went (who is in it now), or a member left.
    case groupNotice(String)
    /// The stored envelope no longer opens (damaged on disk, or the contact's key changed).
    case unreadable(String)
}

extension IncomingMessage {
    /// The message's content as a `MessageBody`.
    public var body: MessageBody {
        if let file { return .file(file) }
        if let location { return .location(location) }
        return .text(text)
    }
}
