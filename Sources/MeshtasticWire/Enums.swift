// Open enums: a value this build has no name for still decodes and re-encodes unchanged.
// Values from meshtastic/protobufs (meshtastic/protobufs mesh.proto, portnums.proto, config.proto).

/// Which application a `Data.payload` belongs to. lora-msg's envelopes travel on `privateApp` (256).
public struct PortNum: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unknownApp = PortNum(rawValue: 0)
    public static let textMessageApp = PortNum(rawValue: 1)
    public static let remoteHardwareApp = PortNum(rawValue: 2)
    public static let positionApp = PortNum(rawValue: 3)
    public static let nodeinfoApp = PortNum(rawValue: 4)
    public static let routingApp = PortNum(rawValue: 5)
    public static let adminApp = PortNum(rawValue: 6)
    public static let textMessageCompressedApp = PortNum(rawValue: 7)
    public static let waypointApp = PortNum(rawValue: 8)
    public static let audioApp = PortNum(rawValue: 9)
    public static let detectionSensorApp = PortNum(rawValue: 10)
    public static let alertApp = PortNum(rawValue: 11)
    public static let keyVerificationApp = PortNum(rawValue: 12)
    public static let replyApp = PortNum(rawValue: 32)
    public static let ipTunnelApp = PortNum(rawValue: 33)
    public static let paxcounterApp = PortNum(rawValue: 34)
    public static let serialApp = PortNum(rawValue: 64)
    public static let storeForwardApp = PortNum(rawValue: 65)
    public static let rangeTestApp = PortNum(rawValue: 66)
    public static let telemetryApp = PortNum(rawValue: 67)
    public static let zpsApp = PortNum(rawValue: 68)
    public static let simulatorApp = PortNum(rawValue: 69)
    public static let tracerouteApp = PortNum(rawValue: 70)
    public static let neighborinfoApp = PortNum(rawValue: 71)
    public static let atakPlugin = PortNum(rawValue: 72)
    public static let mapReportApp = PortNum(rawValue: 73)
    public static let privateApp = PortNum(rawValue: 256)
    public static let atakForwarder = PortNum(rawValue: 257)
    public static let max = PortNum(rawValue: 511)
    public var description: String {
        switch rawValue {
        case 0: return "unknownApp"
        case 1: return "textMessageApp"
        case 2: return "remoteHardwareApp"
        case 3: return "positionApp"
        case 4: return "nodeinfoApp"
        case 5: return "routingApp"
        case 6: return "adminApp"
        case 7: return "textMessageCompressedApp"
        case 8: return "waypointApp"
        case 9: return "audioApp"
        case 10: return "detectionSensorApp"
        case 11: return "alertApp"
        case 12: return "keyVerificationApp"
        case 32: return "replyApp"
        case 33: return "ipTunnelApp"
        case 34: return "paxcounterApp"
        case 64: return "serialApp"
        case 65: return "storeForwardApp"
        case 66: return "rangeTestApp"
        case 67: return "telemetryApp"
        case 68: return "zpsApp"
        case 69: return "simulatorApp"
        case 70: return "tracerouteApp"
        case 71: return "neighborinfoApp"
        case 72: return "atakPlugin"
        case 73: return "mapReportApp"
        case 256: return "privateApp"
        case 257: return "atakForwarder"
        case 511: return "max"
        default: return "\(rawValue)"
        }
    }
}

/// `Routing.error_reason`. `none` is an ACK; everything else is a NAK.
public struct RoutingError: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let none = RoutingError(rawValue: 0)
    public static let noRoute = RoutingError(rawValue: 1)
    public static let gotNak = RoutingError(rawValue: 2)
    public static let timeout = RoutingError(rawValue: 3)
    public static let noInterface = RoutingError(rawValue: 4)
    public static let maxRetransmit = RoutingError(rawValue: 5)
    public static let noChannel = RoutingError(rawValue: 6)
    public static let tooLarge = RoutingError(rawValue: 7)
    public static let noResponse = RoutingError(rawValue: 8)
    public static let dutyCycleLimit = RoutingError(rawValue: 9)
    public static let badRequest = RoutingError(rawValue: 32)
    public static let notAuthorized = RoutingError(rawValue: 33)
    public static let pkiFailed = RoutingError(rawValue: 34)
    public static let pkiUnknownPubkey = RoutingError(rawValue: 35)
    public static let adminBadSessionKey = RoutingError(rawValue: 36)
    public static let adminPublicKeyUnauthorized = RoutingError(rawValue: 37)
    public static let rateLimitExceeded = RoutingError(rawValue: 38)
    public static let pkiSendFailPublicKey = RoutingError(rawValue: 39)
    public var description: String {
        switch rawValue {
        case 0: return "none"
        case 1: return "noRoute"
        case 2: return "gotNak"
        case 3: return "timeout"
        case 4: return "noInterface"
        case 5: return "maxRetransmit"
        case 6: return "noChannel"
        case 7: return "tooLarge"
        case 8: return "noResponse"
        case 9: return "dutyCycleLimit"
        case 32: return "badRequest"
        case 33: return "notAuthorized"
        case 34: return "pkiFailed"
        case 35: return "pkiUnknownPubkey"
        case 36: return "adminBadSessionKey"
        case 37: return "adminPublicKeyUnauthorized"
        case 38: return "rateLimitExceeded"
        case 39: return "pkiSendFailPublicKey"
        default: return "\(rawValue)"
        }
    }
}

