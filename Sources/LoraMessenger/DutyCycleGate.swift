import LoraCrypto
import LoRaPHY
import MeshtasticWire
import MessageStore
import RadioLink

/// Keeps our own transmissions inside the region's duty cycle before the firmware has to
/// refuse them. The ledger is the store's airtime table, so it spans every lora-msg process
/// of this home, not just this one.
public struct DutyCycleGate: Sendable {
    public let settings: RadioSettings
    public var region: LoRaRegion { settings.region }
    public var modem: LoRaModem { settings.modem }

    public init(settings: RadioSettings) { self.settings = settings }

    public init(radio: RadioInfo) { settings = RadioSettings(radio) }

    /// Time on air of one transmission of `packet`. A DM may be PKI-encrypted by the firmware,
    /// which adds 12 bytes; count them, to err on the side of the law.
    public func milliseconds(for packet: MeshPacket) -> Double {
        let data = packet.decoded.map { $0.encoded().count } ?? 0
        let pki = packet.to != MeshPacket.broadcast
        return modem.timeOnAirMilliseconds(bytes: MeshtasticFrame.phyBytes(encodedData: data, pki: pki))
    }

    /// Time on air of a chunk of a long message at its largest (a 200-byte envelope as a DM),
    /// on this radio's modem.
    public var fullChunkMilliseconds: Double {
        var p = MeshPacket()
        p.to = 1
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: [UInt8](repeating: 0, count: LoraEnvelope.maxTotalBytes)))
        return milliseconds(for: p)
    }

    /// When transmissions of these lengths, sent back to back from `now`, could all be done
    /// without breaking the duty cycle (each waits for the window as `decide` would), and how
    /// long the first must wait. An estimate for an honest ETA: it assumes no loss.
    public func schedule(milliseconds: [Double], now: Double, history: [AirtimeRecord]) -> (finish: Double, firstWait: Double) {
        var ledger = AirtimeLedger(region: region, entries: history.map { .init(startSeconds: $0.startedAt, milliseconds: $0.milliseconds) })
        var t = now
        var firstWait = 0.0
        for (i, ms) in milliseconds.enumerated() {
            switch ledger.decide(milliseconds: ms, nowSeconds: t) {
            case .now: break
            case .wait(let until):
                if i == 0 { firstWait = until - now }
                t = until
            case .never: return (.infinity, .infinity)
            }
            ledger.record(startSeconds: t, milliseconds: ms)
            t += ms / 1000
        }
        return (t, firstWait)
    }

    /// Our ledger's decision, held back until `radioSilentUntil` when the radio's own count said
    /// so (its ClientNotification after a DUTY_CYCLE_LIMIT refusal): the later of the two.
    public func decide(milliseconds: Double, now: Double, history: [AirtimeRecord], radioSilentUntil: Double = 0) -> AirtimeLedger.Decision {
        let ledger = AirtimeLedger(region: region, entries: history.map { .init(startSeconds: $0.startedAt, milliseconds: $0.milliseconds) })
        let ours = ledger.decide(milliseconds: milliseconds, nowSeconds: now)
        guard radioSilentUntil > now else { return ours }
        switch ours {
        case .never: return .never
        case .wait(let t) where t >= radioSilentUntil: return ours
        case .now, .wait: return .wait(untilSeconds: radioSilentUntil)
        }
    }
}
