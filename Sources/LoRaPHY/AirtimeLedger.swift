/// Own transmit airtime over a sliding hour, answering "may I transmit T ms now, and if not,
/// when?". Times are seconds on any monotonic or wall clock the caller chooses; the ledger
/// does no I/O and reads no clock.
public struct AirtimeLedger: Equatable, Sendable {
    public struct Entry: Equatable, Sendable, Codable {
        public let startSeconds: Double
        public let milliseconds: Double
        public init(startSeconds: Double, milliseconds: Double) {
            self.startSeconds = startSeconds
            self.milliseconds = milliseconds
        }
    }

    public enum Decision: Equatable, Sendable {
        case now
        /// The earliest time at which the transmission fits the budget.
        case wait(untilSeconds: Double)
        /// Longer than the whole hourly budget: it never fits.
        case never
    }

    public static let windowSeconds = 3600.0
    public let region: LoRaRegion
    public private(set) var entries: [Entry] = []

    public init(region: LoRaRegion, entries: [Entry] = []) {
        self.region = region
        self.entries = entries.sorted { $0.startSeconds < $1.startSeconds }
    }

    public mutating func record(startSeconds: Double, milliseconds: Double) {
        let e = Entry(startSeconds: startSeconds, milliseconds: milliseconds)
        if let last = entries.last, last.startSeconds > startSeconds {
            let i = entries.firstIndex { $0.startSeconds > startSeconds } ?? entries.endIndex
            entries.insert(e, at: i)
        } else {
            entries.append(e)
        }
    }

    /// Drops entries that have left the window; call it now and then to bound memory.
    public mutating func prune(nowSeconds: Double) {
        entries.removeAll { $0.startSeconds <= nowSeconds - Self.windowSeconds }
    }

    public func usedMilliseconds(nowSeconds: Double) -> Double {
        entries.reduce(0) { $1.startSeconds > nowSeconds - Self.windowSeconds && $1.startSeconds <= nowSeconds ? $0 + $1.milliseconds : $0 }
    }

    /// Percent of the hour spent transmitting (the firmware's `air_util_tx`).
    public func utilizationPercent(nowSeconds: Double) -> Double {
        usedMilliseconds(nowSeconds: nowSeconds) / (Self.windowSeconds * 1000) * 100
    }

    /// Strict check, for a client that must never cause a violation: the transmission fits
    /// only if used + T stays within the budget.
    public func decide(milliseconds: Double, nowSeconds: Double) -> Decision {
        guard region.hasDutyCycle else { return .now }
        let budget = region.hourlyBudgetMilliseconds
        guard milliseconds <= budget else { return .never }
        let window = entries.filter { $0.startSeconds > nowSeconds - Self.windowSeconds && $0.startSeconds <= nowSeconds }
        var excess = window.reduce(0) { $0 + $1.milliseconds } + milliseconds - budget
        if excess <= 0 { return .now }
        // Oldest entries leave the window first; wait until enough of them have.
        for e in window {
            excess -= e.milliseconds
            if excess <= 0 { return .wait(untilSeconds: e.startSeconds + Self.windowSeconds) }
        }
        return .never   // unreachable: the whole window leaving frees the whole budget
    }

    /// The firmware's rule (`Router::send`): refuse once the hour's TX share already *exceeds*
    /// the duty cycle. A packet that starts under the limit is sent even if it ends over it.
    public func firmwareRefuses(nowSeconds: Double) -> Bool {
        region.hasDutyCycle && utilizationPercent(nowSeconds: nowSeconds) > region.dutyCyclePercent
    }

    /// Whole minutes until the firmware would send again, as its ClientNotification says.
    public func firmwareSilentMinutes(nowSeconds: Double) -> Int {
        guard firmwareRefuses(nowSeconds: nowSeconds) else { return 0 }
        let budget = region.hourlyBudgetMilliseconds
        var used = usedMilliseconds(nowSeconds: nowSeconds)
        for e in entries where e.startSeconds > nowSeconds - Self.windowSeconds && e.startSeconds <= nowSeconds {
            used -= e.milliseconds
            if used <= budget {
                return Int(((e.startSeconds + Self.windowSeconds - nowSeconds) / 60).rounded(.up))
            }
        }
        return 60
    }
}
