/// The LoRa modulation a radio uses: what decides how long a frame occupies the air.
/// Meshtastic always runs explicit header, CRC on, a 16-symbol preamble (sync word 0x2B).
public struct LoRaModem: Equatable, Sendable {
    public var spreadingFactor: Int
    public var bandwidthHz: Double
    /// Denominator of the coding rate 4/5…4/8, stored as 5…8 as the firmware does.
    public var codingRateDenominator: Int
    public var preambleSymbols: Int = 16

    public init(spreadingFactor: Int, bandwidthHz: Double, codingRateDenominator: Int, preambleSymbols: Int = 16) {
        self.spreadingFactor = spreadingFactor
        self.bandwidthHz = bandwidthHz
        self.codingRateDenominator = codingRateDenominator
        self.preambleSymbols = preambleSymbols
    }

    /// Symbol time in milliseconds: 2^SF / BW.
    public var symbolMilliseconds: Double { Double(1 << spreadingFactor) / bandwidthHz * 1000 }

    /// Low-data-rate optimisation, which the SX126x needs once a symbol lasts 16 ms or more.
    public var lowDataRateOptimize: Bool { symbolMilliseconds >= 16 }

    /// Semtech's time-on-air (AN1200.13), the formula the firmware uses, for a PHY payload
    /// of `bytes` (Meshtastic: 16-byte header + encrypted Data, + 12 for PKI DMs).
    public func timeOnAirMilliseconds(bytes: Int) -> Double {
        let sf = Double(spreadingFactor)
        let tsym = symbolMilliseconds
        let preamble = (Double(preambleSymbols) + 4.25) * tsym
        let de = lowDataRateOptimize ? 1.0 : 0.0
        let crc = 1.0, implicitHeader = 0.0
        let numerator = 8 * Double(bytes) - 4 * sf + 28 + 16 * crc - 20 * implicitHeader
        let blocks = (numerator / (4 * (sf - 2 * de))).rounded(.up)
        let payloadSymbols = 8 + max(blocks * Double(codingRateDenominator), 0)
        return preamble + payloadSymbols * tsym
    }

    /// RadioInterface::computeSlotTimeMsec for a sub-GHz radio: CAD of 2.5 symbols (the
    /// larger of SX127x's 2.25 and SX126x's 2 + 0.5) plus 7.6 ms of propagation, Tx/Rx turnaround
    /// and MAC processing, truncated to whole milliseconds as the firmware's uint32 does.
    public var slotMilliseconds: Double { (2.5 * symbolMilliseconds + 7.6).rounded(.down) }

    /// The contention window the firmware picks for a channel this busy: Arduino's integer
    /// `map(util, 0, 100, CWmin 3, CWmax 8)`.
    public static func contentionWindow(channelUtilizationPercent u: Double) -> Int {
        3 + Int(min(max(u, 0), 100)) * 5 / 100
    }

    /// RadioInterface::getRetransmissionMsec: how long a radio waits for the ACK of a packet of
    /// `bytes` (header included) before sending it again: twice its airtime, the slots of the
    /// widest contention a relay and the ACK's sender may each draw, and 4.5 s of processing.
    public func retransmissionMilliseconds(bytes: Int, channelUtilizationPercent: Double) -> Double {
        let cw = Self.contentionWindow(channelUtilizationPercent: channelUtilizationPercent)
        let airtime = timeOnAirMilliseconds(bytes: bytes).rounded(.down)
        let widest: Int = 1 << cw
        let middle: Int = 1 << ((8 + 3) / 2)
        let slots = Double(widest + 2 * 8 + middle)
        return 2 * airtime + slots * slotMilliseconds + 4500
    }

    /// Raw bit rate: SF · (4/CR) · BW / 2^SF.
    public var bitsPerSecond: Double {
        Double(spreadingFactor) * (4 / Double(codingRateDenominator)) * bandwidthHz / Double(1 << spreadingFactor)
    }

    /// The SNR below which this spreading factor cannot demodulate (Semtech SX1262 datasheet):
    /// SF7 −7.5 dB … SF12 −20 dB, 2.5 dB a step.
    public var demodulationFloorSNR: Double { -7.5 - 2.5 * Double(spreadingFactor - 7) }
}

/// Meshtastic's modem presets with the firmware's exact parameters (`modemPresetToParams`).
/// Raw values are the protobuf `ModemPreset` numbers, so the layers above map them 1:1.
public enum LoRaPreset: Int32, CaseIterable, Sendable {
    case longFast = 0, longSlow = 1, veryLongSlow = 2, mediumSlow = 3, mediumFast = 4
    case shortSlow = 5, shortFast = 6, longModerate = 7, shortTurbo = 8, longTurbo = 9
    // Added in 2.7/2.8: the EU_866 (LITE) and EU_N_868 (NARROW) profiles, the 2 m ham band
    // (TINY), and MEDIUM_TURBO (config.proto's numbers).
    case liteFast = 10, liteSlow = 11, narrowFast = 12, narrowSlow = 13, tinyFast = 14, tinySlow = 15, mediumTurbo = 16

