import Delivery
import Foundation

/// Where a message stands: defined with its transition rule in the delivery engine; the store's SQL guards are made from it.
public typealias DeliveryState = Delivery.DeliveryState

public enum Direction: String, Sendable, Codable {
    case incoming = "in"
    case outgoing = "out"
}

/// One message as the store holds it: the sealed envelope and what the mesh told us about its
/// journey. The store never sees a key or a plaintext.
public struct StoredMessage: Equatable, Sendable {
    /// UUIDv4, lower-case text.
    public var id: String
    /// The contact's sender id (the peer, whichever direction).
    public var peer: [UInt8]
    public var direction: Direction
    /// The whole envelope, exactly as sent or received.
    public var envelope: [UInt8]
    /// The envelope's own sender id and nonce, the dedup key.
    public var senderID: [UInt8]
    public var nonce: [UInt8]
    /// Unix seconds.
    public var createdAt: Double
    public var receivedAt: Double?
    public var state: DeliveryState
    public var failure: String?
    public var packetID: UInt32?
    /// Destination node, nil for a broadcast.
    public var toNode: UInt32?
    public var fromNode: UInt32?
    public var hops: Int?
    public var rssi: Int?
    public var snr: Double?
    public var channel: Int
    public var hopLimit: Int?
    /// How many mesh packets carried this envelope.
    public var attempts: Int
    public var updatedAt: Double
    /// Incoming: when the user was shown it.
    public var readAt: Double?
    /// Incoming: the receipt already sent for it (0 none, 1 delivered, 2 read).
    public var receiptSent: Int
    /// A long message or file: its transfer id and number of chunks (`envelope` is chunk 0).
    public var transferID: UInt32?
    public var chunkCount: Int?
    /// A ratcheted message: its content sealed under the local storage key, which `history`
    /// opens instead of `envelope` (whose ratchet keys are erased in time).
    public var localCopy: [UInt8]?
    /// Outgoing, followed by the resend engine: the first and latest send, and when it is next
    /// due (nil: receipted, failed for good, or never sent).
    public var firstSentAt: Double?
    public var lastSentAt: Double?
    public var nextAttemptAt: Double?
    /// Sends in the resend engine's current round.
    public var roundSends: Int
    /// An outgoing transfer: probes in a row its receiver did not answer.
    public var silentProbes: Int

    public init(
        id: String, peer: [UInt8], direction: Direction, envelope: [UInt8], senderID: [UInt8], nonce: [UInt8],
        createdAt: Double, receivedAt: Double? = nil, state: DeliveryState, failure: String? = nil,
        packetID: UInt32? = nil, toNode: UInt32? = nil, fromNode: UInt32? = nil, hops: Int? = nil,
        rssi: Int? = nil, snr: Double? = nil, channel: Int = 0, hopLimit: Int? = nil, attempts: Int = 0,
        updatedAt: Double? = nil, readAt: Double? = nil, receiptSent: Int = 0, transferID: UInt32? = nil, chunkCount: Int? = nil,
        localCopy: [UInt8]? = nil, firstSentAt: Double? = nil, lastSentAt: Double? = nil, nextAttemptAt: Double? = nil, roundSends: Int = 0, silentProbes: Int = 0
    ) {
        self.id = id; self.peer = peer; self.direction = direction; self.envelope = envelope
        self.senderID = senderID; self.nonce = nonce; self.createdAt = createdAt; self.receivedAt = receivedAt
        self.state = state; self.failure = failure; self.packetID = packetID; self.toNode = toNode
        self.fromNode = fromNode; self.hops = hops; self.rssi = rssi; self.snr = snr; self.channel = channel
        self.hopLimit = hopLimit; self.attempts = attempts; self.updatedAt = updatedAt ?? createdAt
        self.readAt = readAt; self.receiptSent = receiptSent
        self.transferID = transferID; self.chunkCount = chunkCount; self.localCopy = localCopy
        self.firstSentAt = firstSentAt; self.lastSentAt = lastSentAt; self.nextAttemptAt = nextAttemptAt
        self.roundSends = roundSends
        self.silentProbes = silentProbes
    }
}

/// A person in the contact book.
public struct Contact: Equatable, Sendable {
    public var name: String
    public var publicKey: [UInt8]
    public var senderID: [UInt8]
    /// Their radio's node number: given by the user, or the one their own authenticated
    /// receipt or accept names. A mesh `from` is not authenticated, so it never sets this (it
    /// is recorded in `otherNodes` instead).
    public var node: UInt32?
    /// True when the node was given by the user.
    public var nodeGiven: Bool
    public var addedAt: Double
    public var verifiedAt: Double?
    public var lastHeardAt: Double?

