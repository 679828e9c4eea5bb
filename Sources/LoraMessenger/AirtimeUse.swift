import MessageStore

extension Messenger {
    /// Seconds this home's radio spent sending lora-msg's own frames since `since` (the store
    /// keeps a day of them).
    public func transmittedSeconds(since: Double) throws(MessengerError) -> Double {
        try stored(try store.airtime(since: since)).reduce(0) { $0 + $1.milliseconds } / 1000
    }
}
