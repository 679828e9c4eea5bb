/// `MyNodeInfo`: who the attached radio is. Older firmware used other numbers for other
/// fields here; those arrive as unknown or mismatched fields and are skipped.
public struct MyNodeInfo: ProtoMessage {
    public var myNodeNum: UInt32 = 0
    public var rebootCount: UInt32 = 0
    public var minAppVersion: UInt32 = 0
    public var deviceId: [UInt8] = []
    public var pioEnv = ""
    public var firmwareEdition = FirmwareEdition(.vanilla)
    /// How many NodeInfos the handshake will carry (firmware ≥ 2.7.10).
    public var nodedbCount: UInt32 = 0
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: myNodeNum = try r.uint32(k)
        case 8: rebootCount = try r.uint32(k)
        case 11: minAppVersion = try r.uint32(k)
        case 12: deviceId = try r.bytes(k)
        case 13: pioEnv = try r.string(k)
        case 14: firmwareEdition = try r.enumValue(k)
        case 15: nodedbCount = try r.uint32(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.uint32(1, myNodeNum)
        w.uint32(8, rebootCount)
        w.uint32(11, minAppVersion)
        w.bytes(12, deviceId)
        w.string(13, pioEnv)
        w.enumValue(14, firmwareEdition)
        w.uint32(15, nodedbCount)
        w.raw(unknownFields)
    }
}

public struct NodeInfo: ProtoMessage {
    public var num: UInt32 = 0
    public var user: User?
    public var position: Position?
    public var snr: Float = 0
    public var lastHeard: UInt32 = 0
    public var deviceMetrics: DeviceMetrics?
    public var channel: UInt32 = 0
    public var viaMqtt = false
    public var hopsAway: UInt32?
    public var isFavorite = false
    public var isIgnored = false
    public var isKeyManuallyVerified = false
    public var isMuted = false
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: num = try r.uint32(k)
        case 2: user = try r.message(k)
        case 3: position = try r.message(k)
        case 4: snr = try r.float(k)
        case 5: lastHeard = try r.fixed32(k)
        case 6: deviceMetrics = try r.message(k)
        case 7: channel = try r.uint32(k)
        case 8: viaMqtt = try r.bool(k)
        case 9: hopsAway = try r.uint32(k)
        case 10: isFavorite = try r.bool(k)
        case 11: isIgnored = try r.bool(k)
        case 12: isKeyManuallyVerified = try r.bool(k)
        case 13: isMuted = try r.bool(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.uint32(1, num)
        w.message(2, user)
        w.message(3, position)
        w.float(4, snr)
        w.fixed32(5, lastHeard)
        w.message(6, deviceMetrics)
        w.uint32(7, channel)
        w.bool(8, viaMqtt)
        if let hopsAway { w.uint32(9, hopsAway, always: true) }
        w.bool(10, isFavorite)
        w.bool(11, isIgnored)
        w.bool(12, isKeyManuallyVerified)
        w.bool(13, isMuted)
        w.raw(unknownFields)
    }
}

public struct User: ProtoMessage {
    /// `"!%08x"` of the node number.
    public var id = ""
    public var longName = ""
    public var shortName = ""
    public var macaddr: [UInt8] = []
    public var hwModel = HardwareModel(.unset)
    public var isLicensed = false
    public var role = DeviceRole(.client)
    /// The radio's own X25519 key (firmware ≥ 2.5), used by Meshtastic's PKI DMs; not ours.
    public var publicKey: [UInt8] = []
    public var isUnmessagable: Bool?
    public var unknownFields: [UInt8] = []

    public init() {}

