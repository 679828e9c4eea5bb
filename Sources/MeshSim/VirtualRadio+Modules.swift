import LoRaPHY
import MeshtasticWire

/// The firmware's modules that answer requests, as a native (portduino) build of 2.7.15 has
/// them: AdminModule for the radio's own client, and TraceRoute, DeviceTelemetry, Position and
/// NodeInfo for other nodes, with MeshModule::callModules' rule that a `want_response` packet
/// nobody answers earns a NO_RESPONSE NAK. Read from src/modules/AdminModule.cpp,
/// TraceRouteModule.cpp, Telemetry/DeviceTelemetry.cpp, PositionModule.cpp, NodeInfoModule.cpp,
/// src/mesh/MeshModule.cpp and ReliableRouter.cpp at v2.7.15.
extension VirtualRadio {
    /// `DeviceMetadata.excluded_modules` of a native build: no paxcounter (not an ESP32), no
    /// ambient lighting (no RGB LED), no Bluetooth (portduino). Canned messages and external
    /// notification are built in, so clients ask for their texts (and wait for the answer).
    public static let excludedModules: UInt32 = 0x1000 | 0x0400 | 0x2000

    /// CannedMessageModule::installDefaultCannedMessageModuleConfig.
    static let defaultCannedMessages = "Hi|Bye|Yes|No|Ok"

    var metadata: DeviceMetadata {
        var meta = DeviceMetadata()
        meta.firmwareVersion = identity.firmwareVersion; meta.deviceStateVersion = 24
        meta.hwModel = identity.hwModel; meta.hasPKC = true; meta.canShutdown = true
        meta.excludedModules = Self.excludedModules
        return meta
    }

    // MARK: AdminModule, for the radio's own client

    /// A packet from the client addressed to this radio on ADMIN_APP. Router::sendLocal hands it
    /// to the modules at once; the client gets the QueueStatus of its packet, then (when it asked
    /// for one) the reply: a get_*_response, or a routing ACK for anything else, each reply with
    /// its own QueueStatus (MeshService::sendToMesh). A want_ack packet that got no reply is
    /// ACKed by ReliableRouter::sniffReceived, without a QueueStatus.
    mutating func localAdmin(_ p: MeshPacket, _ d: PacketData, now: Double, api: Int) -> [Output] {
        var out = frames([FromRadio(.queueStatus(queueStatus(id: p.id, res: 0, now: now)))], api: api)
        var reply: MeshPacket?
        if let admin = try? AdminMessage(decoding: d.payload) {
            let (answer, effects) = applyAdmin(admin, request: p, now: now)
            out += effects
            if d.wantResponse { reply = answer ?? errorReply(RoutingError(.none), to: p) }
        } else if d.wantResponse {
            // ProtobufModule could not decode it, so no module answered: callModules' NAK.
            reply = errorReply(RoutingError(.noResponse), to: p)
        }
        if let reply {
            out += frames([FromRadio(.queueStatus(queueStatus(id: reply.id, res: 0, now: now)))], api: api)
            out += toClient(FromRadio(.packet(reply)))
        } else if p.wantAck {
            out += toClient(FromRadio(.packet(errorReply(RoutingError(.none), to: p))))
        }
        return out
    }

