/// What a Meshtastic board draws from its battery while it listens and while it transmits,
/// for `bench energy`. Every figure is modelled from datasheets and published measurements,
/// not measured here; `sources` says where each comes from.
public struct BoardPower: Equatable, Sendable {
    public let name: String
    public let displayName: String
    /// The LoRa radio transmitting at the region's power (SX1262 at +22 dBm).
    public let radioTransmitMilliamps: Double
    /// The LoRa radio receiving. Meshtastic keeps it in receive all the time: see `sources`.
    public let radioReceiveMilliamps: Double
    /// Everything else while the node runs: processor, regulators, Bluetooth, screen off.
    public let boardMilliamps: Double
    public let batteryMilliampHours: Double
    public let batteryNote: String
    public let sources: [String]

    public var listenMilliamps: Double { radioReceiveMilliamps + boardMilliamps }
    public var transmitMilliamps: Double { radioTransmitMilliamps + boardMilliamps }

    /// SX1262 figures shared by both boards: Semtech DS_SX1261-2 rev 2.1, §3.5 (Rx boosted,
    /// LoRa 125 kHz: 5.3 mA; the firmware turns boosted gain on, NodeDB `sx126x_rx_boosted_gain
    /// = true`) and §3.6 (Tx +22 dBm, DC-DC: 118 mA).
    static let sx1262Receive = 5.3
    static let sx1262Transmit = 118.0

    public static let tEcho = BoardPower(
        name: "t-echo", displayName: "LilyGO T-Echo (nRF52840 + SX1262)",
        radioTransmitMilliamps: sx1262Transmit, radioReceiveMilliamps: sx1262Receive,
        boardMilliamps: 2.0, batteryMilliampHours: 850, batteryNote: "built-in 850 mAh (the spec's board table)",
        sources: [
            "SX1262: Semtech DS_SX1261-2 rev 2.1, Rx boosted 5.3 mA, Tx +22 dBm 118 mA.",
            "Receive never sleeps: SX126xInterface::startReceive calls RadioLib's startReceiveDutyCycleAuto(preambleLength 16, minSymbols 8); 16 − 2·8 leaves no symbol to sleep, so RadioLib falls back to continuous receive.",
            "Board 2.0 mA (nRF52840 awake between interrupts, Bluetooth advertising, regulator, e-paper static, GPS off): an assumption, fitted so that the total (7.3 mA) matches a T-Echo user's 4–5 days on Meshtastic's internal battery (meshcore-dev/MeshCore#175).",
        ])

    public static let heltecV3 = BoardPower(
        name: "heltec-v3", displayName: "Heltec WiFi LoRa 32 V3 (ESP32-S3 + SX1262)",
        radioTransmitMilliamps: sx1262Transmit, radioReceiveMilliamps: sx1262Receive,
        boardMilliamps: 41.7, batteryMilliampHours: 3000, batteryNote: "none built in: an assumed 3000 mAh 18650 on its battery connector",
        sources: [
            "SX1262: Semtech DS_SX1261-2 rev 2.1, Rx boosted 5.3 mA, Tx +22 dBm 118 mA.",
            "Board 41.7 mA: an ESP32-S3 awake (no light sleep) draws 47 mA in all with its radio listening, measured on a Heltec V3 repeater (meshcore-dev/MeshCore#1107); less the SX1262's 5.3 mA.",
        ])

    public static let all = [tEcho, heltecV3]

    public static func named(_ name: String) -> BoardPower? { all.first { $0.name == name.lowercased() } }

    /// The same board with another battery.
    public func with(batteryMilliampHours mAh: Double) -> BoardPower {
        BoardPower(name: name, displayName: displayName, radioTransmitMilliamps: radioTransmitMilliamps,
                   radioReceiveMilliamps: radioReceiveMilliamps, boardMilliamps: boardMilliamps,
                   batteryMilliampHours: mAh, batteryNote: "\(Int(mAh)) mAh (given)", sources: sources)
    }
}