    public static func nodeID(_ num: UInt32) -> String {
        let hex = String(num, radix: 16)
        return "!" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Parses `!xxxxxxxx` (the `!` optional, 1–8 hex digits); nil for anything else.
    public static func nodeNum(_ text: String) -> UInt32? {
        let digits = text.hasPrefix("!") ? text.dropFirst() : Substring(text)
        guard (1...8).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(digits, radix: 16)
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: id = try r.string(k)
        case 2: longName = try r.string(k)
        case 3: shortName = try r.string(k)
        case 4: macaddr = try r.bytes(k)
        case 5: hwModel = try r.enumValue(k)
        case 6: isLicensed = try r.bool(k)
        case 7: role = try r.enumValue(k)
        case 8: publicKey = try r.bytes(k)
        case 9: isUnmessagable = try r.bool(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.string(1, id)
        w.string(2, longName)
        w.string(3, shortName)
        w.bytes(4, macaddr)
        w.enumValue(5, hwModel)
        w.bool(6, isLicensed)
        w.enumValue(7, role)
        w.bytes(8, publicKey)
        if let isUnmessagable { w.bool(9, isUnmessagable, always: true) }
        w.raw(unknownFields)
    }
}

/// `Position`, all fields of the basic message.
public struct Position: ProtoMessage {
    /// Degrees × 1e7.
    public var latitudeI: Int32?
    public var longitudeI: Int32?
    public var altitude: Int32?
    public var time: UInt32 = 0
    public var locationSource = LocationSource(.unset)
    public var altitudeSource = AltitudeSource(.unset)
    public var timestamp: UInt32 = 0
    public var timestampMillisAdjust: Int32 = 0
    public var altitudeHae: Int32?
    public var altitudeGeoidalSeparation: Int32?
    public var PDOP: UInt32 = 0
    public var HDOP: UInt32 = 0
    public var VDOP: UInt32 = 0
    public var gpsAccuracy: UInt32 = 0
    public var groundSpeed: UInt32?
    public var groundTrack: UInt32?
    public var fixQuality: UInt32 = 0
    public var fixType: UInt32 = 0
    public var satsInView: UInt32 = 0
    public var sensorId: UInt32 = 0
    public var nextUpdate: UInt32 = 0
    public var seqNumber: UInt32 = 0
    public var precisionBits: UInt32 = 0
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: latitudeI = try r.sfixed32(k)
        case 2: longitudeI = try r.sfixed32(k)
        case 3: altitude = try r.int32(k)
        case 4: time = try r.fixed32(k)
        case 5: locationSource = try r.enumValue(k)
        case 6: altitudeSource = try r.enumValue(k)
        case 7: timestamp = try r.fixed32(k)
        case 8: timestampMillisAdjust = try r.int32(k)
        case 9: altitudeHae = try r.sint32(k)
        case 10: altitudeGeoidalSeparation = try r.sint32(k)
        case 11: PDOP = try r.uint32(k)
        case 12: HDOP = try r.uint32(k)
        case 13: VDOP = try r.uint32(k)
        case 14: gpsAccuracy = try r.uint32(k)
        case 15: groundSpeed = try r.uint32(k)
        case 16: groundTrack = try r.uint32(k)
        case 17: fixQuality = try r.uint32(k)
        case 18: fixType = try r.uint32(k)
        case 19: satsInView = try r.uint32(k)
        case 20: sensorId = try r.uint32(k)
        case 21: nextUpdate = try r.uint32(k)
        case 22: seqNumber = try r.uint32(k)
        case 23: precisionBits = try r.uint32(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        if let latitudeI { w.sfixed32(1, latitudeI, always: true) }
        if let longitudeI { w.sfixed32(2, longitudeI, always: true) }
        if let altitude { w.int32(3, altitude, always: true) }
        w.fixed32(4, time)
        w.enumValue(5, locationSource)
        w.enumValue(6, altitudeSource)
        w.fixed32(7, timestamp)
        w.int32(8, timestampMillisAdjust)
        if let altitudeHae { w.sint32(9, altitudeHae, always: true) }
        if let altitudeGeoidalSeparation { w.sint32(10, altitudeGeoidalSeparation, always: true) }
        w.uint32(11, PDOP)
        w.uint32(12, HDOP)
        w.uint32(13, VDOP)
        w.uint32(14, gpsAccuracy)
        if let groundSpeed { w.uint32(15, groundSpeed, always: true) }
        if let groundTrack { w.uint32(16, groundTrack, always: true) }
        w.uint32(17, fixQuality)
        w.uint32(18, fixType)
        w.uint32(19, satsInView)
        w.uint32(20, sensorId)
        w.uint32(21, nextUpdate)
        w.uint32(22, seqNumber)
        w.uint32(23, precisionBits)
        w.raw(unknownFields)
    }
}

/// `telemetry.proto` DeviceMetrics; every field is `optional`.
public struct DeviceMetrics: ProtoMessage {
    /// 101 means externally powered.
    public var batteryLevel: UInt32?
    public var voltage: Float?
    /// % of airtime (RX + TX) in the last minute.
    public var channelUtilization: Float?
    /// % of own TX airtime in the last hour.
    public var airUtilTx: Float?
    public var uptimeSeconds: UInt32?
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: batteryLevel = try r.uint32(k)
        case 2: voltage = try r.float(k)
        case 3: channelUtilization = try r.float(k)
        case 4: airUtilTx = try r.float(k)
        case 5: uptimeSeconds = try r.uint32(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        if let batteryLevel { w.uint32(1, batteryLevel, always: true) }
        if let voltage { w.float(2, voltage, always: true) }
        if let channelUtilization { w.float(3, channelUtilization, always: true) }
        if let airUtilTx { w.float(4, airUtilTx, always: true) }
        if let uptimeSeconds { w.uint32(5, uptimeSeconds, always: true) }
        w.raw(unknownFields)
    }
}

public struct DeviceMetadata: ProtoMessage {
    public var firmwareVersion = ""
    public var deviceStateVersion: UInt32 = 0
    public var canShutdown = false
    public var hasWifi = false
    public var hasBluetooth = false
    public var hasEthernet = false
    public var role = DeviceRole(.client)
    public var positionFlags: UInt32 = 0
    public var hwModel = HardwareModel(.unset)
    public var hasRemoteHardware = false
    public var hasPKC = false
    public var excludedModules: UInt32 = 0
    public var unknownFields: [UInt8] = []

    public init() {}

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: firmwareVersion = try r.string(k)
        case 2: deviceStateVersion = try r.uint32(k)
        case 3: canShutdown = try r.bool(k)
        case 4: hasWifi = try r.bool(k)
        case 5: hasBluetooth = try r.bool(k)
        case 6: hasEthernet = try r.bool(k)
        case 7: role = try r.enumValue(k)
        case 8: positionFlags = try r.uint32(k)
        case 9: hwModel = try r.enumValue(k)
        case 10: hasRemoteHardware = try r.bool(k)
        case 11: hasPKC = try r.bool(k)
        case 12: excludedModules = try r.uint32(k)
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.string(1, firmwareVersion)
        w.uint32(2, deviceStateVersion)
        w.bool(3, canShutdown)
        w.bool(4, hasWifi)
        w.bool(5, hasBluetooth)
        w.bool(6, hasEthernet)
        w.enumValue(7, role)
        w.uint32(8, positionFlags)
        w.enumValue(9, hwModel)
        w.bool(10, hasRemoteHardware)
        w.bool(11, hasPKC)
        w.uint32(12, excludedModules)
        w.raw(unknownFields)
    }
}