    public var modem: LoRaModem {
        switch self {
        case .shortTurbo: LoRaModem(spreadingFactor: 7, bandwidthHz: 500_000, codingRateDenominator: 5)
        case .shortFast: LoRaModem(spreadingFactor: 7, bandwidthHz: 250_000, codingRateDenominator: 5)
        case .shortSlow: LoRaModem(spreadingFactor: 8, bandwidthHz: 250_000, codingRateDenominator: 5)
        case .mediumFast: LoRaModem(spreadingFactor: 9, bandwidthHz: 250_000, codingRateDenominator: 5)
        case .mediumSlow: LoRaModem(spreadingFactor: 10, bandwidthHz: 250_000, codingRateDenominator: 5)
        // The spec's "LongFast = SF10" is wrong: the firmware has used SF11 throughout 2.x.
        case .longFast: LoRaModem(spreadingFactor: 11, bandwidthHz: 250_000, codingRateDenominator: 5)
        case .longModerate: LoRaModem(spreadingFactor: 11, bandwidthHz: 125_000, codingRateDenominator: 8)
        case .longSlow: LoRaModem(spreadingFactor: 12, bandwidthHz: 125_000, codingRateDenominator: 8)
        case .veryLongSlow: LoRaModem(spreadingFactor: 12, bandwidthHz: 62_500, codingRateDenominator: 8)
        case .longTurbo: LoRaModem(spreadingFactor: 11, bandwidthHz: 500_000, codingRateDenominator: 8)
        case .mediumTurbo: LoRaModem(spreadingFactor: 9, bandwidthHz: 500_000, codingRateDenominator: 5)
        case .liteFast: LoRaModem(spreadingFactor: 9, bandwidthHz: 125_000, codingRateDenominator: 5)
        case .liteSlow: LoRaModem(spreadingFactor: 10, bandwidthHz: 125_000, codingRateDenominator: 5)
        case .narrowFast: LoRaModem(spreadingFactor: 7, bandwidthHz: 62_500, codingRateDenominator: 6)
        case .narrowSlow: LoRaModem(spreadingFactor: 8, bandwidthHz: 62_500, codingRateDenominator: 6)
        // The firmware passes 15.6 kHz (RadioLib's 15.625 kHz step) and times packets with it.
        case .tinyFast: LoRaModem(spreadingFactor: 7, bandwidthHz: 15_600, codingRateDenominator: 5)
        case .tinySlow: LoRaModem(spreadingFactor: 8, bandwidthHz: 15_600, codingRateDenominator: 6)
        }
    }

    /// Unknown values fall back to LONG_FAST, as the firmware does.
    public init(protobufValue: Int32) { self = LoRaPreset(rawValue: protobufValue) ?? .longFast }

    public var displayName: String {
        switch self {
        case .longFast: "LongFast"
        case .longSlow: "LongSlow"
        case .veryLongSlow: "VLongSlow"
        case .mediumSlow: "MediumSlow"
        case .mediumFast: "MediumFast"
        case .shortSlow: "ShortSlow"
        case .shortFast: "ShortFast"
        case .longModerate: "LongMod"
        case .shortTurbo: "ShortTurbo"
        case .longTurbo: "LongTurbo"
        case .mediumTurbo: "MediumTurbo"
        case .liteFast: "LiteFast"
        case .liteSlow: "LiteSlow"
        case .narrowFast: "NarrowFast"
        case .narrowSlow: "NarrowSlow"
        case .tinyFast: "TinyFast"
        case .tinySlow: "TinySlow"
        }
    }
}

/// The Meshtastic on-air packet header: to, from, id, flags, channel hash, next hop, relay node.
public enum MeshtasticFrame {
    public static let headerBytes = 16
    public static let maxLoRaPayload = 255
    /// Added by PKI DMs (8-byte tag + 4-byte extra nonce).
    public static let pkiOverhead = 12

    /// Bytes on the air for an encoded `Data` of `dataBytes`.
    public static func phyBytes(encodedData dataBytes: Int, pki: Bool) -> Int {
        headerBytes + dataBytes + (pki ? pkiOverhead : 0)
    }
}

extension LoRaPreset {
    /// A preset by the name users meet: the protobuf's (LONG_FAST) or the app's (LongFast).
    public static func named(_ name: String) -> LoRaPreset? {
        let key = name.uppercased().replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "-", with: "")
        let aliases: [String: LoRaPreset] = [
            "LONGFAST": .longFast, "LONGSLOW": .longSlow, "VERYLONGSLOW": .veryLongSlow, "VLONGSLOW": .veryLongSlow,
            "MEDIUMSLOW": .mediumSlow, "MEDIUMFAST": .mediumFast, "SHORTSLOW": .shortSlow, "SHORTFAST": .shortFast,
            "LONGMODERATE": .longModerate, "LONGMOD": .longModerate, "SHORTTURBO": .shortTurbo, "LONGTURBO": .longTurbo,
            "MEDIUMTURBO": .mediumTurbo, "LITEFAST": .liteFast, "LITESLOW": .liteSlow, "NARROWFAST": .narrowFast,
            "NARROWSLOW": .narrowSlow, "TINYFAST": .tinyFast, "TINYSLOW": .tinySlow,
        ]
        return aliases[key]
    }
}
