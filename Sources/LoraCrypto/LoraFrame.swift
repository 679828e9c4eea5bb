/// Every lora-msg frame on PRIVATE_APP (port 256), told apart by its first byte. The one table
/// of first bytes; docs/PROTOCOL.md gives each frame byte for byte.
///
/// | byte | frame                 | type              | sealed for                    |
/// |------|-----------------------|-------------------|-------------------------------|
/// | 0x01 | text envelope (v1)    | LoraEnvelope      | one contact (pair key)        |
/// | 0x02 | sealed kind (v2)      | LoraEnvelope      | one contact: SealedContent    |
/// | 0x03 | delivery receipt      | DeliveryReceipt   | authenticated, pair key       |
/// | 0x04 | contact request       | ContactRequest    | clear (a public key and name) |
/// | 0x05 | contact accept        | ContactAccept     | authenticated, pair key       |
/// | 0x06 | ratcheted             | RatchetEnvelope   | one contact, forward secret: RatchetedContent |
/// | 0x07 | group post            | GroupPost         | a group's chain + member tags |
/// | 0x08 | group ack             | GroupAck          | authenticated, pair key       |
/// | 0x09 | mailbox control       | MailboxControl    | authenticated, pair key       |
/// | 0x0A | mailbox deposit       | MailboxDeposit    | carries a frame sealed above  |
/// | 0x0B | mailbox hand-over     | MailboxDelivery   | carries a frame sealed above  |
///
/// Sealed kinds inside 0x02 (SealedContent): 0x01 location, 0x02 chunk of a long message.
/// Inside 0x06 (RatchetedContent): 0x00 text, 0x01 location (a chunk is refused there).
/// A new frame: a LoraCrypto file with its type and `frameByte`, a case here and in
/// `init(bytes:)`; the compiler then names every switch in LoraMessenger that must handle it.
public enum LoraFrame: Equatable, Sendable {
    /// 0x01 (v1 text) or 0x02 (v2 sealed kind).
    case envelope(LoraEnvelope)
    case receipt(DeliveryReceipt)
    case request(ContactRequest)
    case accept(ContactAccept)
    /// 0x06: forward secret, under the pair's ratchet keys.
    case ratcheted(RatchetEnvelope)
    /// 0x07: a post to a group.
    case groupPost(GroupPost)
    /// 0x08: a member holds these posts.
    case groupAck(GroupAck)
    /// 0x09: a user and its mailbox, or a user telling a contact its mailbox.
    case mailbox(MailboxControl)
    /// 0x0A: a frame left with a mailbox.
    case deposit(MailboxDeposit)
    /// 0x0B: a held frame handed on by the mailbox.
    case mailboxDelivery(MailboxDelivery)

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        guard let first = bytes.first else { throw .malformedEnvelope(.tooShort(bytes: 0, minimum: 1)) }
        switch first {
        case LoraEnvelope.version, LoraEnvelope.sealedVersion: self = .envelope(try LoraEnvelope(bytes: bytes))
        case DeliveryReceipt.frameByte: self = .receipt(try DeliveryReceipt(bytes: bytes))
        case ContactRequest.frameByte: self = .request(try ContactRequest(bytes: bytes))
        case ContactAccept.frameByte: self = .accept(try ContactAccept(bytes: bytes))
        case RatchetEnvelope.version: self = .ratcheted(try RatchetEnvelope(bytes: bytes))
        case GroupPost.frameByte: self = .groupPost(try GroupPost(bytes: bytes))
        case GroupAck.frameByte: self = .groupAck(try GroupAck(bytes: bytes))
        case MailboxControl.frameByte: self = .mailbox(try MailboxControl(bytes: bytes))
        case MailboxDeposit.frameByte: self = .deposit(try MailboxDeposit(bytes: bytes))
        case MailboxDelivery.frameByte: self = .mailboxDelivery(try MailboxDelivery(bytes: bytes))
        default: throw .malformedEnvelope(.unsupportedVersion(first))
        }
    }
}