/// `MeshPacket.priority`: local queueing only, never sent over the air.
public struct PacketPriority: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unset = PacketPriority(rawValue: 0)
    public static let min = PacketPriority(rawValue: 1)
    public static let background = PacketPriority(rawValue: 10)
    public static let `default` = PacketPriority(rawValue: 64)
    public static let reliable = PacketPriority(rawValue: 70)
    public static let response = PacketPriority(rawValue: 80)
    public static let high = PacketPriority(rawValue: 100)
    public static let alert = PacketPriority(rawValue: 110)
    public static let ack = PacketPriority(rawValue: 120)
    public static let max = PacketPriority(rawValue: 127)
    public var description: String {
        switch rawValue {
        case 0: return "unset"
        case 1: return "min"
        case 10: return "background"
        case 64: return "default"
        case 70: return "reliable"
        case 80: return "response"
        case 100: return "high"
        case 110: return "alert"
        case 120: return "ack"
        case 127: return "max"
        default: return "\(rawValue)"
        }
    }
}

/// `MeshPacket.delayed` (deprecated).
public struct PacketDelayed: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let noDelay = PacketDelayed(rawValue: 0)
    public static let delayedBroadcast = PacketDelayed(rawValue: 1)
    public static let delayedDirect = PacketDelayed(rawValue: 2)
    public var description: String {
        switch rawValue {
        case 0: return "noDelay"
        case 1: return "delayedBroadcast"
        case 2: return "delayedDirect"
        default: return "\(rawValue)"
        }
    }
}

/// `MeshPacket.transport_mechanism`.
public struct TransportMechanism: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let `internal` = TransportMechanism(rawValue: 0)
    public static let lora = TransportMechanism(rawValue: 1)
    public static let loraAlt1 = TransportMechanism(rawValue: 2)
    public static let loraAlt2 = TransportMechanism(rawValue: 3)
    public static let loraAlt3 = TransportMechanism(rawValue: 4)
    public static let mqtt = TransportMechanism(rawValue: 5)
    public static let multicastUDP = TransportMechanism(rawValue: 6)
    public static let api = TransportMechanism(rawValue: 7)
    public static let unicastUDP = TransportMechanism(rawValue: 8)
    public var description: String {
        switch rawValue {
        case 0: return "internal"
        case 1: return "lora"
        case 2: return "loraAlt1"
        case 3: return "loraAlt2"
        case 4: return "loraAlt3"
        case 5: return "mqtt"
        case 6: return "multicastUDP"
        case 7: return "api"
        case 8: return "unicastUDP"
        default: return "\(rawValue)"
        }
    }
}

/// `User.hw_model` / `DeviceMetadata.hw_model` (a few common boards named).
public struct HardwareModel: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unset = HardwareModel(rawValue: 0)
    public static let tbeam = HardwareModel(rawValue: 4)
    public static let tEcho = HardwareModel(rawValue: 7)
    public static let rak4631 = HardwareModel(rawValue: 9)
    public static let stationG2 = HardwareModel(rawValue: 31)
    public static let portduino = HardwareModel(rawValue: 37)
    public static let heltecV3 = HardwareModel(rawValue: 43)
    public static let rpiPico = HardwareModel(rawValue: 47)
    public static let heltecWirelessTracker = HardwareModel(rawValue: 48)
    public static let tDeck = HardwareModel(rawValue: 50)
    public static let heltecMeshNodeT114 = HardwareModel(rawValue: 69)
    public static let trackerT1000E = HardwareModel(rawValue: 71)
    public static let seeedXiaoS3 = HardwareModel(rawValue: 81)
    public static let heltecV4 = HardwareModel(rawValue: 110)
    public static let privateHW = HardwareModel(rawValue: 255)
    public var description: String {
        switch rawValue {
        case 0: return "unset"
        case 4: return "tbeam"
        case 7: return "tEcho"
        case 9: return "rak4631"
        case 31: return "stationG2"
        case 37: return "portduino"
        case 43: return "heltecV3"
        case 47: return "rpiPico"
        case 48: return "heltecWirelessTracker"
        case 50: return "tDeck"
        case 69: return "heltecMeshNodeT114"
        case 71: return "trackerT1000E"
        case 81: return "seeedXiaoS3"
        case 110: return "heltecV4"
        case 255: return "privateHW"
        default: return "\(rawValue)"
        }
    }
}

