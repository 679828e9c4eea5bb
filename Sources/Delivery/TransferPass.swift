/// One pass of the long-message sender over a transfer, decided here and walked by the driver:
/// which chunks go and in what order, whether the transfer has failed instead, and for each
/// chunk whether it asks the radio for an ACK (to learn the path), how long to wait after it,
/// and what is left to do (for an honest ETA).
public struct TransferPass: Equatable, Sendable {
    /// A chunk as the store holds it.
    public struct Chunk: Equatable, Sendable {
        public var index: Int
        public var count: Int
        /// Times the radio took it so far.
        public var sends: Int
        /// The receiver said it holds it.
        public var held: Bool
        public init(index: Int, count: Int, sends: Int, held: Bool) {
            self.index = index; self.count = count; self.sends = sends; self.held = held
        }
    }

    /// Chunk indexes to send, fewest sends first (a probe or a repair spreads over the missing
    /// ones instead of wearing one out).
    public let order: [Int]
    /// Chunks the receiver already holds.
    public let confirmed: Int
    public let count: Int

    public enum Plan: Equatable, Sendable {
        case send(TransferPass)
        /// A missing chunk was sent `maxChunkSends` times: the message fails, for this reason.
        case fail(String)
    }

    public static func plan(_ chunks: [Chunk]) -> Plan {
        let todo = chunks.filter { !$0.held }.sorted { ($0.sends, $0.index) < ($1.sends, $1.index) }
        if let worn = todo.first(where: { $0.sends >= TransferPacing.maxChunkSends }) {
            return .fail("chunk \(worn.index + 1) of \(worn.count) was sent \(worn.sends) times without the receiver holding it")
        }
        return .send(TransferPass(order: todo.map(\.index), confirmed: chunks.count - todo.count, count: chunks.count))
    }

    private init(order: [Int], confirmed: Int, count: Int) {
        self.order = order; self.confirmed = confirmed; self.count = count
    }

    /// The `n`th chunk of the pass asks the radio for an ACK when the path to a known node is
    /// still unknown: the receiver's radio answers, and the header says how many relays.
    public func asksForPathACK(_ n: Int, relays: Int?, direct: Bool) -> Bool {
        n == 0 && relays == nil && direct
    }

    /// Seconds to wait after the `n`th chunk was taken before the next goes (0 after the
    /// last): the relays forward one chunk before the next meets it. An unknown path is
    /// spaced as for the longest.
    public func spacing(after n: Int, milliseconds ms: Double, relays: Int?) -> Double {
        n < order.count - 1 ? TransferPacing.chunkSpacing(milliseconds: ms, relays: relays ?? 2) : 0
    }

    /// Waits still ahead once the `n`th chunk is about to go, besides the duty cycle.
    public func pacingLeft(at n: Int, milliseconds ms: Double, relays: Int?) -> Double {
        Double(max(0, order.count - n - 1)) * (TransferPacing.chunkSpacing(milliseconds: ms, relays: relays ?? 2) + TransferPacing.queueGapSeconds)
    }

    /// When the radio will have sent what it was handed: each chunk after the one before it,
    /// with the radio's gap; the probe's wait starts then.
    public static func radioBusy(until previous: Double, now: Double, milliseconds ms: Double) -> Double {
        max(previous, now) + ms / 1000 + TransferPacing.queueGapSeconds
    }
}
