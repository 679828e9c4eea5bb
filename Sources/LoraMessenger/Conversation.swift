import LoRaPHY
import LoraCrypto
import RadioLink

/// What `chat` shows besides the messages: read from the same store and radio the other
/// commands use, so it cannot disagree with `history` or `send`.
public struct ChatStatus: Equatable, Sendable {
    public var node: String
    public var region: String
    public var preset: String
    /// Airtime this home's radio used in the last hour, and what the region allows (nil: no limit).
    public var airtimeUsedSeconds: Double
    public var airtimeBudgetSeconds: Double?
    public var outbox: Int
}

extension Messenger {
    /// The most a chat line can hold as one frame (a long text goes with `send`).
    public static var chatLimitBytes: Int { LoraEnvelope.maxPlaintextBytes }

    public func chatStatus(radio: RadioInfo) throws(MessengerError) -> ChatStatus {
        let settings = RadioSettings(radio)
        let used: Double
        do { used = try store.airtime(since: now - AirtimeLedger.windowSeconds).reduce(0) { $0 + $1.milliseconds } / 1000 } catch {
            throw .store(error)
        }
        return ChatStatus(node: radio.nodeID, region: settings.region.name, preset: settings.presetName,
                          airtimeUsedSeconds: used,
                          airtimeBudgetSeconds: settings.region.hasDutyCycle ? settings.region.hourlyBudgetMilliseconds / 1000 : nil,
                          outbox: try outbox().count)
    }

    /// Stores a chat line for `name` in the outbox; the running listener sends it.
    public func queueChatLine(_ text: String, to name: String) throws(MessengerError) -> String {
        guard !text.isEmpty else { throw .emptyMessage }
        guard text.utf8.count <= Self.chatLimitBytes else {
            throw .crypto(.messageTooLong(bytes: text.utf8.count, limit: Self.chatLimitBytes))
        }
        return try compose(to: name, text: text).id
    }
}
