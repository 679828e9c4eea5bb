/// Average current and battery life of a board that transmits for a share of the time and
/// listens for the rest. The radio is never asleep (see `BoardPower.sources`), so listening is
/// the floor and every second on the air adds the difference between the two currents.
public struct EnergyEstimate: Equatable, Sendable {
    public let board: BoardPower
    /// Fraction of the time spent transmitting, 0…1.
    public let transmitShare: Double

    public init(board: BoardPower, transmitSeconds: Double, overSeconds period: Double) {
        self.board = board
        self.transmitShare = period > 0 ? min(max(transmitSeconds / period, 0), 1) : 0
    }

    /// From a daily load: `transmitSecondsPerDay` of the node's own and relayed transmissions.
    public init(board: BoardPower, transmitSecondsPerDay: Double) {
        self.init(board: board, transmitSeconds: transmitSecondsPerDay, overSeconds: 86_400)
    }

    public var averageMilliamps: Double {
        board.listenMilliamps + (board.transmitMilliamps - board.listenMilliamps) * transmitShare
    }

    /// Of the average, what the transmissions add above listening.
    public var transmitMilliamps: Double { averageMilliamps - board.listenMilliamps }

    /// Hours from a full battery, counting its whole rated capacity (a real cell gives 80–90 %
    /// of it before the firmware's low-voltage shutdown).
    public var batteryHours: Double { board.batteryMilliampHours / averageMilliamps }
}
