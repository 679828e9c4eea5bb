/// A regional band plan as the firmware's `regions[]` table has it. The spec's table is older;
/// the firmware is authoritative (e.g. JP is 920.5–923.5 MHz at 13 dBm, EU_433 is 10 dBm).
public struct LoRaRegion: Equatable, Sendable {
    /// The protobuf `RegionCode` number.
    public let code: Int32
    public let name: String
    public let startMHz: Double
    public let endMHz: Double
    /// Percent of the hour a node may transmit; 100 means no limit.
    public let dutyCyclePercent: Double
    public let powerLimitDBm: Int
    /// While the region is UNSET the firmware refuses every transmission.
    public var transmitAllowed: Bool { code != 0 }

    public var hasDutyCycle: Bool { dutyCyclePercent < 100 }

    /// Transmit budget over the sliding hour, in milliseconds (360 000 for 10 %).
    public var hourlyBudgetMilliseconds: Double { dutyCyclePercent / 100 * 3_600_000 }

    public static let unset = LoRaRegion(code: 0, name: "UNSET", startMHz: 902, endMHz: 928, dutyCyclePercent: 100, powerLimitDBm: 30)
    public static let us = LoRaRegion(code: 1, name: "US", startMHz: 902, endMHz: 928, dutyCyclePercent: 100, powerLimitDBm: 30)
    public static let eu433 = LoRaRegion(code: 2, name: "EU_433", startMHz: 433, endMHz: 434, dutyCyclePercent: 10, powerLimitDBm: 10)
    public static let eu868 = LoRaRegion(code: 3, name: "EU_868", startMHz: 869.4, endMHz: 869.65, dutyCyclePercent: 10, powerLimitDBm: 27)
    public static let cn = LoRaRegion(code: 4, name: "CN", startMHz: 470, endMHz: 510, dutyCyclePercent: 100, powerLimitDBm: 19)
    public static let jp = LoRaRegion(code: 5, name: "JP", startMHz: 920.5, endMHz: 923.5, dutyCyclePercent: 100, powerLimitDBm: 13)
    public static let anz = LoRaRegion(code: 6, name: "ANZ", startMHz: 915, endMHz: 928, dutyCyclePercent: 100, powerLimitDBm: 30)
    public static let kr = LoRaRegion(code: 7, name: "KR", startMHz: 920, endMHz: 923, dutyCyclePercent: 100, powerLimitDBm: 23)
    public static let tw = LoRaRegion(code: 8, name: "TW", startMHz: 920, endMHz: 925, dutyCyclePercent: 100, powerLimitDBm: 27)
    public static let ru = LoRaRegion(code: 9, name: "RU", startMHz: 868.7, endMHz: 869.2, dutyCyclePercent: 100, powerLimitDBm: 20)
    public static let `in` = LoRaRegion(code: 10, name: "IN", startMHz: 865, endMHz: 867, dutyCyclePercent: 100, powerLimitDBm: 30)
    public static let nz865 = LoRaRegion(code: 11, name: "NZ_865", startMHz: 864, endMHz: 868, dutyCyclePercent: 100, powerLimitDBm: 36)
    public static let th = LoRaRegion(code: 12, name: "TH", startMHz: 920, endMHz: 925, dutyCyclePercent: 10, powerLimitDBm: 27)
    public static let ua433 = LoRaRegion(code: 14, name: "UA_433", startMHz: 433, endMHz: 434.7, dutyCyclePercent: 10, powerLimitDBm: 10)
    public static let ua868 = LoRaRegion(code: 15, name: "UA_868", startMHz: 868, endMHz: 868.6, dutyCyclePercent: 1, powerLimitDBm: 14)
    public static let anz433 = LoRaRegion(code: 22, name: "ANZ_433", startMHz: 433.05, endMHz: 434.79, dutyCyclePercent: 100, powerLimitDBm: 14)

    /// RadioInterface.cpp's RDEF(EU_866, 865.6, 867.6, 2.5, 27, …): 2.5 % for a client, 10 %
    /// for a ROUTER or ROUTER_LATE (`getEffectiveDutyCycle`).
    public static let eu866 = LoRaRegion(code: 29, name: "EU_866", startMHz: 865.6, endMHz: 867.6, dutyCyclePercent: 2.5, powerLimitDBm: 27)
    /// RDEF(EU_N_868, 869.4, 869.65, 10, 27, …): the narrow (62.5 kHz) profile of the 868 band.
    public static let euN868 = LoRaRegion(code: 32, name: "EU_N_868", startMHz: 869.4, endMHz: 869.65, dutyCyclePercent: 10, powerLimitDBm: 27)

    public static let all: [LoRaRegion] = [unset, us, eu433, eu868, cn, jp, anz, kr, tw, ru, .in, nz865, th, ua433, ua868, anz433, eu866, euN868]

    /// The duty cycle the firmware applies (`getEffectiveDutyCycle`): EU_866 allows its routers
    /// 10 %, everyone else the region's own.
    public func effectiveDutyCyclePercent(isRouter: Bool) -> Double {
        code == Self.eu866.code && isRouter ? 10 : dutyCyclePercent
    }

    /// The region as a radio of this role is held to it (for its airtime ledger).
    public func forRole(isRouter: Bool) -> LoRaRegion {
        LoRaRegion(code: code, name: name, startMHz: startMHz, endMHz: endMHz,
                   dutyCyclePercent: effectiveDutyCyclePercent(isRouter: isRouter), powerLimitDBm: powerLimitDBm)
    }

    public static func named(_ name: String) -> LoRaRegion? {
        let key = String(name.uppercased().map { $0 == "-" ? "_" : $0 })
        return all.first { $0.name == key }
    }

    public static func code(_ code: Int32) -> LoRaRegion? { all.first { $0.code == code } }
}