    /// handleReceivedProtobuf's switch for a local (trusted) client: the answer to a get, or nil,
    /// and what the change does (a reboot).
    private mutating func applyAdmin(_ admin: AdminMessage, request p: MeshPacket, now: Double) -> (MeshPacket?, [Output]) {
        func answer(_ v: AdminMessage.Variant) -> MeshPacket {
            var res = AdminMessage(v)
            res.sessionPasskey = sessionPasskey(now: now)
            return dataReply(PacketData(portnum: PortNum(.adminApp), payload: res.encoded()), to: p)
        }
        switch admin.payloadVariant {
        case .getOwnerRequest?:
            return (answer(.getOwnerResponse(identity.nodeInfo.user ?? User())), [])
        case .getConfigRequest(let type)?:
            return (answer(.getConfigResponse(config(type))), [])
        case .getModuleConfigRequest(let type)?:
            return (answer(.getModuleConfigResponse(moduleConfig(type))), [])
        case .getChannelRequest(let n)?:
            guard n >= 1, n <= 8 else { return (errorReply(RoutingError(.badRequest), to: p), []) }
            return (answer(.getChannelResponse(channel(Int(n) - 1))), [])
        case .getDeviceMetadataRequest?:
            return (answer(.getDeviceMetadataResponse(metadata)), [])
        case .getCannedMessageModuleMessagesRequest?:
            return (answer(.getCannedMessageModuleMessagesResponse(Self.defaultCannedMessages)), [])
        case .getRingtoneRequest?:
            // The module is off by default, so no ringtone was ever loaded: an empty string.
            return (answer(.getRingtoneResponse("")), [])
        case .setOwner(let user)?:
            // Names of nothing but white space are refused.
            let blank = { (s: String) in !s.isEmpty && s.allSatisfy(\.isWhitespace) }
            if blank(user.longName) || blank(user.shortName) { return (errorReply(RoutingError(.badRequest), to: p), []) }
            if !user.longName.isEmpty { identity.longName = user.longName }
            if !user.shortName.isEmpty { identity.shortName = user.shortName }
            return (nil, [])
        case .setConfig(let c)?:
            if let lora = c.lora { apply(lora) }
            return (nil, [])
        case .setChannel(let c)?:
            // handleSetChannel: saved, no reboot. Secondary channels are kept and reported;
            // the air carries only the primary.
            guard c.index >= 0, c.index < 8 else { return (errorReply(RoutingError(.badRequest), to: p), []) }
            if c.index == 0 {
                if let s = c.settings { settings.primaryChannel = s }
            } else {
                otherChannels[Int(c.index)] = c.role == ChannelRole(.disabled) ? nil : c
            }
            return (nil, [])
        case .setModuleConfig(let m)?:
            // handleSetModuleConfig: saved, then a reboot after DEFAULT_REBOOT_SECONDS (7).
            if let mqtt = m.mqtt { settings.mqtt = mqtt }
            return (nil, [.reboot(afterSeconds: 7)])
        case .rebootSeconds(let s)?:
            return (nil, s < 0 ? [] : [.reboot(afterSeconds: Double(s))])
        default:
            return (nil, [])
        }
    }

    /// A module's config: MQTT's as set, every other module at its defaults (oneof tag =
    /// type + 1).
    func moduleConfig(_ type: ModuleConfigType) -> ModuleConfig {
        type.rawValue == 0 ? ModuleConfig(mqtt: settings.mqtt) : ModuleConfig(emptyVariant: Int(type.rawValue) + 1)
    }

    func config(_ type: ConfigType) -> Config {
        switch type.rawValue {
        case 0:
            var device = DeviceConfig(); device.serialEnabled = true
            return Config(.device(device))
        case 1: return Config(.position(OpaqueMessage()))
        case 2: return Config(.power(OpaqueMessage()))
        case 3: return Config(.network(OpaqueMessage()))
        case 4: return Config(.display(OpaqueMessage()))
        case 5: return Config(.lora(loraConfig))
        case 6: return Config(.bluetooth(OpaqueMessage()))
        case 7:
            var security = SecurityConfig(); security.publicKey = identity.publicKey; security.serialEnabled = true
            return Config(.security(security))
        case 8: return Config(.sessionkey(OpaqueMessage()))
        default: return Config(.deviceUi(OpaqueMessage()))
        }
    }

    var loraConfig: LoRaConfig {
        var lora = LoRaConfig()
        lora.usePreset = true; lora.modemPreset = ModemPreset(rawValue: settings.preset.rawValue)
        lora.region = RegionCode(rawValue: settings.region.code); lora.hopLimit = settings.hopLimit
        lora.txEnabled = settings.region.transmitAllowed
        lora.ignoreMqtt = settings.ignoreMqtt; lora.configOkToMqtt = settings.okToMqtt
        return lora
    }

    func channel(_ index: Int) -> Channel {
        if index > 0, let kept = otherChannels[index] { return kept }
        var c = Channel(); c.index = Int32(index)
        if index == 0 { c.role = ChannelRole(.primary); c.settings = settings.primaryChannel }
        return c
    }

    /// AdminModule::setPassKey: 8 bytes every response carries, renewed once 150 s old. A
    /// remote client must echo them in a set; the local client needs none.
    private mutating func sessionPasskey(now: Double) -> [UInt8] {
        if passkey.bytes.isEmpty || now > passkey.since + 150 {
            let a = freshID(), b = freshID()
            passkey = ((0..<4).map { UInt8(truncatingIfNeeded: a >> ($0 * 8)) } + (0..<4).map { UInt8(truncatingIfNeeded: b >> ($0 * 8)) }, now)
        }
        return passkey.bytes
    }

    // MARK: replies to other nodes

