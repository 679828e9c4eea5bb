/// Which receipts go now, and when to look again. A receipt waits `batchSeconds` after its
/// message arrived so one frame can cover several; the user's own messages go first; a frame
/// covers at most `maxPerReceipt` messages of one contact.
public enum ReceiptBatching {
    /// A message received whose receipt is owed.
    public struct Due: Equatable, Sendable {
        public var id: String
        public var peer: [UInt8]
        public var receivedAt: Double
        /// Owed as a read receipt (the user has seen it, and read receipts are on).
        public var read: Bool
        public init(id: String, peer: [UInt8], receivedAt: Double, read: Bool) {
            self.id = id; self.peer = peer; self.receivedAt = receivedAt; self.read = read
        }
    }

    /// One receipt frame's worth.
    public struct Batch: Equatable, Sendable {
        public var peer: [UInt8]
        public var read: Bool
        public var ids: [String]
    }

    public struct Plan: Equatable, Sendable {
        /// To send now, in this order.
        public var batches: [Batch]
        /// Seconds until the rest is worth another look (nil: nothing left).
        public var lookAgainIn: Double?
    }

    public static let batchSeconds = 2.0
    public static let maxPerReceipt = 16
    /// Receipts are owed only for messages received this recently: an old backlog is not
    /// worth the airtime.
    public static let horizonSeconds = 7 * 86_400.0
    /// No room in the duty cycle now: how long before trying again.
    public static let dutyRetrySeconds = 30.0

    /// `due` oldest first, as the store lists them.
    public static func plan(due: [Due], outboxPending: Bool, now: Double) -> Plan {
        guard !due.isEmpty else { return Plan(batches: [], lookAgainIn: nil) }
        if outboxPending { return Plan(batches: [], lookAgainIn: batchSeconds) }
        let ready = due.filter { $0.receivedAt <= now - batchSeconds }
        var groups: [(peer: [UInt8], read: Bool, ids: [String], first: Double)] = []
        for d in ready {
            if let i = groups.firstIndex(where: { $0.peer == d.peer && $0.read == d.read }) {
                groups[i].ids.append(d.id)
            } else {
                groups.append((d.peer, d.read, [d.id], d.receivedAt))
            }
        }
        var batches: [Batch] = []
        for g in groups.sorted(by: { $0.first < $1.first }) {
            for start in stride(from: 0, to: g.ids.count, by: maxPerReceipt) {
                batches.append(Batch(peer: g.peer, read: g.read, ids: Array(g.ids[start..<min(g.ids.count, start + maxPerReceipt)])))
            }
        }
        return Plan(batches: batches, lookAgainIn: ready.count < due.count ? batchSeconds : nil)
    }
}
