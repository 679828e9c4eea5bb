import Foundation

/// Where a message stands. Outgoing: pending → queued → relayed → acked, or failed.
/// Incoming messages are `received`.
public enum DeliveryState: String, Sendable, Codable, CaseIterable {
    /// Stored, not yet accepted by a radio: the outbox.
    case pending
    /// The radio accepted it into its transmit queue.
    case queued
    /// A neighbour was heard repeating our packet (the firmware's implicit ACK).
    case relayed
    /// The destination radio acknowledged it.
    case acked
    /// NAKed, refused or timed out; `outbox retry` sends it again.
    case failed
    case received

    /// The one place the order of states is defined: a state never moves to a lower rank (a
    /// late `queued` does not undo an `acked`). `failed` ranks with `queued`, so a relay or an
    /// ACK that arrives after a NAK of the same attempt still counts.
    public var rank: Int {
        switch self {
        case .pending: return 0
        case .queued, .failed: return 1
        case .relayed: return 2
        case .acked: return 3
        case .received: return 4
        }
    }

    /// States from which `outbox retry` resends.
    public var isRetryable: Bool { self == .pending || self == .failed }
}

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

    public init(
        id: String, peer: [UInt8], direction: Direction, envelope: [UInt8], senderID: [UInt8], nonce: [UInt8],
        createdAt: Double, receivedAt: Double? = nil, state: DeliveryState, failure: String? = nil,
        packetID: UInt32? = nil, toNode: UInt32? = nil, fromNode: UInt32? = nil, hops: Int? = nil,
        rssi: Int? = nil, snr: Double? = nil, channel: Int = 0, hopLimit: Int? = nil, attempts: Int = 0,
        updatedAt: Double? = nil
    ) {
        self.id = id; self.peer = peer; self.direction = direction; self.envelope = envelope
        self.senderID = senderID; self.nonce = nonce; self.createdAt = createdAt; self.receivedAt = receivedAt
        self.state = state; self.failure = failure; self.packetID = packetID; self.toNode = toNode
        self.fromNode = fromNode; self.hops = hops; self.rssi = rssi; self.snr = snr; self.channel = channel
        self.hopLimit = hopLimit; self.attempts = attempts; self.updatedAt = updatedAt ?? createdAt
    }
}

/// A person in the contact book.
public struct Contact: Equatable, Sendable {
    public var name: String
    public var publicKey: [UInt8]
    public var senderID: [UInt8]
    /// Their radio's node number: given by the user, or the first one an authenticated
    /// message of theirs came from. A mesh `from` is not authenticated, so a later, different
    /// one never replaces it (it is recorded in `otherNodes` instead).
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
