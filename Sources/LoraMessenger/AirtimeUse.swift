import MessageStore

extension Messenger {
    /// Seconds this home's radio spent sending lora-msg's own frames since `since` (the store
    /// keeps a day of them), and when the earliest of them started.
    public func transmittedSeconds(since: Double) throws(MessengerError) -> (seconds: Double, earliest: Double?) {
        let records: [AirtimeRecord]
        do { records = try store.airtime(since: since) } catch { throw .store(error) }
        return (records.reduce(0) { $0 + $1.milliseconds } / 1000, records.map(\.startedAt).min())
    }
}
