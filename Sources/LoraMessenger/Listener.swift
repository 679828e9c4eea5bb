import Foundation
import RadioLink

/// The use case behind `tail` (and `chat`): hold the radio for this home, take in what it
/// hears, and send whatever other lora-msg processes put in the outbox.
public final class Listener: Sendable {
    public let courier: MessageCourier
    public var events: AsyncStream<MessengerEvent> { courier.events }
    public var radioNodeID: String { courier.radioInfo.nodeID }
    public let endpoint: String
    private let outbox: Task<Void, Never>

    private init(courier: MessageCourier, endpoint: String, outbox: Task<Void, Never>) {
        self.courier = courier
        self.endpoint = endpoint
        self.outbox = outbox
    }

    public static func start(_ messenger: Messenger, radio: RadioChoice) async throws(MessengerError) -> Listener {
        if let pid = TailPresence.runningTail(home: messenger.home) { throw .tailRunning(pid: pid) }
        let endpoint = try radio.locate()
        let courier = try await MessageCourier.connect(messenger: messenger, endpoint: endpoint, reconnectForSeconds: .infinity)
        guard TailPresence.claim(home: messenger.home) else {
            await courier.close()
            throw .tailRunning(pid: TailPresence.runningTail(home: messenger.home) ?? 0)
        }
        let store = messenger.store
        let outbox = Task {
            // Sends what waits now, then whatever another process commits later: SQLite's
            // change counter is read four times a second, the outbox only when it moved.
            var seen = -1
            while !Task.isCancelled {
                if let counter = try? store.changeCounter(), counter != seen {
                    seen = counter
                    await courier.sendPending()
                }
                try? await Task.sleep(nanoseconds: 250_000_000)
            }
        }
        return Listener(courier: courier, endpoint: endpoint.description, outbox: outbox)
    }

    /// Lets go of the radio; `events` ends once the courier has closed.
    public func stop() async {
        outbox.cancel()
        await courier.close()
        let m = courier.messenger
        TailPresence.release(home: m.home)
        try? m.store.checkpoint()
    }
}
