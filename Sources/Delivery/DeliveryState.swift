/// Where a message stands. Outgoing: pending → queued → relayed → acked → delivered → read,
/// or failed. Incoming messages are `received`.
public enum DeliveryState: String, Sendable, Codable, CaseIterable {
    /// Stored, not yet accepted by a radio: the outbox.
    case pending
    /// The radio accepted it into its transmit queue.
    case queued
    /// A neighbour was heard repeating our packet (the firmware's implicit ACK).
    case relayed
    /// The destination radio acknowledged it.
    case acked
    /// The recipient's lora-msg stored it and said so in an authenticated receipt.
    case delivered
    /// The recipient was shown it (a read receipt; only if they turned those on).
    case read
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
        case .delivered: return 4
        case .read: return 5
        case .received: return 6
        }
    }

    /// States from which `outbox retry` resends.
    public var isRetryable: Bool { self == .pending || self == .failed }

    /// The transition table: whether a message in this state may be moved to `next` by news
    /// about it (the radio's, a receipt's). Never backwards in rank; and a message whose
    /// end-to-end resending is over (`resendingOver`) is not failed a second time by a late
    /// NAK of an old packet, whose reason would replace the one the user was given.
    public func accepts(_ next: DeliveryState, resendingOver: Bool = false) -> Bool {
        guard self != .received, next != .received else { return false }
        if next == .failed && self == .failed && resendingOver { return false }
        return rank <= next.rank
    }

    /// `rank` as an SQL expression over the text column `column`, so the store's guards are the
    /// table above and cannot drift from it.
    public static func rankSQL(column: String) -> String {
        "(CASE \(column) " + allCases.map { "WHEN '\($0.rawValue)' THEN \($0.rank)" }.joined(separator: " ") + " ELSE 99 END)"
    }

    /// `accepts` as an SQL condition on a row: `state` and the row's resending columns, with
    /// the new state as the two `?` parameters it leaves (its rank, then its name).
    public static func acceptsSQL(stateColumn: String, resendingOverSQL: String) -> String {
        "\(rankSQL(column: stateColumn)) <= ? AND NOT (? = 'failed' AND \(stateColumn) = 'failed' AND \(resendingOverSQL))"
    }
}