/// `Config.DeviceConfig.Role`.
public struct DeviceRole: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let client = DeviceRole(rawValue: 0)
    public static let clientMute = DeviceRole(rawValue: 1)
    public static let router = DeviceRole(rawValue: 2)
    public static let routerClient = DeviceRole(rawValue: 3)
    public static let repeater = DeviceRole(rawValue: 4)
    public static let tracker = DeviceRole(rawValue: 5)
    public static let sensor = DeviceRole(rawValue: 6)
    public static let tak = DeviceRole(rawValue: 7)
    public static let clientHidden = DeviceRole(rawValue: 8)
    public static let lostAndFound = DeviceRole(rawValue: 9)
    public static let takTracker = DeviceRole(rawValue: 10)
    public static let routerLate = DeviceRole(rawValue: 11)
    public static let clientBase = DeviceRole(rawValue: 12)
    public var description: String {
        switch rawValue {
        case 0: return "client"
        case 1: return "clientMute"
        case 2: return "router"
        case 3: return "routerClient"
        case 4: return "repeater"
        case 5: return "tracker"
        case 6: return "sensor"
        case 7: return "tak"
        case 8: return "clientHidden"
        case 9: return "lostAndFound"
        case 10: return "takTracker"
        case 11: return "routerLate"
        case 12: return "clientBase"
        default: return "\(rawValue)"
        }
    }
}

/// `Config.DeviceConfig.RebroadcastMode`.
public struct RebroadcastMode: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let all = RebroadcastMode(rawValue: 0)
    public static let allSkipDecoding = RebroadcastMode(rawValue: 1)
    public static let localOnly = RebroadcastMode(rawValue: 2)
    public static let knownOnly = RebroadcastMode(rawValue: 3)
    public static let none = RebroadcastMode(rawValue: 4)
    public static let corePortnumsOnly = RebroadcastMode(rawValue: 5)
    public var description: String {
        switch rawValue {
        case 0: return "all"
        case 1: return "allSkipDecoding"
        case 2: return "localOnly"
        case 3: return "knownOnly"
        case 4: return "none"
        case 5: return "corePortnumsOnly"
        default: return "\(rawValue)"
        }
    }
}

/// `Config.DeviceConfig.BuzzerMode`.
public struct BuzzerMode: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let allEnabled = BuzzerMode(rawValue: 0)
    public static let disabled = BuzzerMode(rawValue: 1)
    public static let notificationsOnly = BuzzerMode(rawValue: 2)
    public static let systemOnly = BuzzerMode(rawValue: 3)
    public static let directMsgOnly = BuzzerMode(rawValue: 4)
    public var description: String {
        switch rawValue {
        case 0: return "allEnabled"
        case 1: return "disabled"
        case 2: return "notificationsOnly"
        case 3: return "systemOnly"
        case 4: return "directMsgOnly"
        default: return "\(rawValue)"
        }
    }
}

