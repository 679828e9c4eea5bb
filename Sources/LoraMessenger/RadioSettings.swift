import LoRaPHY
import MeshtasticWire
import RadioLink

/// Region, modem and hop limit as the radio reported them in the handshake: the one place
/// they are read, so `radio info`, the duty-cycle gate and `bench` cannot disagree.
public struct RadioSettings: Equatable, Sendable {
    /// `.unset` when the radio says UNSET (it then refuses to transmit). A radio that sent no
    /// LoRa config at all is taken as EU_868, the strictest common case, so a gap in the
    /// config never lets us over-send.
    public let region: LoRaRegion
    public let modem: LoRaModem
    /// "LongFast", …, or "custom" for explicit SF/BW/CR.
    public let presetName: String
    public let hopLimit: Int
    /// Whether the radio sent a LoRa config at all.
    public let reported: Bool

    public init(_ info: RadioInfo) {
        let lora = info.lora
        reported = lora != nil
        region = lora.map { LoRaRegion.code($0.region.rawValue) ?? .unset } ?? .eu868
        let preset = LoRaPreset(protobufValue: lora?.modemPreset.rawValue ?? 0)
        if let l = lora, !l.usePreset, l.spreadFactor >= 5, l.bandwidth > 0, l.codingRate >= 5 {
            // Custom modem settings: bandwidth is in kHz on the wire (31 means 31.25).
            let bw = l.bandwidth == 31 ? 31.25 : Double(l.bandwidth)
            modem = LoRaModem(spreadingFactor: Int(l.spreadFactor), bandwidthHz: bw * 1000, codingRateDenominator: Int(l.codingRate))
            presetName = "custom"
        } else {
            modem = preset.modem
            presetName = preset.displayName
        }
        hopLimit = Int(lora?.hopLimit ?? 3)
    }

    public init(region: LoRaRegion, modem: LoRaModem, presetName: String = "custom", hopLimit: Int = 3) {
        self.region = region; self.modem = modem; self.presetName = presetName; self.hopLimit = hopLimit
        reported = true
    }
}
