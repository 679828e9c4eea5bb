import LoRaPHY
import MeshtasticWire
import MessageStore
import RadioLink

/// Keeps our own transmissions inside the region's duty cycle before the firmware has to
/// refuse them. The ledger is the store's airtime table, so it spans every lora-msg process
/// of this home, not just this one.
public struct DutyCycleGate: Sendable {
    public let region: LoRaRegion
    public let modem: LoRaModem

    public init(region: LoRaRegion, modem: LoRaModem) {
        self.region = region
        self.modem = modem
    }

    /// Region and modem as the radio reported them in the handshake; unknown → EU_868 LongFast,
    /// the strictest common case, so a gap in the config never lets us over-send.
    public init(radio: RadioInfo) {
        let lora = radio.lora
        let region = lora.flatMap { LoRaRegion.code($0.region.rawValue) } ?? .eu868
        let modem: LoRaModem
        if let l = lora, !l.usePreset, l.spreadFactor >= 5, l.bandwidth > 0, l.codingRate >= 5 {
            // Custom modem settings: bandwidth is in kHz on the wire (31 means 31.25).
            let bw = l.bandwidth == 31 ? 31.25 : Double(l.bandwidth)
            modem = LoRaModem(spreadingFactor: Int(l.spreadFactor), bandwidthHz: bw * 1000, codingRateDenominator: Int(l.codingRate))
        } else {
            modem = LoRaPreset(protobufValue: lora?.modemPreset.rawValue ?? 0).modem
        }
        self.init(region: region == .unset ? .eu868 : region, modem: modem)
    }

    /// Time on air of one transmission of `packet`. A DM may be PKI-encrypted by the firmware,
    /// which adds 12 bytes; count them, to err on the side of the law.
    public func milliseconds(for packet: MeshPacket) -> Double {
        let data = packet.decoded.map { $0.encoded().count } ?? 0
        let pki = packet.to != MeshPacket.broadcast
        return modem.timeOnAirMilliseconds(bytes: MeshtasticFrame.phyBytes(encodedData: data, pki: pki))
    }

    public func decide(milliseconds: Double, now: Double, history: [AirtimeRecord]) -> AirtimeLedger.Decision {
        let ledger = AirtimeLedger(region: region, entries: history.map { .init(startSeconds: $0.startedAt, milliseconds: $0.milliseconds) })
        return ledger.decide(milliseconds: milliseconds, nowSeconds: now)
    }
}
