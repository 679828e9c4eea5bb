import Foundation

/// Received signal strength and SNR over a log-distance path-loss model. Good enough to decide
/// who hears whom in a simulated valley; not a propagation survey.
public struct LinkBudget: Equatable, Sendable {
    public var txPowerDBm: Double
    /// 2 is free space; 2.7–3.5 is rolling country with trees and houses in the way.
    public var pathLossExponent: Double
    public var frequencyMHz: Double
    /// Receiver noise figure of an SX126x front end.
    public var noiseFigureDB: Double = 6

    public init(txPowerDBm: Double = 20, pathLossExponent: Double = 3.5, frequencyMHz: Double = 869.525) {
        self.txPowerDBm = txPowerDBm
        self.pathLossExponent = pathLossExponent
        self.frequencyMHz = frequencyMHz
    }

    /// Free-space loss over the first metre, then 10·n·log10(d) beyond it, plus whatever a
    /// hill or a wall adds.
    public func pathLossDB(metres: Double, extraDB: Double = 0) -> Double {
        let d = max(metres, 1)
        let firstMetre = 20 * log10(frequencyMHz) - 27.55
        return firstMetre + 10 * pathLossExponent * log10(d) + extraDB
    }

    public func rssiDBm(metres: Double, extraDB: Double = 0) -> Double {
        txPowerDBm - pathLossDB(metres: metres, extraDB: extraDB)
    }

    /// Thermal noise over the channel bandwidth plus the receiver's noise figure.
    public func noiseFloorDBm(bandwidthHz: Double) -> Double {
        -174 + 10 * log10(bandwidthHz) + noiseFigureDB
    }

    public func snrDB(rssiDBm: Double, modem: LoRaModem) -> Double {
        rssiDBm - noiseFloorDBm(bandwidthHz: modem.bandwidthHz)
    }

    /// LoRa demodulates below the noise floor, down to the spreading factor's limit.
    public func canDemodulate(snrDB: Double, modem: LoRaModem) -> Bool {
        snrDB >= modem.demodulationFloorSNR
    }

    /// Co-channel capture: the stronger of two overlapping packets survives when it leads by
    /// this much; otherwise both are lost.
    public static let captureThresholdDB = 6.0
}
