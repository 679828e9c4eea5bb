import MessageStore
import RadioLink

/// What a running courier reports, for `tail` and `send` to print.
public enum MessengerEvent: Equatable, Sendable {
    case message(IncomingMessage)
    /// A packet on our port that is not shown: unknown sender, failed authentication, malformed.
    case dropped(DropReason)
    /// A copy of a message already stored.
    case duplicate
    /// A new mesh packet carries a stored envelope.
    case transmitted(messageID: String, packetID: UInt32, broadcast: Bool)
    case delivery(messageID: String, state: DeliveryState, detail: String?)
    /// The destination radio had no public key for a DM; the envelope goes out as a broadcast.
    case fellBackToBroadcast(messageID: String)
    /// Sending waits for the duty cycle; `seconds` left.
    case waitingForDutyCycle(messageID: String, seconds: Int)
    /// The radio's transmit queue is full: the message waits for a free slot (flow control).
    case waitingForRadioQueue(messageID: String)
    /// An authenticated receipt moved these messages to delivered (or read).
    case receipt(contact: String, messageIDs: [String], read: Bool, reboundTo: String?)
    case contactRequest(ContactRequestNotice)
    /// Chunks of a long message or file arriving: `have` of `count`.
    case receiving(contact: String, have: Int, count: Int)
    /// Our transfer: `sent` chunks handed to the radio in this pass, `confirmed` held by the
    /// receiver, of `count`; `airtimeLeft` seconds of transmission still needed at least.
    /// `secondsLeft`: until this pass could be done, duty-cycle waits included (no loss
    /// assumed); `nextSlot`: seconds until the duty cycle lets the next chunk go (0: now).
    case transferProgress(messageID: String, sent: Int, confirmed: Int, count: Int, secondsLeft: Double, nextSlot: Double)
    /// A group's roster came (or we were removed, or a member left), with the posts it opened.
    case groupChanged(GroupNotice)
    /// A member holds these posts of ours; `delivered`: every member holds them now.
    case postAcked(group: String, member: String, messageIDs: [String], delivered: [String])
    /// A contact answered our request and was added.
    case contactAdded(name: String, node: String?)
    case notice(String)
    case radioLog(String)
    case disconnected(String)
    case reconnected
    case closed(RadioLinkError?)
}
