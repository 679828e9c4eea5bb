/// A message the resend engine follows from its first send until its receipt or failure. The
/// same fields live on the message's row, so a restarted process carries on where it stopped.
public struct TrackedMessage: Sendable, Equatable {
    public var id: String
    /// The contact's 8-byte sender id.
    public var peer: [UInt8]
    /// Sends so far, the first included.
    public var attempts: Int
    public var firstSentAt: Double
    public var lastSentAt: Double
    /// When it is sent again, or (attempts used up) when it fails for want of a receipt.
    public var nextAttemptAt: Double

    public init(id: String, peer: [UInt8], attempts: Int, firstSentAt: Double, lastSentAt: Double, nextAttemptAt: Double) {
        self.id = id; self.peer = peer; self.attempts = attempts
        self.firstSentAt = firstSentAt; self.lastSentAt = lastSentAt; self.nextAttemptAt = nextAttemptAt
    }
}
