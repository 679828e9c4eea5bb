// Open enums (proto3): a value this build has no name for still decodes and re-encodes
// unchanged. Each name is written once, as a case of the type's `Name`; the type itself holds
// any Int32. Values from meshtastic/protobufs (mesh.proto, portnums.proto, config.proto).

/// Which application a `Data.payload` belongs to. lora-msg's envelopes travel on `privateApp` (256).
public struct PortNum: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case unknownApp = 0
        case textMessageApp = 1
        case remoteHardwareApp = 2
        case positionApp = 3
        case nodeinfoApp = 4
        case routingApp = 5
        case adminApp = 6
        case textMessageCompressedApp = 7
        case waypointApp = 8
        case audioApp = 9
        case detectionSensorApp = 10
        case alertApp = 11
        case keyVerificationApp = 12
        case replyApp = 32
        case ipTunnelApp = 33
        case paxcounterApp = 34
        case serialApp = 64
        case storeForwardApp = 65
        case rangeTestApp = 66
        case telemetryApp = 67
        case zpsApp = 68
        case simulatorApp = 69
        case tracerouteApp = 70
        case neighborinfoApp = 71
        case atakPlugin = 72
        case mapReportApp = 73
        case privateApp = 256
        case atakForwarder = 257
        case `max` = 511
    }
}

/// `Routing.error_reason`. `none` is an ACK; everything else is a NAK.
public struct RoutingError: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case `none` = 0
        case noRoute = 1
        case gotNak = 2
        case timeout = 3
        case noInterface = 4
        case maxRetransmit = 5
        case noChannel = 6
        case tooLarge = 7
        case noResponse = 8
        case dutyCycleLimit = 9
        case badRequest = 32
        case notAuthorized = 33
        case pkiFailed = 34
        case pkiUnknownPubkey = 35
        case adminBadSessionKey = 36
        case adminPublicKeyUnauthorized = 37
        case rateLimitExceeded = 38
        case pkiSendFailPublicKey = 39
    }
}

/// `MeshPacket.priority`: local queueing only, never sent over the air.
public struct PacketPriority: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case unset = 0
        case min = 1
        case background = 10
        case `default` = 64
        case reliable = 70
        case response = 80
        case high = 100
        case alert = 110
        case ack = 120
        case `max` = 127
    }
}

/// `MeshPacket.delayed` (deprecated).
public struct PacketDelayed: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case noDelay = 0
        case delayedBroadcast = 1
        case delayedDirect = 2
    }
}

/// `MeshPacket.transport_mechanism`.
public struct TransportMechanism: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case `internal` = 0
        case lora = 1
        case loraAlt1 = 2
        case loraAlt2 = 3
        case loraAlt3 = 4
        case mqtt = 5
        case multicastUDP = 6
        case api = 7
        case unicastUDP = 8
    }
}

/// `User.hw_model` / `DeviceMetadata.hw_model` (a few common boards named).
public struct HardwareModel: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case unset = 0
        case tbeam = 4
        case tEcho = 7
        case rak4631 = 9
        case stationG2 = 31
        case portduino = 37
        case heltecV3 = 43
        case rpiPico = 47
        case heltecWirelessTracker = 48
        case tDeck = 50
        case heltecMeshNodeT114 = 69
        case trackerT1000E = 71
        case seeedXiaoS3 = 81
        case heltecV4 = 110
        case privateHW = 255
    }
}

/// `Config.DeviceConfig.Role`.
public struct DeviceRole: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case client = 0
        case clientMute = 1
        case router = 2
        case routerClient = 3
        case repeater = 4
        case tracker = 5
        case sensor = 6
        case tak = 7
        case clientHidden = 8
        case lostAndFound = 9
        case takTracker = 10
        case routerLate = 11
        case clientBase = 12
    }
}

/// `Config.DeviceConfig.RebroadcastMode`.
public struct RebroadcastMode: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case all = 0
        case allSkipDecoding = 1
        case localOnly = 2
        case knownOnly = 3
        case `none` = 4
        case corePortnumsOnly = 5
    }
}

/// `Config.DeviceConfig.BuzzerMode`.
public struct BuzzerMode: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case allEnabled = 0
        case disabled = 1
        case notificationsOnly = 2
        case systemOnly = 3
        case directMsgOnly = 4
    }
}

/// `Config.LoRaConfig.RegionCode`.
public struct RegionCode: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case unset = 0
        case us = 1
        case eu433 = 2
        case eu868 = 3
        case cn = 4
        case jp = 5
        case anz = 6
        case kr = 7
        case tw = 8
        case ru = 9
        case `in` = 10
        case nz865 = 11
        case th = 12
        case lora24 = 13
        case ua433 = 14
        case ua868 = 15
        case my433 = 16
        case my919 = 17
        case sg923 = 18
        case ph433 = 19
        case ph868 = 20
        case ph915 = 21
        case anz433 = 22
        case kz433 = 23
        case kz863 = 24
        case np865 = 25
        case br902 = 26
    }
}

/// `Config.LoRaConfig.ModemPreset`.
public struct ModemPreset: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case longFast = 0
        case longSlow = 1
        case veryLongSlow = 2
        case mediumSlow = 3
        case mediumFast = 4
        case shortSlow = 5
        case shortFast = 6
        case longModerate = 7
        case shortTurbo = 8
        case longTurbo = 9
    }
}

/// `Config.LoRaConfig.FEM_LNA_Mode`.
public struct FemLnaMode: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case disabled = 0
        case enabled = 1
        case notPresent = 2
    }
}

/// `Channel.Role`.
public struct ChannelRole: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case disabled = 0
        case primary = 1
        case secondary = 2
    }
}

/// `LogRecord.Level`, also used by `ClientNotification.level`.
public struct LogLevel: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case unset = 0
        case trace = 5
        case debug = 10
        case info = 20
        case warning = 30
        case error = 40
        case critical = 50
    }
}

/// `AdminMessage.ConfigType`: a Config variant's field number minus one.
public struct ConfigType: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case deviceConfig = 0
        case positionConfig = 1
        case powerConfig = 2
        case networkConfig = 3
        case displayConfig = 4
        case loraConfig = 5
        case bluetoothConfig = 6
        case securityConfig = 7
        case sessionkeyConfig = 8
        case deviceuiConfig = 9
    }
}

/// `AdminMessage.ModuleConfigType`.
public struct ModuleConfigType: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case mqttConfig = 0
        case serialConfig = 1
        case extnotifConfig = 2
        case storeforwardConfig = 3
        case rangetestConfig = 4
        case telemetryConfig = 5
        case cannedmsgConfig = 6
        case audioConfig = 7
        case remotehardwareConfig = 8
        case neighborinfoConfig = 9
        case ambientlightingConfig = 10
        case detectionsensorConfig = 11
        case paxcounterConfig = 12
    }
}

/// `Position.LocSource`.
public struct LocationSource: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case unset = 0
        case manual = 1
        case `internal` = 2
        case external = 3
    }
}

/// `Position.AltSource`.
public struct AltitudeSource: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case unset = 0
        case manual = 1
        case `internal` = 2
        case external = 3
        case barometric = 4
    }
}

/// `MyNodeInfo.firmware_edition`.
public struct FirmwareEdition: ProtoEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public enum Name: Int32, CaseIterable, Sendable {
        case vanilla = 0
        case smartCitizen = 1
        case openSauce = 16
        case defcon = 17
        case burningMan = 18
        case hamvention = 19
        case diyEdition = 127
    }
}
