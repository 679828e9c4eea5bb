import Foundation
import MessageStore

/// A received message, decrypted for display. It lives in memory only.
public struct IncomingMessage: Equatable, Sendable {
    public var id: String
    public var contact: String
    public var senderID: String
    /// The radio it came from, `!xxxxxxxx`.
    public var node: String
    /// The text; empty for a location.
    public var text: String
    /// Set when the message is a shared location instead of a text.
    public var location: SharedLocation?
    /// Set when the message is a file (`save` writes it out).
    public var file: IncomingFile? = nil
    public var hops: Int?
    public var rssi: Int?
    public var snr: Double?
    /// Unix seconds.
    public var receivedAt: Double
    /// A post: the group it was posted to (`contact` is the member who posted it).
    public var group: String? = nil
}

/// One line of a conversation: the text when the envelope still authenticates, else why not.
public struct HistoryEntry: Equatable, Sendable {
    public typealias Body = MessageBody
    public var message: StoredMessage
    public var contact: String
    public var body: Body
    /// A post: its group.
    public var group: String? = nil
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
    /// An authenticated receipt from a contact: these outgoing messages moved to delivered
    /// (or read). `node` is the contact's radio when the receipt re-bound it.
    case receipt(contact: String, messageIDs: [String], read: Bool, reboundTo: String?)
    /// The receiver of our transfer holds `held` of its `count` chunks (all: delivered).
    case transferReceipt(contact: String, messageID: String, held: Int, count: Int)
    /// A chunk of a long message or file; `have` of `count` are held.
    /// `firstPass`: a new chunk beyond every one held and not the last, so more of the
    /// sender's first pass is on its way.
    case chunkReceived(contact: String, peer: [UInt8], transferID: UInt32, firstPass: Bool, have: Int, count: Int)
    /// A stranger (or someone) asks to be added; kept for `contact requests`.
    case contactRequest(ContactRequestNotice)
    /// A request (or an answer) not kept, for this reason (the hourly or total limit):
    /// always reported, since a flood of forged ones would otherwise hide a genuine one.
    case requestDropped(displayName: String, reason: String)
    /// An authenticated answer to our request: the contact was added.
    case contactAdded(name: String, node: String?)
    /// Understood and deliberately not acted on (said why).
    case ignored(String)
    /// On our port but not an envelope we can parse.
    case malformed(String)
    /// A ratcheted frame from the contact, sealed to a ratchet key of ours this home never
    /// made: another home with this identity is talking to them. Always reported.
    case anotherCopy(contact: String, keyID: UInt8)
    /// Authentic, but the database would not take it (a full disk, a read-only home): not
    /// shown, no receipt, so its sender sends it again. Always reported.
    case notStored(contact: String, reason: String)
    /// A group roster (or a removal, or a member leaving) was applied; posts held for it
    /// opened now.
    case groupChanged(GroupNotice)
    /// A member acknowledged posts of ours; `delivered`: those every member now holds.
    case postAcked(group: String, member: String, messageIDs: [String], delivered: [String])
    /// A post that cannot be opened yet (its roster has not come): kept, opened when it does.
    case postHeld(group: String?)
    /// Something about a mailbox to tell the user (an advert, a registration, a confirm).
    case mailboxNews(String)
    /// Our user asks for what we hold for them (we serve as their mailbox).
    case mailboxFetch(recipient: [UInt8], name: String, node: UInt32)
    /// A frame left with us for `recipient`; `heldFor` now held for them.
    case deposited(recipient: String, heldFor: Int)
    /// Not a lora-msg packet (other apps on the mesh).
    case notOurs
}

/// A group change as `tail` shows it, with the posts it let us open.
public struct GroupNotice: Equatable, Sendable {
    public var group: String
    public var text: String
    public var opened: [IncomingMessage]
}

/// A position someone shared, decoded for display. Lives in memory only.
public struct SharedLocation: Equatable, Sendable, Codable {
    public var lat: Double
    public var lon: Double
    /// Metres above sea level, if the sender had it.
    public var alt: Double?
    /// Horizontal accuracy in metres, if known.
    public var accuracy: Double?
    /// Unix seconds of the fix.
    public var fixTime: Double

    public init(lat: Double, lon: Double, alt: Double? = nil, accuracy: Double? = nil, fixTime: Double) {
        self.lat = lat; self.lon = lon; self.alt = alt; self.accuracy = accuracy; self.fixTime = fixTime
    }

    /// Great-circle distance in metres and initial bearing in degrees (0 = north) from `self`
    /// to `other`, on a sphere of the mean Earth radius: good to 0.5 % at valley scale.
    public func distanceAndBearing(to other: SharedLocation) -> (metres: Double, degrees: Double) {
        let r = 6_371_008.8
        let φ1 = lat * .pi / 180, φ2 = other.lat * .pi / 180
        let Δφ = φ2 - φ1, Δλ = (other.lon - lon) * .pi / 180
        let a = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        let d = 2 * r * atan2(a.squareRoot(), (1 - a).squareRoot())
        let y = sin(Δλ) * cos(φ2)
        let x = cos(φ1) * sin(φ2) - sin(φ1) * cos(φ2) * cos(Δλ)
        var θ = atan2(y, x) * 180 / .pi
        if θ < 0 { θ += 360 }
        return (d, θ)
    }
}

/// A contact request as `tail` shows it.
public struct ContactRequestNotice: Equatable, Sendable {
    public var displayName: String
    /// The node it came from (`!xxxxxxxx`; not authenticated).
    public var node: String?
    public var publicKey: String
    /// The safety number the two of you will see once added, to compare by voice.
    public var safetyNumber: String
    /// True when it is an answer to a request of ours that could not be added by itself
    /// (its name is taken).
    public var isAnswer: Bool
}