    /// TraceRouteModule::alterReceivedProtobuf, which runs on every radio that hears a
    /// traceroute (it is promiscuous): a request collects each relay's node number and the SNR
    /// it was heard at, a reply (request_id set) does the same on its way back; the node it is
    /// addressed to adds only the SNR. Hops that did not write themselves in (an unknown relay)
    /// are filled with 0xFFFFFFFF and SNR -128. The relay rebroadcasts the altered packet.
    public func alteredOnReceipt(_ packet: MeshPacket) -> MeshPacket {
        guard let d = packet.decoded, d.portnum == .tracerouteApp, packet.from != identity.nodeNum,
              var route = try? RouteDiscovery(decoding: d.payload) else { return packet }
        let towards = d.requestId == 0
        var hops = towards ? route.route : route.routeBack
        var snrs = towards ? route.snrTowards : route.snrBack
        if packet.hopStart != 0, packet.hopLimit <= packet.hopStart {
            let taken = Int(packet.hopStart - packet.hopLimit)
            while hops.count < min(taken, 8) { hops.append(MeshPacket.broadcast) }
            while snrs.count < min(hops.count, 8) { snrs.append(-128) }
        }
        if snrs.count < 8 { snrs.append(Int32((packet.rxSnr * 4).rounded(.towardZero))) }
        if packet.to != identity.nodeNum, hops.count < 8 { hops.append(identity.nodeNum) }
        if towards { route.route = hops; route.snrTowards = snrs } else { route.routeBack = hops; route.snrBack = snrs }
        var altered = packet
        var data = d
        data.payload = route.encoded()
        altered.payloadVariant = .decoded(data)
        return altered
    }

    enum ModuleAnswer {
        case reply(MeshPacket), ignored, none
        var isReply: Bool { if case .reply = self { true } else { false } }
    }

    /// The module of the packet's port answers a `want_response` packet heard from another node
    /// (addressed to us, or a broadcast): `allocReply` of TraceRoute, DeviceTelemetry, Position
    /// and NodeInfo. `.ignored` is a module that chose to stay silent (a throttle), which also
    /// suppresses the NO_RESPONSE NAK.
    mutating func moduleAnswer(to p: MeshPacket, now: Double) -> ModuleAnswer {
        guard let d = p.decoded else { return .none }
        switch d.portnum {
        case .tracerouteApp:
            // A multi-hop broadcast request is ignored.
            if p.to == MeshPacket.broadcast && p.hopLimit < p.hopStart { return .ignored }
            let route = (try? RouteDiscovery(decoding: d.payload)) ?? RouteDiscovery()
            return .reply(dataReply(PacketData(portnum: PortNum(.tracerouteApp), payload: route.encoded()), to: p))
        case .telemetryApp:
            guard let t = try? Telemetry(decoding: d.payload), t.variantField == 2 else { return .none }
            return .reply(dataReply(PacketData(portnum: PortNum(.telemetryApp), payload: deviceTelemetry(now: now).encoded()), to: p))
        case .nodeinfoApp:
            // NodeInfoModule (2.8): no answer to a node whose request was heard within 12 hours
            // (handleReceivedProtobuf's lastNodeInfoSeen, which every request restarts), nor
            // within 10 minutes of our last NodeInfo (allocReply's throttle on a small mesh).
            let askedBefore = nodeInfoRequests[p.from]
            nodeInfoRequests[p.from] = now
            if let a = askedBefore, now - a < 12 * 3600 { return .ignored }
            if let last = lastNodeInfoSent, now - last < 600 { return .ignored }
            lastNodeInfoSent = now
            var user = identity.nodeInfo.user ?? User()
            user.id = identity.nodeID
            return .reply(dataReply(PacketData(portnum: PortNum(.nodeinfoApp), payload: user.encoded()), to: p))
        case .adminApp:
            // Not from our client, not on a channel named "admin", not PKI from an admin key
            // (the sim has neither): AdminModule refuses it.
            return .reply(errorReply(RoutingError(.notAuthorized), to: p))
        case .positionApp:
            // allocPositionPacket refuses a position of 0,0: a virtual radio has no fix, so
            // nobody answers and the requester gets NO_RESPONSE.
            return .none
        default:
            return .none
        }
    }

    /// DeviceTelemetryModule::getDeviceTelemetry of a radio on USB power (battery level 101,
    /// no battery voltage). The sim knows only its own transmissions, so channel utilisation
    /// is reported as at least its own share of the hour.
    func deviceTelemetry(now: Double) -> Telemetry {
        var m = DeviceMetrics()
        let tx = Float(ledger.utilizationPercent(nowSeconds: now))
        m.batteryLevel = 101; m.voltage = 0
        m.channelUtilization = tx; m.airUtilTx = tx
        m.uptimeSeconds = UInt32(max(0, now - bootedAt))
        return Telemetry(time: UInt32(max(0, settings.epoch + now)), deviceMetrics: m)
    }

