import LoraMessenger
import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import RadioLink
import Synchronization

/// The bench use case: two throwaway identities on two radios, paired locally, exchanging
/// numbered messages while every step is timed. Formatting is the CLI's business.
public struct BenchRun: Sendable {
    public struct Options: Sendable {
        public var count = 20
        /// Pause between one message's outcome and the next send.
        public var intervalSeconds = 2.0
        public var hopLimit: Int?
        /// Also B → A after A → B.
        public var bothWays = true
        /// Give up on a message after this long without it arriving.
        public var timeoutSeconds = 60.0
        /// Start as if this much of the last hour's airtime were already used (to watch throttling).
        public var preloadAirtimeSeconds = 0.0
        /// End-to-end resending by the sender's lora-msg (`config resend`); off sends each once.
        public var resend = true
        /// The throwaway homes' resend time to live: how long the bench waits, at most, for a
        /// message its sender still sends again.
        public var resendTTLSeconds = 3600.0
        public init() {}
    }

    public struct Sample: Codable, Equatable, Sendable {
        public var direction: String
        public var index: Int
        /// Send call → radio's QueueStatus accepted it.
        public var acceptedMs: Double?
        /// Send call → the other side's lora-msg had it authenticated and decrypted.
        public var deliveredMs: Double?
        public var hops: Int?
        public var rssi: Int?
        public var snr: Double?
        /// Final delivery state at the sender.
        public var state: String
        public var intact: Bool
        /// Seconds spent waiting for the duty cycle before sending.
        public var dutyWaitSeconds: Double
        public var airtimeMs: Double
        /// When it was handed to the radio, seconds after the run began (the bench's clock).
        public var sentAtSeconds: Double?
        /// Airtime in the sender's ledger over the hour up to then, this message included, as
        /// the duty-cycle gate counts it (preload too).
        public var hourUsedSeconds: Double?
        /// Sends by the sender's lora-msg, the first included (resends for want of a receipt).
        public var attempts: Int? = nil
    }

    public struct Summary: Codable, Equatable, Sendable {
        public var direction: String
        public var sent: Int
        public var delivered: Int
        public var deliveredPercent: Double
        public var latencyMs: Stats?
        public var acceptMs: Stats?
        public var hops: [Int: Int]
        public var rssi: Stats?
        public var snr: Stats?
        public var states: [String: Int]
        /// Sends beyond the first, and their airtime (each at the message's own airtime).
        public var resends: Int = 0
        public var resendAirtimeSeconds: Double = 0
    }

