import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RadioLink

/// The use case behind `tail` (and `chat`): hold the radio for this home, take in what it
/// hears, send whatever other lora-msg processes put in the outbox, and the receipts owed.
public final class Listener: Sendable {
    public let courier: MessageCourier
    public var events: AsyncStream<MessengerEvent> { courier.events }
    public var radioNodeID: String { courier.radioInfo.nodeID }
    public let endpoint: String
    private let outbox: Task<Void, Never>
    /// Without a radio (`--mqtt`): what the broker does (connected, refused, lost), as lines
    /// for a person; nil on a radio.
    public let brokerStatus: AsyncStream<String>?

    private init(courier: MessageCourier, endpoint: String, outbox: Task<Void, Never>, brokerStatus: AsyncStream<String>?) {
        self.courier = courier
        self.endpoint = endpoint
        self.outbox = outbox
        self.brokerStatus = brokerStatus
    }

    public static func start(_ messenger: Messenger, radio: RadioChoice,
                             waiting: (@Sendable (String) -> Void)? = nil) async throws(MessengerError) -> Listener {
        if radio.via == .both { throw .usage(reason: "--via both is for send; tail listens one way (--via radio or --via mqtt)") }
        switch TailPresence.claim(home: messenger.home) {
        case .claimed: break
        case .heldBy(let pid): throw .tailRunning(pid: pid ?? 0)
        case .failed(let why): throw .store(.io(why))
        }
        let endpoint: RadioEndpoint
        let courier: MessageCourier
        do {
            endpoint = try radio.locate()
            courier = try await MessageCourier.connect(messenger: messenger, endpoint: endpoint, reconnectForSeconds: .infinity, waiting: waiting)
        } catch {
            TailPresence.release(home: messenger.home)
            throw error
        }
        let store = messenger.store
        // Our mailbox may hold what came while we were away: ask it (the outbox loop sends it).
        messenger.queueFetch(force: true)
        let outbox = Task {
            // Sends what waits now, then whatever another process commits later. Four times a
            // second it stats the database and its WAL (a commit by anyone changes them); only
            // then does it ask SQLite's change counter, and read the outbox when that moved.
            var seen = -1
            var files = FileStamp(store.path)
            while !Task.isCancelled {
                let now = FileStamp(store.path)
                if seen < 0 || now != files {
                    files = now
                    if let counter = try? store.changeCounter(), counter != seen {
                        seen = counter
                        // The user's messages first, then contact frames, then receipts.
                        await courier.sendPending()
                        await courier.sendPendingFrames()
                        await courier.flushReceipts()
                    }
                }
                try? await Task.sleep(nanoseconds: 250_000_000)
            }
        }
        return Listener(courier: courier, endpoint: endpoint.description, outbox: outbox, brokerStatus: BrokerNodes.node(at: endpoint)?.statusLines)
    }

    /// Sends what waits in the outbox now: for a message this process stored itself (SQLite's
    /// change counter moves only for other connections' commits, so the watcher would not see it).
    public func sendPendingNow() async {
        await courier.sendPending()
    }

    /// The user was shown this message (tail printed it to a terminal): a read receipt is
    /// owed if they turned those on.
    public func markShown(_ messageID: String) {
        courier.messenger.markShown([messageID])
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

/// Size and modification time of a database and its -wal file: a commit by any process
/// changes at least one of them. Cheaper to compare than any query.
struct FileStamp: Equatable {
    var parts: [Int] = []

    init(_ path: String) {
        for p in [path, path + "-wal"] {
            var st = stat()
            if stat(p, &st) == 0 {
                parts += [Int(st.st_size), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec), Int(st.st_ino)]
            } else {
                parts += [-1]
            }
        }
    }
}