    /// Router::perhapsEncode: a packet that goes PKI is marked and leaves on channel 0.
    func perhapsEncodePKI(_ p: inout MeshPacket) {
        p.pkiEncrypted = sendsPKI(p)
        if p.pkiEncrypted { p.channel = 0 }
    }

    /// Router::perhapsEncode's rule for PKI: our own DM (not traceroute, NodeInfo, routing or
    /// position) to a node whose 32-byte public key is in the node database, from a radio with
    /// a key of its own. (The sim marks such packets; their bytes on the air stay decoded.)
    func sendsPKI(_ p: MeshPacket) -> Bool {
        wouldEncryptWithPKC(p) && knowsKey(of: p.to)
    }

    /// `wouldEncryptWithPKC` (Router.cpp): a DM of ours that goes PKI whenever it can.
    func wouldEncryptWithPKC(_ p: MeshPacket) -> Bool {
        guard p.to != MeshPacket.broadcast, let d = p.decoded, identity.publicKey.count == 32 else { return false }
        return ![PortNum.Name.tracerouteApp, .nodeinfoApp, .routingApp, .positionApp].contains { d.portnum.rawValue == $0.rawValue }
    }

    func knowsKey(of node: UInt32) -> Bool { publicKey(of: node) != nil }

    /// The node's 32-byte key as this radio's node database has it (its own included).
    func publicKey(of node: UInt32) -> [UInt8]? {
        if node == identity.nodeNum { return identity.publicKey.count == 32 ? identity.publicKey : nil }
        guard let key = settings.knownNodes.first(where: { $0.num == node })?.user?.publicKey, key.count == 32 else { return nil }
        return key
    }

    /// Router::perhapsEncode's refusals of a client's packet: the encoded Data (with its
    /// bitfield) and the 16-byte header over MAX_LORA_PAYLOAD_LEN (255), 12 bytes more for PKI,
    /// is TOO_LARGE (on PRIVATE_APP: a payload over 231 bytes, over 219 as a PKI DM); a DM that
    /// must go PKI to a node whose key the radio lacks is PKI_SEND_FAIL_PUBLIC_KEY ("refusing
    /// to send legacy DM": no channel-encrypted fallback since 2.7.26).
    func encodeRefusal(_ p: MeshPacket) -> RoutingError? {
        // perhapsEncode sets has_bitfield on our own packets before it encodes: 2 bytes more.
        var data = p.decoded
        if data?.bitfield == nil { data?.bitfield = 0 }
        let bytes = data.map { $0.encoded().count } ?? 0
        if bytes + MeshtasticFrame.headerBytes > MeshtasticFrame.maxLoRaPayload { return RoutingError(.tooLarge) }
        guard wouldEncryptWithPKC(p) else { return nil }
        if bytes + MeshtasticFrame.headerBytes + MeshtasticFrame.pkiOverhead > MeshtasticFrame.maxLoRaPayload { return RoutingError(.tooLarge) }
        return knowsKey(of: p.to) ? nil : RoutingError(.pkiSendFailPublicKey)
    }

    /// A reply as MeshModule::setReplyTo makes it: our packet to the requester on its channel,
    /// request_id = its id, hop limit for a response, want_ack as the request had it (never
    /// for our own client), priority RELIABLE.
    mutating func dataReply(_ data: PacketData, to request: MeshPacket) -> MeshPacket {
        var r = MeshPacket()
        r.from = identity.nodeNum
        r.to = request.from == 0 ? identity.nodeNum : request.from
        r.channel = request.channel
        var d = data
        d.requestId = request.id
        r.payloadVariant = .decoded(d)
        r.id = freshID()
        r.hopLimit = hopLimitForResponse(request)
        r.hopStart = r.hopLimit
        r.wantAck = request.from == identity.nodeNum || request.from == 0 ? false : request.wantAck
        r.priority = PacketPriority(.reliable)
        return r
    }

    /// MeshModule::allocErrorResponse: a routing packet with `reason` (NONE is an ACK).
    mutating func errorReply(_ reason: RoutingError, to request: MeshPacket) -> MeshPacket {
        var r = dataReply(PacketData(portnum: PortNum(.routingApp), payload: Routing(errorReason: reason).encoded()), to: request)
        r.priority = PacketPriority(.ack)
        r.wantAck = false
        return r
    }

    /// RoutingModule::getHopLimitForResponse: the hops the request used plus two, within the
    /// configured limit, or the hops used when that was more.
    func hopLimitForResponse(_ request: MeshPacket) -> UInt32 {
        guard request.hopStart != 0, request.hopLimit <= request.hopStart else { return settings.hopLimit }
        let used = request.hopStart - request.hopLimit
        if used > settings.hopLimit { return used }
        return min(settings.hopLimit, used + 2)
    }

}