    public init(name: String, publicKey: [UInt8], senderID: [UInt8], node: UInt32? = nil, nodeGiven: Bool = false,
                addedAt: Double, verifiedAt: Double? = nil, lastHeardAt: Double? = nil) {
        self.name = name; self.publicKey = publicKey; self.senderID = senderID; self.node = node
        self.nodeGiven = nodeGiven; self.addedAt = addedAt; self.verifiedAt = verifiedAt; self.lastHeardAt = lastHeardAt
    }
}

/// A node other than the contact's own that one of their authenticated envelopes arrived
/// from (a relay that re-sent it, or someone replaying it).
public struct NodeSighting: Equatable, Sendable {
    public var node: UInt32
    public var firstSeen: Double
    public var lastSeen: Double
    public var count: Int
    public init(node: UInt32, firstSeen: Double, lastSeen: Double, count: Int) {
        self.node = node; self.firstSeen = firstSeen; self.lastSeen = lastSeen; self.count = count
    }
}

/// One transmission's time on air, for the duty-cycle ledger that outlives a process.
public struct AirtimeRecord: Equatable, Sendable {
    public var startedAt: Double
    public var milliseconds: Double
    public init(startedAt: Double, milliseconds: Double) { self.startedAt = startedAt; self.milliseconds = milliseconds }
}

/// A contact request heard on the air (or an answer to ours that could not be added by
/// itself), waiting for the user to accept or reject it.
public struct ContactRequestRecord: Equatable, Sendable {
    public var publicKey: [UInt8]
    public var displayName: String
    /// The mesh `from` it came in (not authenticated, except for an answer).
    public var node: UInt32?
    public var isAnswer: Bool
    public var receivedAt: Double
    public var count: Int
    public init(publicKey: [UInt8], displayName: String, node: UInt32?, isAnswer: Bool, receivedAt: Double, count: Int = 1) {
        self.publicKey = publicKey; self.displayName = displayName; self.node = node
        self.isAnswer = isAnswer; self.receivedAt = receivedAt; self.count = count
    }
}

/// What became of a contact request offered to the store.
public enum RequestAdmission: Equatable, Sendable {
    case new
    /// The same key asked again; its name, node and time were refreshed.
    case repeated
    /// Not kept: too many pending, or too many new ones this hour.
    case dropped(String)
}

/// A frame waiting in `frame_outbox` for the process that holds the radio.
public struct OutgoingFrame: Equatable, Sendable {
    public var id: String
    public var frame: [UInt8]
    /// nil: broadcast.
    public var toNode: UInt32?
    public var createdAt: Double
    public var sentAt: Double?
    public var packetID: UInt32?
    public init(id: String, frame: [UInt8], toNode: UInt32?, createdAt: Double, sentAt: Double? = nil, packetID: UInt32? = nil) {
        self.id = id; self.frame = frame; self.toNode = toNode; self.createdAt = createdAt; self.sentAt = sentAt; self.packetID = packetID
    }
}

/// One chunk of a transfer, as stored: its own sealed envelope.
public struct StoredChunk: Equatable, Sendable {
    public var peer: [UInt8]
    public var direction: Direction
    public var transferID: UInt32
    public var index: Int
    public var count: Int
    public var envelope: [UInt8]
    public var nonce: [UInt8]
    public var held: Bool
    public var sends: Int
    /// Outgoing: when it was stored; incoming: when it arrived.
    public var at: Double
    public init(peer: [UInt8], direction: Direction, transferID: UInt32, index: Int, count: Int, envelope: [UInt8], nonce: [UInt8],
                held: Bool = false, sends: Int = 0, at: Double) {
        self.peer = peer; self.direction = direction; self.transferID = transferID; self.index = index; self.count = count
        self.envelope = envelope; self.nonce = nonce; self.held = held; self.sends = sends; self.at = at
    }
}

/// What became of an incoming chunk offered to the store.
public enum ChunkAdmission: Equatable, Sendable {
    /// Stored; `have` of `count` chunks of this transfer are now held.
    case stored(have: Int, count: Int)
    /// Already held (a retry or a relayed copy).
    case duplicate(have: Int, count: Int)
    /// The transfer was already completed and stored as a message.
    case alreadyComplete(messageID: String)
    /// Refused: the sentence says which limit.
    case refused(String)
}

/// One contact's ratchet as stored: the state is opaque bytes to the store (a RatchetState
/// in JSON, made and read by the messenger).
public struct RatchetRecord: Equatable, Sendable {
    public var peer: [UInt8]
    public var state: [UInt8]
    public var capable: Bool
    public var offeredAt: Double?
    public var offers: Int
    public var updatedAt: Double
    public init(peer: [UInt8], state: [UInt8], capable: Bool, offeredAt: Double? = nil, offers: Int = 0, updatedAt: Double) {
        self.peer = peer; self.state = state; self.capable = capable; self.offeredAt = offeredAt; self.offers = offers
        self.updatedAt = updatedAt
    }
}