/// `Config.LoRaConfig.RegionCode`.
public struct RegionCode: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unset = RegionCode(rawValue: 0)
    public static let us = RegionCode(rawValue: 1)
    public static let eu433 = RegionCode(rawValue: 2)
    public static let eu868 = RegionCode(rawValue: 3)
    public static let cn = RegionCode(rawValue: 4)
    public static let jp = RegionCode(rawValue: 5)
    public static let anz = RegionCode(rawValue: 6)
    public static let kr = RegionCode(rawValue: 7)
    public static let tw = RegionCode(rawValue: 8)
    public static let ru = RegionCode(rawValue: 9)
    public static let `in` = RegionCode(rawValue: 10)
    public static let nz865 = RegionCode(rawValue: 11)
    public static let th = RegionCode(rawValue: 12)
    public static let lora24 = RegionCode(rawValue: 13)
    public static let ua433 = RegionCode(rawValue: 14)
    public static let ua868 = RegionCode(rawValue: 15)
    public static let my433 = RegionCode(rawValue: 16)
    public static let my919 = RegionCode(rawValue: 17)
    public static let sg923 = RegionCode(rawValue: 18)
    public static let ph433 = RegionCode(rawValue: 19)
    public static let ph868 = RegionCode(rawValue: 20)
    public static let ph915 = RegionCode(rawValue: 21)
    public static let anz433 = RegionCode(rawValue: 22)
    public static let kz433 = RegionCode(rawValue: 23)
    public static let kz863 = RegionCode(rawValue: 24)
    public static let np865 = RegionCode(rawValue: 25)
    public static let br902 = RegionCode(rawValue: 26)
    public var description: String {
        switch rawValue {
        case 0: return "unset"
        case 1: return "us"
        case 2: return "eu433"
        case 3: return "eu868"
        case 4: return "cn"
        case 5: return "jp"
        case 6: return "anz"
        case 7: return "kr"
        case 8: return "tw"
        case 9: return "ru"
        case 10: return "in"
        case 11: return "nz865"
        case 12: return "th"
        case 13: return "lora24"
        case 14: return "ua433"
        case 15: return "ua868"
        case 16: return "my433"
        case 17: return "my919"
        case 18: return "sg923"
        case 19: return "ph433"
        case 20: return "ph868"
        case 21: return "ph915"
        case 22: return "anz433"
        case 23: return "kz433"
        case 24: return "kz863"
        case 25: return "np865"
        case 26: return "br902"
        default: return "\(rawValue)"
        }
    }
}

/// `Config.LoRaConfig.ModemPreset`.
public struct ModemPreset: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let longFast = ModemPreset(rawValue: 0)
    public static let longSlow = ModemPreset(rawValue: 1)
    public static let veryLongSlow = ModemPreset(rawValue: 2)
    public static let mediumSlow = ModemPreset(rawValue: 3)
    public static let mediumFast = ModemPreset(rawValue: 4)
    public static let shortSlow = ModemPreset(rawValue: 5)
    public static let shortFast = ModemPreset(rawValue: 6)
    public static let longModerate = ModemPreset(rawValue: 7)
    public static let shortTurbo = ModemPreset(rawValue: 8)
    public static let longTurbo = ModemPreset(rawValue: 9)
    public var description: String {
        switch rawValue {
        case 0: return "longFast"
        case 1: return "longSlow"
        case 2: return "veryLongSlow"
        case 3: return "mediumSlow"
        case 4: return "mediumFast"
        case 5: return "shortSlow"
        case 6: return "shortFast"
        case 7: return "longModerate"
        case 8: return "shortTurbo"
        case 9: return "longTurbo"
        default: return "\(rawValue)"
        }
    }
}

/// `Config.LoRaConfig.FEM_LNA_Mode`.
public struct FemLnaMode: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let disabled = FemLnaMode(rawValue: 0)
    public static let enabled = FemLnaMode(rawValue: 1)
    public static let notPresent = FemLnaMode(rawValue: 2)
    public var description: String {
        switch rawValue {
        case 0: return "disabled"
        case 1: return "enabled"
        case 2: return "notPresent"
        default: return "\(rawValue)"
        }
    }
}

/// `Channel.Role`.
public struct ChannelRole: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let disabled = ChannelRole(rawValue: 0)
    public static let primary = ChannelRole(rawValue: 1)
    public static let secondary = ChannelRole(rawValue: 2)
    public var description: String {
        switch rawValue {
        case 0: return "disabled"
        case 1: return "primary"
        case 2: return "secondary"
        default: return "\(rawValue)"
        }
    }
}

/// `LogRecord.Level`, also used by `ClientNotification.level`.
public struct LogLevel: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unset = LogLevel(rawValue: 0)
    public static let trace = LogLevel(rawValue: 5)
    public static let debug = LogLevel(rawValue: 10)
    public static let info = LogLevel(rawValue: 20)
    public static let warning = LogLevel(rawValue: 30)
    public static let error = LogLevel(rawValue: 40)
    public static let critical = LogLevel(rawValue: 50)
    public var description: String {
        switch rawValue {
        case 0: return "unset"
        case 5: return "trace"
        case 10: return "debug"
        case 20: return "info"
        case 30: return "warning"
        case 40: return "error"
        case 50: return "critical"
        default: return "\(rawValue)"
        }
    }
}

