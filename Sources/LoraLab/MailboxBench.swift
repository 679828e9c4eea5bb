import LoraMessenger
import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import RadioLink

/// `bench mailbox`: how long a mailbox takes to hand over N held messages once their recipient
/// comes back, against the duty cycle. Three throwaway homes: a sender, a mailbox, a recipient
/// whose radio the caller switches off and on (`power`).
public struct MailboxBench: Sendable {
    public struct Sample: Codable, Equatable, Sendable {
        public var held: Int
        /// Seconds (the radios' clock) from the sender's first deposit until the mailbox held all.
        public var depositSeconds: Double
        /// From the recipient's lora-msg starting until it had every message.
        public var deliverSeconds: Double
        /// Until the mailbox held nothing more for it (every confirm taken).
        public var clearedSeconds: Double
        /// The mailbox radio's own airtime in the hand-over, and that as a share of its hourly
        /// duty-cycle budget.
        public var mailboxAirtimeSeconds: Double
        public var hourSharePercent: Double?
        public var intact: Bool
    }

    public let counts: [Int]
    public let clock: MessengerClock
    public init(counts: [Int], clock: MessengerClock) { self.counts = counts; self.clock = clock }

    public func run(sender: RadioChoice, mailbox: RadioChoice, recipient: RadioChoice, power: @escaping @Sendable (Bool) async -> Void,
                    progress: @escaping @Sendable (String) -> Void) async throws(MessengerError) -> [Sample] {
        var out: [Sample] = []
        for n in counts {
            out.append(try await once(n, sender: sender, mailbox: mailbox, recipient: recipient, power: power, progress: progress))
        }
        return out
    }

    private func waitUntil(_ seconds: Double, _ ok: () -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if ok() { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return ok()
    }

    private func once(_ n: Int, sender: RadioChoice, mailbox: RadioChoice, recipient: RadioChoice, power: @escaping @Sendable (Bool) async -> Void,
                      progress: @escaping @Sendable (String) -> Void) async throws(MessengerError) -> Sample {
        let root = BenchRun.temporaryDirectory("lora-msg-mailbox-bench-")
        defer { BenchRun.removeTemporaryDirectory(root) }
        let alice = try BenchRun.throwawayHome(root + "/alice", clock: clock)
        let ridge = try BenchRun.throwawayHome(root + "/ridge", clock: clock)
        let bob = try BenchRun.throwawayHome(root + "/bob", clock: clock)
        let ca = try await MessageCourier.connect(messenger: alice, endpoint: try sender.locate(), reconnectForSeconds: 30)
        let cr = try await MessageCourier.connect(messenger: ridge, endpoint: try mailbox.locate(), reconnectForSeconds: 30)
        var cb = try await MessageCourier.connect(messenger: bob, endpoint: try recipient.locate(), reconnectForSeconds: 30)
        ridge.serveMailbox(true)
        let aliceNode = User.nodeID(ca.radioInfo.nodeNum), ridgeNode = User.nodeID(cr.radioInfo.nodeNum), bobNode = User.nodeID(cb.radioInfo.nodeNum)
        _ = try alice.addContact(name: "bob", key: bob.identity.publicKey.base64, node: bobNode)
        _ = try bob.addContact(name: "alice", key: alice.identity.publicKey.base64, node: aliceNode)
        _ = try bob.addContact(name: "ridge", key: ridge.identity.publicKey.base64, node: ridgeNode)
        _ = try ridge.addContact(name: "bob", key: bob.identity.publicKey.base64, node: bobNode)
        // Bob registers and tells alice; then his radio goes off.
        _ = try bob.useMailbox("ridge")
        await cb.sendPendingFrames()
        let bobID = bob.identity.senderID.bytes
        guard await waitUntil(60, { (try? ridge.servesMailbox(for: bobID)) == true && (try? alice.knowsMailbox(of: bobID)) == true }) else {
            throw .deliveryFailed(reason: "the registration or the advert did not arrive", messageID: "")
        }
        await cb.close()
        await power(false)
        progress("\(n) messages: depositing")
        let t0 = clock.now
        var texts: [String] = []
        for i in 0..<n {
            let text = "held \(i + 1) of \(n): " + String(repeating: "·", count: 40)
            texts.append(text)
            let m = try alice.compose(to: "bob", text: text)
            _ = try alice.leaveWithMailbox(messageID: m.id)
        }
        await ca.sendPendingFrames()
        guard await waitUntil(600, { (try? ridge.mailboxHeldCount(for: bobID)) == n }) else {
            throw .deliveryFailed(reason: "the mailbox held \((try? ridge.mailboxHeldCount(for: bobID)) ?? 0) of \(n)", messageID: "")
        }
        let deposited = clock.now - t0
        await ca.close()
        let ridgeAirBefore = ((try? ridge.airtimeSeconds(since: 0)) ?? 0)
        progress("\(n) messages: held; the recipient comes back")
        await power(true)
        let t1 = clock.now
        bob.queueFetch(force: true)
        cb = try await MessageCourier.connect(messenger: bob, endpoint: try recipient.locate(), reconnectForSeconds: 30)
        await cb.sendPendingFrames()
        func received() -> Int { ((try? bob.receivedCount(from: alice.identity.senderID.bytes)) ?? 0) }
        let courier = cb
        var all = false
        let end = Date().addingTimeInterval(1800)
        while Date() < end {
            if received() >= n { all = true; break }
            // A fetch lost on the air: ask again (at most every 10 minutes, as a tail would).
            if clock.now - t1 > 120, bob.queueFetch(force: false) { await courier.sendPendingFrames() }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        let delivered = clock.now - t1
        let cleared = await waitUntil(600) { (try? ridge.mailboxHeldCount(for: bobID)) == 0 }
        let clearedAt = clock.now - t1
        let ridgeAir = ((try? ridge.airtimeSeconds(since: 0)) ?? 0) - ridgeAirBefore
        let shown = Set(((try? bob.history(with: "alice", limit: 10_000, markingShown: false)) ?? []).compactMap { e -> String? in
            if case .text(let t) = e.body { t } else { nil }
        })
        await cb.close(); await cr.close()
        let region = RadioSettings(cr.radioInfo).region
        return Sample(held: n, depositSeconds: deposited, deliverSeconds: all ? delivered : .infinity, clearedSeconds: cleared ? clearedAt : .infinity,
                      mailboxAirtimeSeconds: ridgeAir,
                      hourSharePercent: region.hasDutyCycle ? 100 * ridgeAir / (region.hourlyBudgetMilliseconds / 1000) : nil,
                      intact: all && shown == Set(texts))
    }
}