    public struct Stats: Codable, Equatable, Sendable {
        public var min: Double, median: Double, p95: Double, max: Double
        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let v = values.sorted()
            func q(_ p: Double) -> Double {
                // Nearest rank: the smallest value with at least p of the samples at or below it.
                v[Swift.max(0, Swift.min(v.count - 1, Int((p * Double(v.count)).rounded(.up)) - 1))]
            }
            min = v[0]; max = v[v.count - 1]; p95 = q(0.95)
            median = v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
        }
    }

    public struct Radio: Codable, Equatable, Sendable {
        public var role: String
        public var endpoint: String
        public var node: String
        public var hardware: String
        public var firmware: String
        public var region: String
        public var preset: String
    }

    public struct Ledger: Codable, Equatable, Sendable {
        public var region: String
        public var budgetSeconds: Double
        public var preloadSeconds: Double
        public var usedSecondsAtEnd: Double
        public var utilizationPercentAtEnd: Double
        public var totalDutyWaitSeconds: Double
        public var largestWindowSeconds: Double
    }

    public struct Result: Codable, Equatable, Sendable {
        public var radios: [Radio]
        public var samples: [Sample]
        public var summaries: [Summary]
        public var ledger: Ledger
        public var allIntact: Bool
    }

    /// What the bench says while it runs (waiting for the duty cycle, each message's outcome).
    public enum Progress: Sendable {
        case connected([Radio])
        case waiting(direction: String, index: Int, seconds: Int)
        /// One message's exchange is over (arrived or timed out); its final state comes later
        /// with `.sample`, once the leg's ACKs have had time.
        case exchanged(direction: String, index: Int, deliveredMs: Double?)
        case sample(Sample)
    }

    public let options: Options
    /// The homes' clock (scaled with virtual radios; pauses shrink to match), and its time now.
    public let clock: MessengerClock
    private func now() -> Double { clock.now }

    public init(options: Options, clock: MessengerClock = .wall) {
        self.options = options
        self.clock = clock
    }

    public func run(a choiceA: RadioChoice, b choiceB: RadioChoice, relay choiceRelay: RadioChoice?, progress: @escaping @Sendable (Progress) -> Void) async throws(MessengerError) -> Result {
        let a = try choiceA.locate(), b = try choiceB.locate()
        let relay = try choiceRelay?.locate()
        let root = Self.temporaryDirectory("lora-msg-bench-")
        defer { Self.removeTemporaryDirectory(root) }
        let (ma, mb, ca, cb) = try await Self.connectPair(root: root, a: a, b: b, clock: clock,
                                                          resend: options.resend, resendTTL: options.resendTTLSeconds)
        var radios = [Self.describe("A", a, ca.radioInfo), Self.describe("B", b, cb.radioInfo)]
        if let relay {
            // Only to report what it is; the relay radio needs no client to repeat packets.
            var o = RadioConnection.Options(); o.session.configOnly = true; o.reconnectForSeconds = 0
            if let rc = try? await RadioConnection.connect(to: relay, options: o) {
                radios.append(Self.describe("relay", relay, rc.info))
                await rc.close()
            }
        }
        progress(.connected(radios))
        let begin = now()
        // Paired locally: each knows the other's key and radio, so messages go as ACKed DMs.
        _ = try ma.addContact(name: "b", key: mb.identity.publicKey.base64, node: User.nodeID(cb.radioInfo.nodeNum))
        _ = try mb.addContact(name: "a", key: ma.identity.publicKey.base64, node: User.nodeID(ca.radioInfo.nodeNum))
        if options.preloadAirtimeSeconds > 0 {
            let now = now()
            // Spread over the last hour so it drains gradually, as real use would.
            let slices = 60
            for i in 0..<slices {
                let start = now - 3600 + Double(i + 1) * 60 - 1
                try? ma.recordForeignAirtime(AirtimeRecord(startedAt: start, milliseconds: options.preloadAirtimeSeconds * 1000 / Double(slices)))
            }
        }

        let inboxes = [Inbox(cb), Inbox(ca)]
        var samples: [Sample] = []
        let legs: [(String, Messenger, MessageCourier, String, Inbox)] =
            [("A→B", ma, ca, "b", inboxes[0])] + (options.bothWays ? [("B→A", mb, cb, "a", inboxes[1])] : [])
        for (direction, sender, courier, peer, inbox) in legs {
            var leg: [Exchange] = []
            for i in 1...options.count {
                // ACKs are not awaited between messages: the next one goes out `interval` after
                // the last arrived, as a person would send it, and ACKs overlap with it.
                leg.append(await exchange(direction: direction, index: i, sender: sender, courier: courier, peer: peer, inbox: inbox, progress: progress))
                progress(.exchanged(direction: direction, index: i, deliveredMs: leg.last?.sample.deliveredMs))
                if i < options.count || direction == "A→B" {
                    try? await Task.sleep(nanoseconds: UInt64(max(0, options.intervalSeconds) / clock.scale * 1e9))
                }
            }
            // Final states: wait (simulated time where it is scaled) for outstanding ACKs and,
            // while the sender's lora-msg still resends a message, for its receipt.
            let policy = sender.resendPolicy
            let grace = now() + (options.resend ? policy.timeToLive + 1 : min(30, options.timeoutSeconds))
            func settled(_ id: String) -> DeliveryState? {
                guard let m = try? sender.storedMessage(id: id) else { return nil }
                if m.nextAttemptAt != nil { return nil }
                if options.resend { return m.state == .delivered || m.state == .read || m.state == .failed ? m.state : nil }
                return m.state == .acked || m.state == .failed || m.state == .relayed || m.state == .delivered ? m.state : nil
            }
            // A message that arrived after its own window (a busy machine can stall a simulated
            // radio past it) still arrived: it counts, with the latency it really had.
            func collectLate() {
                for i in leg.indices where leg[i].sample.deliveredMs == nil && leg[i].messageID != nil {
                    if let got = inbox.take(leg[i].marker) { leg[i].arrived(got) }
                }
            }
            while now() < grace {
                collectLate()
                let waiting = leg.contains { $0.messageID.map { settled($0) == nil } ?? false || ($0.messageID != nil && $0.sample.deliveredMs == nil) }
                if !waiting { break }
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            collectLate()
            for e in leg {
                var sample = e.sample; let id = e.messageID
                if id != nil, e.sentAt > 0 { sample.sentAtSeconds = e.sentAt - begin }
                let row = id.flatMap { (try? sender.storedMessage(id: $0)) ?? nil }
                sample.state = row?.state.rawValue ?? "failed"
                sample.attempts = row?.roundSends
                samples.append(sample)
                progress(.sample(sample))
            }
        }
        let gate = await ca.dutyCycle
        let end = now()
        let airtime = (try? ma.airtimeRecords(since: end - AirtimeLedger.windowSeconds)) ?? []
        // Every entry that shared an hour with the run, preload included, for the violation check.
        let everything = (try? ma.airtimeRecords(since: begin - AirtimeLedger.windowSeconds)) ?? []
        let ledger = AirtimeLedger(region: gate.region, entries: airtime.map { .init(startSeconds: $0.startedAt, milliseconds: $0.milliseconds) })
        await ca.close(); await cb.close()
        for i in inboxes { i.stop() }
        let summaries = legs.map { leg in Self.summarise(leg.0, samples.filter { $0.direction == leg.0 }) }
        return Result(
            radios: radios, samples: samples, summaries: summaries,
            ledger: Ledger(region: gate.region.name, budgetSeconds: gate.region.hourlyBudgetMilliseconds / 1000,
                           preloadSeconds: options.preloadAirtimeSeconds,
                           usedSecondsAtEnd: ledger.usedMilliseconds(nowSeconds: end) / 1000,
                           utilizationPercentAtEnd: ledger.utilizationPercent(nowSeconds: end),
                           totalDutyWaitSeconds: samples.reduce(0) { $0 + $1.dutyWaitSeconds },
                           largestWindowSeconds: Self.largestWindow(everything) / 1000),
            allIntact: samples.allSatisfy(\.intact))
    }

    /// One message of a leg: its sample, and what is needed to match its arrival later.
    struct Exchange {
        var sample: Sample
        var messageID: String?
        var marker = ""
        var text = ""
        var sentAt = 0.0

        mutating func arrived(_ got: Inbox.Arrival) {
            sample.deliveredMs = (got.at - sentAt) * 1000
            sample.hops = got.message.hops; sample.rssi = got.message.rssi; sample.snr = got.message.snr
            sample.intact = got.message.text == text
        }
    }

    private func exchange(direction: String, index: Int, sender: Messenger, courier: MessageCourier, peer: String,
                          inbox: Inbox, progress: @escaping @Sendable (Progress) -> Void) async -> Exchange {
        let marker = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        let text = "bench \(direction) \(index)/\(options.count) \(marker) " + String(repeating: "·", count: 20)
        var e = Exchange(sample: Sample(direction: direction, index: index, state: "failed", intact: false, dutyWaitSeconds: 0, airtimeMs: 0),
                         messageID: nil, marker: marker, text: text)
        let m: StoredMessage
        do { m = try sender.compose(to: peer, text: text, hopLimit: options.hopLimit) } catch { return e }
        e.messageID = m.id
        let t0 = now()
        let waited = Mutex(0.0)
        do {
            try await courier.transmit(messageID: m.id, duty: .wait) { s in
                waited.withLock { $0 = max($0, Double(s)) }
                progress(.waiting(direction: direction, index: index, seconds: s))
            }
        } catch { return e }
        let tSent = now()
        e.sentAt = tSent
        e.sample.dutyWaitSeconds = waited.withLock { $0 } > 0 ? tSent - t0 : 0
        e.sample.airtimeMs = await courier.dutyCycle.milliseconds(for: sender.packet(for: m, broadcast: false))
        e.sample.hourUsedSeconds = (try? sender.airtimeRecords(since: tSent - AirtimeLedger.windowSeconds))
            .map { $0.reduce(0) { $0 + $1.milliseconds } / 1000 }
        let deadline = tSent + options.timeoutSeconds
        var accepted: Double?
        while now() < deadline {
            if accepted == nil, let s = try? sender.storedMessage(id: m.id)?.state, s != .pending { accepted = now() }
            if let got = inbox.take(marker) { e.arrived(got); break }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        e.sample.acceptedMs = accepted.map { ($0 - tSent) * 1000 }
        return e   // the state is read once the leg's ACKs have had time to come back
    }

    /// The benches' throwaway directories, so that an interrupted run (SIGINT, SIGTERM) can
    /// remove them on its way out (`removeTemporaryDirectories`).
    private static let temporaryDirectories = Mutex<Set<String>>([])

    static func temporaryDirectory(_ prefix: String) -> String {
        let path = NSTemporaryDirectory() + prefix + UUID().uuidString.prefix(8)
        temporaryDirectories.withLock { _ = $0.insert(path) }
        return path
    }

    static func removeTemporaryDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
        temporaryDirectories.withLock { _ = $0.remove(path) }
    }

    /// Removes every throwaway directory still in use; for a signal handler before exiting.
    public static func removeTemporaryDirectories() {
        for p in temporaryDirectories.withLock({ $0 }) { removeTemporaryDirectory(p) }
    }

    /// Two throwaway homes under `root`, each with a courier on its radio.
    static func connectPair(root: String, a: RadioEndpoint, b: RadioEndpoint, clock: MessengerClock, resend: Bool = true, resendTTL: Double? = nil) async throws(MessengerError) -> (Messenger, Messenger, MessageCourier, MessageCourier) {
        let ma = try throwawayHome(root + "/a", clock: clock)
        let mb = try throwawayHome(root + "/b", clock: clock)
        for m in [ma, mb] { try m.setResend(attempts: resend ? nil : 1, timeToLive: resendTTL) }
        let ca = try await MessageCourier.connect(messenger: ma, endpoint: a, reconnectForSeconds: 30)
        let cb: MessageCourier
        do { cb = try await MessageCourier.connect(messenger: mb, endpoint: b, reconnectForSeconds: 30) } catch {
            await ca.close(); throw error
        }
        return (ma, mb, ca, cb)
    }

    static func throwawayHome(_ path: String, clock: MessengerClock) throws(MessengerError) -> Messenger {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch { throw .store(.cannotOpen(path: path, reason: "\(error)")) }
        let pair: IdentityKeyPair
        do { pair = try IdentityKeyPair.generate() } catch { throw .crypto(error) }
        do { try IdentityFile.save(pair, to: path + "/" + Messenger.identityFileName, overwrite: false) } catch { throw .identity(error) }
        return try Messenger(home: path, clock: clock)
    }

    static func describe(_ role: String, _ e: RadioEndpoint, _ info: RadioInfo) -> Radio {
        let d = RadioDescription(info)
        return Radio(role: role, endpoint: e.description, node: info.nodeID,
                     hardware: info.metadata.map { "\($0.hwModel)" } ?? "?",
                     firmware: info.metadata?.firmwareVersion ?? "?", region: d.region, preset: d.preset)
    }

    static func summarise(_ direction: String, _ s: [Sample]) -> Summary {
        let delivered = s.filter { $0.deliveredMs != nil && $0.intact }
        var hops: [Int: Int] = [:]
        for d in delivered { hops[d.hops ?? -1, default: 0] += 1 }
        var states: [String: Int] = [:]
        for x in s { states[x.state, default: 0] += 1 }
        return Summary(
            direction: direction, sent: s.count, delivered: delivered.count,
            deliveredPercent: s.isEmpty ? 0 : Double(delivered.count) / Double(s.count) * 100,
            latencyMs: Stats(delivered.compactMap(\.deliveredMs)), acceptMs: Stats(s.compactMap(\.acceptedMs)),
            hops: hops, rssi: Stats(delivered.compactMap { $0.rssi.map(Double.init) }), snr: Stats(delivered.compactMap(\.snr)),
            states: states,
            resends: s.reduce(0) { $0 + max(0, ($1.attempts ?? 1) - 1) },
            resendAirtimeSeconds: s.reduce(0) { $0 + Double(max(0, ($1.attempts ?? 1) - 1)) * $1.airtimeMs } / 1000)
    }

    /// The most airtime inside any one-hour window of the ledger (each window starting at an entry).
    static func largestWindow(_ records: [AirtimeRecord]) -> Double {
        var best = 0.0
        for (i, r) in records.enumerated() {
            var sum = 0.0
            for x in records[i...] where x.startedAt < r.startedAt + AirtimeLedger.windowSeconds { sum += x.milliseconds }
            best = max(best, sum)
        }
        return best
    }
}

/// Collects what one side's courier decrypts, keyed by the bench marker in the text.
final class Inbox: Sendable {
    struct Arrival: Sendable { var message: IncomingMessage; var at: Double }
    private let items = Mutex<[String: Arrival]>([:])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(_ courier: MessageCourier) {
        let t = Task { [weak self] in
            for await e in courier.events {
                guard case .message(let m) = e else { continue }
                let parts = m.text.split(separator: " ")
                guard parts.count >= 4 else { continue }
                let at = courier.messenger.now
                self?.items.withLock { $0[String(parts[3])] = Arrival(message: m, at: at) }
            }
        }
        task.withLock { $0 = t }
    }

    func take(_ marker: String) -> Arrival? { items.withLock { $0.removeValue(forKey: marker) } }
    func stop() { task.withLock { $0?.cancel() } }
}
