import LoraMessenger
import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import RadioLink
import Synchronization

/// One long message or file between two radios, measured: what it cost on the air against
/// the loss-free minimum, and how long it took against the duty-cycle bound. Throwaway
/// identities, as `bench run` uses.
public struct TransferBench: Sendable {
    public enum Payload: Sendable {
        case text(String)
        case file(name: String, bytes: [UInt8])

        public var isFile: Bool { if case .file = self { true } else { false } }

        var stream: TransferStream {
            switch self {
            case .text(let t): return TransferStream(type: .text, content: Array(t.utf8))
            case let .file(name, bytes): return TransferStream(type: .file, name: name, mediaType: Messenger.mediaType(of: name), content: bytes)
            }
        }
    }

    public struct Result: Codable, Equatable, Sendable {
        /// Bytes of the text or file, and of the encoded stream (deflated when that won).
        public var contentBytes: Int
        public var streamBytes: Int
        public var chunks: Int
        /// Chunk transmissions handed to the radio in all (a loss-free run sends each once).
        public var chunkSends: Int
        /// Time on air: the chunks once each (the loss-free minimum), the sender's whole
        /// ledger (chunks, repairs, probes) and the receiver's (its receipts).
        public var lossFreeAirtimeSeconds: Double
        public var senderAirtimeSeconds: Double
        public var receiverAirtimeSeconds: Double
        /// Seconds (on the messengers' clock) from the first chunk to the receiver having it
        /// all, and to the sender knowing so; nil when it did not happen within the timeout.
        public var arrivedAfterSeconds: Double?
        public var confirmedAfterSeconds: Double?
        /// The duty cycle's own lower bound on the time: the loss-free airtime while it fits in
        /// one hour's budget, else whole hours more.
        public var dutyBoundSeconds: Double
        public var intact: Bool
        /// Why the sender gave up, when it did.
        public var failure: String?

        /// Sender and receiver airtime over the loss-free minimum.
        public var airtimeRatio: Double { (senderAirtimeSeconds + receiverAirtimeSeconds) / max(lossFreeAirtimeSeconds, 1e-9) }
        /// Useful bytes delivered per second of airtime spent by both ends.
        public var goodput: Double { intact ? Double(contentBytes) / max(senderAirtimeSeconds + receiverAirtimeSeconds, 1e-9) : 0 }
    }

    public var payload: Payload
    public var timeoutSeconds: Double
    /// The homes' clock (scaled with virtual radios).
    public var clock: MessengerClock

    public init(payload: Payload, timeoutSeconds: Double, clock: MessengerClock = .wall) {
        self.payload = payload; self.timeoutSeconds = timeoutSeconds; self.clock = clock
    }

    public func run(a choiceA: RadioChoice, b choiceB: RadioChoice) async throws(MessengerError) -> Result {
        let a = try choiceA.locate(), b = try choiceB.locate()
        let root = BenchRun.temporaryDirectory("lora-msg-transfer-bench-")
        defer { BenchRun.removeTemporaryDirectory(root) }
        let (ma, mb, ca, cb) = try await BenchRun.connectPair(root: root, a: a, b: b, clock: clock)
        let arrival = ArrivalBox()
        let expected = payload
        let listener = Task {
            for await e in cb.events {
                guard case .message(let m) = e else { continue }
                let intact = (try? mb.transferStream(messageID: m.id))?.content == expected.stream.content
                let at = mb.now
                arrival.value.withLock { $0 = (at, intact) }
            }
        }
        defer { listener.cancel() }
        do {
            let result = try await measure(ma, mb, ca, cb, arrival: arrival)
            await ca.close(); await cb.close()
            return result
        } catch {
            await ca.close(); await cb.close()
            throw error
        }
    }

    private func measure(_ ma: Messenger, _ mb: Messenger, _ ca: MessageCourier, _ cb: MessageCourier,
                         arrival: ArrivalBox) async throws(MessengerError) -> Result {
        let peerA = try ma.addContact(name: "b", key: mb.identity.publicKey.base64, node: User.nodeID(cb.radioInfo.nodeNum))
        _ = try mb.addContact(name: "a", key: ma.identity.publicKey.base64, node: User.nodeID(ca.radioInfo.nodeNum))
        let stream = payload.stream
        let m = try ma.composeTransfer(stream, to: peerA, broadcast: false, channel: 0, hopLimit: nil)
        guard let transfer = m.transferID else { throw .store(.noSuchMessage(m.id)) }
        let chunks: [StoredChunk]
        chunks = try ma.outgoingChunks(to: peerA, transferID: transfer)
        let gate = await ca.dutyCycle
        var lossFree = 0.0
        for c in chunks {
            var p = ma.packet(for: m, broadcast: false)
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: c.envelope))
            p.wantAck = false
            lossFree += gate.milliseconds(for: p) / 1000
        }
        let encoded: [UInt8]
        do { encoded = try stream.encoded() } catch { throw .crypto(error) }

        let t0 = clock.now
        _ = try await ca.transmit(messageID: m.id, duty: .wait)
        var confirmed: Double?
        do {
            _ = try await ca.waitFor(messageID: m.id, goal: .delivered, timeout: timeoutSeconds)
            confirmed = clock.now - t0
        } catch {
            switch error {
            case .timedOut, .deliveryFailed: confirmed = nil
            default: throw error
            }
        }
        let got = arrival.value.withLock { $0 }
        let sent: [StoredChunk]
        sent = try ma.outgoingChunks(to: peerA, transferID: transfer)
        func airtime(_ x: Messenger) throws(MessengerError) -> Double {
            try x.airtimeSeconds(since: t0 - 1)
        }
        let budget = gate.region.hourlyBudgetMilliseconds / 1000
        let bound = gate.region.hasDutyCycle && lossFree > budget ? lossFree + (lossFree / budget).rounded(.down) * (AirtimeLedger.windowSeconds - budget) : lossFree
        return Result(
            contentBytes: stream.content.count, streamBytes: encoded.count, chunks: chunks.count,
            chunkSends: sent.reduce(0) { $0 + $1.sends }, lossFreeAirtimeSeconds: lossFree,
            senderAirtimeSeconds: try airtime(ma), receiverAirtimeSeconds: try airtime(mb),
            arrivedAfterSeconds: got.map { $0.at - t0 }, confirmedAfterSeconds: confirmed,
            dutyBoundSeconds: bound, intact: got?.intact ?? false,
            failure: (try? ma.storedMessage(id: m.id))??.failure)
    }
}

/// When the whole message reached the receiver, and whether it matched.
final class ArrivalBox: Sendable {
    let value = Mutex<(at: Double, intact: Bool)?>(nil)
}