/// `AdminMessage.ConfigType`: a Config variant's field number minus one.
public struct ConfigType: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let deviceConfig = ConfigType(rawValue: 0)
    public static let positionConfig = ConfigType(rawValue: 1)
    public static let powerConfig = ConfigType(rawValue: 2)
    public static let networkConfig = ConfigType(rawValue: 3)
    public static let displayConfig = ConfigType(rawValue: 4)
    public static let loraConfig = ConfigType(rawValue: 5)
    public static let bluetoothConfig = ConfigType(rawValue: 6)
    public static let securityConfig = ConfigType(rawValue: 7)
    public static let sessionkeyConfig = ConfigType(rawValue: 8)
    public static let deviceuiConfig = ConfigType(rawValue: 9)
    public var description: String {
        switch rawValue {
        case 0: return "deviceConfig"
        case 1: return "positionConfig"
        case 2: return "powerConfig"
        case 3: return "networkConfig"
        case 4: return "displayConfig"
        case 5: return "loraConfig"
        case 6: return "bluetoothConfig"
        case 7: return "securityConfig"
        case 8: return "sessionkeyConfig"
        case 9: return "deviceuiConfig"
        default: return "\(rawValue)"
        }
    }
}

/// `AdminMessage.ModuleConfigType`.
public struct ModuleConfigType: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let mqttConfig = ModuleConfigType(rawValue: 0)
    public static let serialConfig = ModuleConfigType(rawValue: 1)
    public static let extnotifConfig = ModuleConfigType(rawValue: 2)
    public static let storeforwardConfig = ModuleConfigType(rawValue: 3)
    public static let rangetestConfig = ModuleConfigType(rawValue: 4)
    public static let telemetryConfig = ModuleConfigType(rawValue: 5)
    public static let cannedmsgConfig = ModuleConfigType(rawValue: 6)
    public static let audioConfig = ModuleConfigType(rawValue: 7)
    public static let remotehardwareConfig = ModuleConfigType(rawValue: 8)
    public static let neighborinfoConfig = ModuleConfigType(rawValue: 9)
    public static let ambientlightingConfig = ModuleConfigType(rawValue: 10)
    public static let detectionsensorConfig = ModuleConfigType(rawValue: 11)
    public static let paxcounterConfig = ModuleConfigType(rawValue: 12)
    public var description: String {
        switch rawValue {
        case 0: return "mqttConfig"
        case 1: return "serialConfig"
        case 2: return "extnotifConfig"
        case 3: return "storeforwardConfig"
        case 4: return "rangetestConfig"
        case 5: return "telemetryConfig"
        case 6: return "cannedmsgConfig"
        case 7: return "audioConfig"
        case 8: return "remotehardwareConfig"
        case 9: return "neighborinfoConfig"
        case 10: return "ambientlightingConfig"
        case 11: return "detectionsensorConfig"
        case 12: return "paxcounterConfig"
        default: return "\(rawValue)"
        }
    }
}

/// `Position.LocSource`.
public struct LocationSource: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unset = LocationSource(rawValue: 0)
    public static let manual = LocationSource(rawValue: 1)
    public static let `internal` = LocationSource(rawValue: 2)
    public static let external = LocationSource(rawValue: 3)
    public var description: String {
        switch rawValue {
        case 0: return "unset"
        case 1: return "manual"
        case 2: return "internal"
        case 3: return "external"
        default: return "\(rawValue)"
        }
    }
}

/// `Position.AltSource`.
public struct AltitudeSource: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unset = AltitudeSource(rawValue: 0)
    public static let manual = AltitudeSource(rawValue: 1)
    public static let `internal` = AltitudeSource(rawValue: 2)
    public static let external = AltitudeSource(rawValue: 3)
    public static let barometric = AltitudeSource(rawValue: 4)
    public var description: String {
        switch rawValue {
        case 0: return "unset"
        case 1: return "manual"
        case 2: return "internal"
        case 3: return "external"
        case 4: return "barometric"
        default: return "\(rawValue)"
        }
    }
}

/// `MyNodeInfo.firmware_edition`.
public struct FirmwareEdition: ProtoEnum, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let vanilla = FirmwareEdition(rawValue: 0)
    public static let smartCitizen = FirmwareEdition(rawValue: 1)
    public static let openSauce = FirmwareEdition(rawValue: 16)
    public static let defcon = FirmwareEdition(rawValue: 17)
    public static let burningMan = FirmwareEdition(rawValue: 18)
    public static let hamvention = FirmwareEdition(rawValue: 19)
    public static let diyEdition = FirmwareEdition(rawValue: 127)
    public var description: String {
        switch rawValue {
        case 0: return "vanilla"
        case 1: return "smartCitizen"
        case 16: return "openSauce"
        case 17: return "defcon"
        case 18: return "burningMan"
        case 19: return "hamvention"
        case 127: return "diyEdition"
        default: return "\(rawValue)"
        }
    }
}
