import LoRaPHY
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// A virtual radio driven frame by frame, as a client (the official Python one, say) drives a
/// real one: what it answers to local admin requests.
struct RadioConsole {
    var radio: VirtualRadio
    var now = 1.0

    init() {
        var s = VirtualRadio.Settings()
        s.bootDelaySeconds = 0
        s.epoch = 1_790_000_000
        var id = VirtualRadio.Identity(nodeNum: 0x1234_5678, longName: "Virtual one", shortName: "one")
        id.publicKey = Array(repeating: 7, count: 32)
        radio = VirtualRadio(identity: id, settings: s, bootedAt: 0)
    }

    /// Sends `message` and returns every FromRadio the radio wrote back.
    mutating func send(_ message: ToRadio) throws -> [FromRadio] {
        var decoder = FrameDecoder()
        var out: [FromRadio] = []
        for o in radio.receive(try FrameEncoder.frame(message), now: now) {
            guard case .write(let bytes, _) = o else { continue }
            for case .frame(let payload) in decoder.feed(bytes) { out.append(try FromRadio(decoding: payload)) }
        }
        return out
    }

    mutating func connect() throws -> [FromRadio] { try send(ToRadio(.wantConfigId(4242))) }

    /// A local admin packet as the Python client sends one (want_ack, want_response).
    mutating func admin(_ message: AdminMessage, id: UInt32, wantResponse: Bool = true, wantAck: Bool = true) throws -> [FromRadio] {
        var d = PacketData(portnum: PortNum(.adminApp), payload: message.encoded())
        d.wantResponse = wantResponse
        return try admin(raw: d, id: id, wantAck: wantAck)
    }

    mutating func admin(raw d: PacketData, id: UInt32, wantAck: Bool = true) throws -> [FromRadio] {
        var p = MeshPacket()
        p.to = radio.identity.nodeNum; p.id = id; p.wantAck = wantAck
        p.payloadVariant = .decoded(d)
        return try send(ToRadio(.packet(p)))
    }
}

extension FromRadio {
    var packet: MeshPacket? { if case .packet(let p)? = payloadVariant { return p } else { return nil } }
    var queueStatus: QueueStatus? { if case .queueStatus(let q)? = payloadVariant { return q } else { return nil } }
    var adminReply: AdminMessage? {
        guard let d = packet?.decoded, d.portnum == .adminApp else { return nil }
        return try? AdminMessage(decoding: d.payload)
    }
    var routingReason: RoutingError? {
        guard let d = packet?.decoded, d.portnum == .routingApp, let r = try? Routing(decoding: d.payload) else { return nil }
        return r.errorReason
    }
}

@Suite struct LocalAdminTests {
    /// AdminModule + MeshService::sendToMesh: QueueStatus of the request, QueueStatus of the
    /// reply, then the reply: from and to our own node, request_id = the request, with an
    /// 8-byte session passkey.
    @Test func metadataRequestIsAnsweredWithTheExcludedModules() throws {
        var c = RadioConsole()
        _ = try c.connect()
        let out = try c.admin(AdminMessage(.getDeviceMetadataRequest(true)), id: 77)
        try #require(out.count == 3)
        #expect(out[0].queueStatus?.meshPacketId == 77 && out[0].queueStatus?.res == 0)
        let reply = try #require(out[2].packet)
        #expect(out[1].queueStatus?.meshPacketId == reply.id && reply.id != 77)
        #expect(reply.from == 0x1234_5678 && reply.to == 0x1234_5678 && reply.decoded?.requestId == 77)
        #expect(!reply.wantAck)
        let admin = try #require(out[2].adminReply)
        guard case .getDeviceMetadataResponse(let meta)? = admin.payloadVariant else { Issue.record("\(admin)"); return }
        #expect(meta.excludedModules == 0x3400 && meta.hasPKC && meta.firmwareVersion.hasPrefix("2.7"))
        #expect(admin.sessionPasskey.count == 8)
        // The same key within 150 s; a new one after.
        let again = try c.admin(AdminMessage(.getOwnerRequest(true)), id: 78)
        #expect(again.last?.adminReply?.sessionPasskey == admin.sessionPasskey)
        c.now += 151
        let later = try c.admin(AdminMessage(.getOwnerRequest(true)), id: 79)
        #expect(later.last?.adminReply?.sessionPasskey != admin.sessionPasskey)
    }

    @Test func everyGetHasItsResponse() throws {
        var c = RadioConsole()
        _ = try c.connect()
        var id: UInt32 = 100
        func ask(_ m: AdminMessage) throws -> AdminMessage.Variant? {
            id += 1
            return try c.admin(m, id: id).last?.adminReply?.payloadVariant
        }
        #expect(try ask(AdminMessage(.getOwnerRequest(true))) == .getOwnerResponse(c.radio.identity.nodeInfo.user!))
        guard case .getConfigResponse(let lora)? = try ask(AdminMessage(.getConfigRequest(ConfigType(rawValue: 5)))) else { Issue.record("no LoRa config"); return }
        #expect(lora.lora?.region == RegionCode(rawValue: LoRaRegion.eu868.code))
        guard case .getConfigResponse(let key)? = try ask(AdminMessage(.getConfigRequest(ConfigType(rawValue: 8)))),
              case .sessionkey? = key.payloadVariant else { Issue.record("no session key config"); return }
        guard case .getModuleConfigResponse(let mqtt)? = try ask(AdminMessage(.getModuleConfigRequest(ModuleConfigType(rawValue: 0)))) else { Issue.record("no MQTT"); return }
        #expect(mqtt.mqtt?.root == "msh/EU_868")
        // Serial (type 1) is oneof case 2, present and empty.
        guard case .getModuleConfigResponse(let serial)? = try ask(AdminMessage(.getModuleConfigRequest(ModuleConfigType(rawValue: 1)))) else { Issue.record("no serial"); return }
        #expect(serial.unknownFields == [0x12, 0x00])
        guard case .getChannelResponse(let primary)? = try ask(AdminMessage(.getChannelRequest(1))) else { Issue.record("no channel"); return }
        #expect(primary.index == 0 && primary.role == ChannelRole(.primary))
        #expect(try ask(AdminMessage(.getCannedMessageModuleMessagesRequest(true))) == .getCannedMessageModuleMessagesResponse("Hi|Bye|Yes|No|Ok"))
        #expect(try ask(AdminMessage(.getRingtoneRequest(true))) == .getRingtoneResponse(""))
    }

    @Test func anEmptyRingtoneIsStillAResponseOnTheWire() {
        var m = AdminMessage(.getRingtoneResponse(""))
        m.sessionPasskey = [1, 2, 3, 4, 5, 6, 7, 8]
        // Official classes: AdminMessage(get_ringtone_response="", session_passkey=b"\x01…\x08").
        #expect(m.encoded() == [0x7A, 0x00, 0xAA, 0x06, 0x08, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    /// A set is answered (want_response) by a routing ACK; a channel index past 7 or a blank
    /// name is BAD_REQUEST; undecodable admin bytes earn NO_RESPONSE.
    @Test func setsAreAckedAndBadOnesRefused() throws {
        var c = RadioConsole()
        _ = try c.connect()
        var owner = User(); owner.longName = "Renamed"; owner.shortName = "RN"
        let set = try c.admin(AdminMessage(.setOwner(owner)), id: 200)
        #expect(set.last?.routingReason == RoutingError(.none) && set.last?.packet?.decoded?.requestId == 200)
        #expect(c.radio.identity.longName == "Renamed" && c.radio.identity.shortName == "RN")

        var blank = User(); blank.longName = "   "
        #expect(try c.admin(AdminMessage(.setOwner(blank)), id: 201).last?.routingReason == RoutingError(.badRequest))
        #expect(c.radio.identity.longName == "Renamed")
        #expect(try c.admin(AdminMessage(.getChannelRequest(9)), id: 202).last?.routingReason == RoutingError(.badRequest))
        var garbage = PacketData(portnum: PortNum(.adminApp), payload: [0x0A, 0x7F])
        garbage.wantResponse = true
        #expect(try c.admin(raw: garbage, id: 203).last?.routingReason == RoutingError(.noResponse))

        // want_ack without want_response: ReliableRouter's ACK, no QueueStatus for it.
        let acked = try c.admin(AdminMessage(.setOwner(owner)), id: 204, wantResponse: false)
        #expect(acked.count == 2 && acked[1].routingReason == RoutingError(.none))
        // Neither: only the QueueStatus.
        #expect(try c.admin(AdminMessage(.setOwner(owner)), id: 205, wantResponse: false, wantAck: false).count == 1)
    }

    /// `meshtastic --ch-add`: a secondary channel set at index 1 is reported by get_channel and
    /// the next handshake; disabling it frees the slot again.
    @Test func aSecondaryChannelIsKeptAndReported() throws {
        var c = RadioConsole()
        _ = try c.connect()
        var ch = Channel(); ch.index = 1; ch.role = ChannelRole(.secondary)
        var s = ChannelSettings(); s.name = "farm"; s.psk = Array(repeating: 9, count: 32); ch.settings = s
        #expect(try c.admin(AdminMessage(.setChannel(ch)), id: 400).last?.routingReason == RoutingError(.none))
        #expect(try c.admin(AdminMessage(.getChannelRequest(2)), id: 401).last?.adminReply?.payloadVariant == .getChannelResponse(ch))
        let channels = try c.connect().compactMap { if case .channel(let x)? = $0.payloadVariant { return x } else { return nil } }
        #expect(channels.count == 8 && channels[1] == ch && channels[2].role == ChannelRole(.disabled))
        #expect(c.radio.settings.primaryChannel.name.isEmpty)
        var off = Channel(); off.index = 1
        _ = try c.admin(AdminMessage(.setChannel(off)), id: 402)
        guard case .getChannelResponse(let freed)? = try c.admin(AdminMessage(.getChannelRequest(2)), id: 403).last?.adminReply?.payloadVariant else { Issue.record("no channel"); return }
        #expect(freed.role == ChannelRole(.disabled) && freed.settings == nil)
    }

    @Test func rebootSecondsReboots() throws {
        var c = RadioConsole()
        _ = try c.connect()
        let out = c.radio.receive(try FrameEncoder.frame(ToRadio(.packet({
            var p = MeshPacket(); p.to = 0x1234_5678; p.id = 300
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.adminApp), payload: AdminMessage(.rebootSeconds(10)).encoded()))
            return p
        }()))), now: c.now)
        #expect(out.contains(.reboot(afterSeconds: 10)))
    }

    /// PhoneAPI sends one ModuleConfig per module, each its own oneof case (1 MQTT … 13
    /// paxcounter), and the own node carries device metrics.
    @Test func handshakeListsEachModuleAndOwnMetrics() throws {
        var c = RadioConsole()
        c.now = 30
        let out = try c.connect()
        let modules = out.compactMap { if case .moduleConfig(let m)? = $0.payloadVariant { return m } else { return nil } }
        #expect(modules.count == 13)
        #expect(modules.first?.mqtt != nil)
        #expect(modules.dropFirst().map { Int($0.unknownFields.first ?? 0) >> 3 } == Array(2...13))
        let own = out.compactMap { if case .nodeInfo(let n)? = $0.payloadVariant, n.num == 0x1234_5678 { return n } else { return nil } }.first
        #expect(own?.deviceMetrics?.batteryLevel == 101 && own?.deviceMetrics?.uptimeSeconds == 30)
        #expect(own?.lastHeard == 1_790_000_030)
        let meta = out.compactMap { if case .metadata(let m)? = $0.payloadVariant { return m } else { return nil } }.first
        #expect(meta?.excludedModules == VirtualRadio.excludedModules)
    }
}

@Suite struct RemoteRequestTests {
    func request(_ port: PortNum.Name, to: UInt32, payload: [UInt8], wantAck: Bool = false) -> MeshPacket {
        var p = MeshPacket()
        p.to = to; p.wantAck = wantAck
        var d = PacketData(portnum: PortNum(rawValue: port.rawValue), payload: payload)
        d.wantResponse = true
        p.payloadVariant = .decoded(d)
        return p
    }

    func replies(_ m: MeshBench, at s: Int, to id: UInt32) -> [MeshPacket] {
        m.events[s].compactMap { if case .packetReceived(let p) = $0, p.decoded?.requestId == id { return p } else { return nil } }
    }

    /// TraceRouteModule over n1 → n3 on the line: n2 writes itself into the route both ways,
    /// every hop adds the SNR it heard (quarter dB).
    @Test func tracerouteCollectsTheRelayBothWays() throws {
        var m = MeshBench(.line5)
        m.connectAll()
        let n2 = m.air.radio(1).identity.nodeNum, n3 = m.air.radio(2).identity.nodeNum
        let id = m.send(from: 0, request(.tracerouteApp, to: n3, payload: RouteDiscovery().encoded()))
        m.run(for: 30)
        let reply = try #require(replies(m, at: 0, to: id).first { $0.decoded?.portnum.rawValue == PortNum.Name.tracerouteApp.rawValue })
        let route = try RouteDiscovery(decoding: reply.decoded!.payload)
        #expect(reply.from == n3)
        #expect(route.route == [n2] && route.routeBack == [n2])
        #expect(route.snrTowards.count == 2 && route.snrBack.count == 2)
        #expect(route.snrTowards.allSatisfy { $0 != -128 && $0 != 0 })
    }

    @Test func telemetryRequestIsAnsweredOnlyForDeviceMetrics() throws {
        var m = MeshBench(.twoRadios)
        m.connectAll()
        let b = m.air.radio(1).identity.nodeNum
        let id = m.send(from: 0, request(.telemetryApp, to: b, payload: Telemetry(time: 0, deviceMetrics: DeviceMetrics()).encoded()))
        m.run(for: 15)
        let reply = try #require(replies(m, at: 0, to: id).first)
        let t = try Telemetry(decoding: reply.decoded!.payload)
        #expect(t.deviceMetrics?.batteryLevel == 101 && (t.deviceMetrics?.uptimeSeconds ?? 0) > 0 && t.time > 1_790_000_000)

        // An empty request names no kind of metrics: DeviceTelemetryModule has nothing to say.
        let none = m.send(from: 0, request(.telemetryApp, to: b, payload: []))
        m.run(for: 15)
        #expect(m.deliveries(at: 0, id: none).contains(.failed(.nak(RoutingError(.noResponse)))))
    }

    /// Garbage in a request: TraceRouteModule::allocReply answers with what it could decode
    /// (here nothing, so it starts from an empty route), DeviceTelemetryModule with nothing (NO_RESPONSE). No
    /// relay or receiver rewrites a traceroute it cannot parse.
    @Test func garbageRequestsAreAnsweredAsTheFirmwareDoes() throws {
        var m = MeshBench(.line5)
        m.connectAll()
        let n3 = m.air.radio(2).identity.nodeNum
        let junk: [UInt8] = [0x0A, 0x40, 0xFF, 0x12]   // a length running past the end
        let trace = m.send(from: 0, request(.tracerouteApp, to: n3, payload: junk))
        let tele = m.send(from: 0, request(.telemetryApp, to: n3, payload: junk))
        m.run(for: 40)
        let reply = try #require(replies(m, at: 0, to: trace).first)
        // Nothing towards n3 survived; the way back is written by n2 and n1 as usual.
        let route = try RouteDiscovery(decoding: reply.decoded!.payload)
        #expect(route.route.isEmpty && route.snrTowards.isEmpty && route.routeBack == [m.air.radio(1).identity.nodeNum])
        #expect(m.deliveries(at: 0, id: tele).contains(.failed(.nak(RoutingError(.noResponse)))), "\(m.deliveries(at: 0, id: tele))")
        let relayed = m.air.radio(1).alteredOnReceipt({ var p = request(.tracerouteApp, to: n3, payload: junk); p.from = 1; return p }())
        #expect(relayed.decoded?.payload == junk)
    }

    /// A radio without a fix cannot answer a position request (allocPositionPacket refuses
    /// 0,0), nor does anyone answer on a port without a module: NO_RESPONSE.
    @Test(arguments: [PortNum.Name.positionApp, .privateApp, .textMessageApp])
    func unansweredRequestsEarnNoResponse(port: PortNum.Name) throws {
        var m = MeshBench(.twoRadios)
        m.connectAll()
        let id = m.send(from: 0, request(port, to: m.air.radio(1).identity.nodeNum, payload: [1, 2, 3]))
        m.run(for: 15)
        #expect(m.deliveries(at: 0, id: id).contains(.failed(.nak(RoutingError(.noResponse)))), "\(m.deliveries(at: 0, id: id))")
        #expect(replies(m, at: 0, to: id).isEmpty)
    }

    /// Router::perhapsEncode/perhapsDecode: a DM between radios that hold each other's keys
    /// goes PKI (12 bytes more on the air) and reaches the client marked, with the sender's
    /// key; broadcasts, traceroutes and ACKs never do.
    @Test func directMessagesGoPKIBetweenKnownKeys() throws {
        var m = MeshBench(.twoRadios)
        m.connectAll()
        let a = m.air.radio(0).identity, b = m.air.radio(1).identity
        let dm = m.send(from: 0, privatePacket(to: b.nodeNum, [1, 2, 3]))
        let all = m.send(from: 0, textBroadcast("all"))
        m.run(for: 15)
        let got = try #require(m.received(at: 1, id: dm).first)
        #expect(got.pkiEncrypted && got.publicKey == a.publicKey && got.channel == 0)
        #expect(m.received(at: 1, id: all).first?.pkiEncrypted == false)
        let acks = m.air.records.compactMap { r -> Double? in
            if case .transmitted(1, b.nodeNum, _, _, let ms) = r { return ms } else { return nil }
        }
        let dmAir = m.air.records.compactMap { r -> Double? in
            if case .transmitted(0, a.nodeNum, dm, _, let ms) = r { return ms } else { return nil }
        }
        func air(_ p: MeshPacket) -> Double { LoRaPreset.longFast.modem.timeOnAirMilliseconds(bytes: VirtualRadio.phyBytes(p)) }
        var sent = privatePacket(to: b.nodeNum, [1, 2, 3])
        sent.pkiEncrypted = true
        #expect(dmAir.first == air(sent))
        var ack = MeshPacket()
        ack.to = a.nodeNum
        var d = PacketData(portnum: PortNum(.routingApp), payload: Routing(errorReason: RoutingError(.none)).encoded())
        d.requestId = dm
        ack.payloadVariant = .decoded(d)
        #expect(!acks.isEmpty && acks.allSatisfy { $0 == air(ack) }, "ACKs are not PKI: \(acks) vs \(air(ack))")
    }

    /// A PKI DM from a node whose key this radio lacks does not open: PKI_UNKNOWN_PUBKEY back.
    @Test func aPKIMessageFromAnUnknownKeyIsRefused() {
        var radio = VirtualRadio(identity: .init(nodeNum: 0x10, longName: "b", shortName: "b"), bootedAt: 0)
        var p = privatePacket(to: 0x10, [1])
        p.from = 0x20; p.id = 9; p.pkiEncrypted = true; p.hopStart = 3; p.hopLimit = 3
        let out = radio.heard(p, now: 5)
        let nak = out.compactMap { if case .transmit(let t) = $0 { return t } else { return nil } }.first
        #expect(nak?.to == 0x20 && nak?.decoded?.requestId == 9)
        #expect(nak.flatMap { try? Routing(decoding: $0.decoded!.payload).errorReason } == RoutingError(.pkiUnknownPubkey))
        #expect(!out.contains { if case .write = $0 { true } else { false } })
    }

    /// Admin from another node, with no admin key or admin channel: AdminModule refuses it.
    @Test func remoteAdminIsNotAuthorized() throws {
        var m = MeshBench(.twoRadios)
        m.connectAll()
        let id = m.send(from: 0, request(.adminApp, to: m.air.radio(1).identity.nodeNum, payload: AdminMessage(.getOwnerRequest(true)).encoded()))
        m.run(for: 15)
        #expect(m.deliveries(at: 0, id: id).contains(.failed(.nak(RoutingError(.notAuthorized)))), "\(m.deliveries(at: 0, id: id))")
    }

    /// NodeInfoModule (2.8) answers with its User, then stays silent (no NAK either): to the same
    /// requester for 12 hours (handleReceivedProtobuf's lastNodeInfoSeen), to anyone for 10
    /// minutes (allocReply's throttle).
    @Test func nodeInfoIsAnsweredOnceThenThrottled() throws {
        var m = MeshBench(.twoRadios)
        m.connectAll()
        let b = m.air.radio(1).identity
        let first = m.send(from: 0, request(.nodeinfoApp, to: b.nodeNum, payload: User().encoded()))
        m.run(for: 15)
        let user = try #require(replies(m, at: 0, to: first).first.flatMap { try? User(decoding: $0.decoded!.payload) })
        #expect(user.id == b.nodeID && user.longName == b.longName)
        let second = m.send(from: 0, request(.nodeinfoApp, to: b.nodeNum, payload: User().encoded()))
        m.run(for: 15)
        #expect(replies(m, at: 0, to: second).isEmpty)
        // An hour on, past the 10 minutes: still nothing for the same requester (12 hours,
        // restarted by each request).
        m.run(for: 3600, step: 5)
        let third = m.send(from: 0, request(.nodeinfoApp, to: b.nodeNum, payload: User().encoded()))
        m.run(for: 15)
        #expect(replies(m, at: 0, to: third).isEmpty)
        m.run(for: 12 * 3600 + 60, step: 5)
        let fourth = m.send(from: 0, request(.nodeinfoApp, to: b.nodeNum, payload: User().encoded()))
        m.run(for: 15)
        #expect(replies(m, at: 0, to: fourth).count == 1)
    }

    /// A module's reply stands in for the ACK: a want_ack request answered by a module gets no
    /// separate routing ACK (ReliableRouter::sniffReceived sees currentReply).
    @Test func aReplyReplacesTheAck() throws {
        var m = MeshBench(.twoRadios)
        m.connectAll()
        let b = m.air.radio(1).identity.nodeNum
        let id = m.send(from: 0, request(.tracerouteApp, to: b, payload: RouteDiscovery().encoded(), wantAck: true))
        m.run(for: 15)
        let got = replies(m, at: 0, to: id)
        #expect(got.count == 1 && got.first?.decoded?.portnum.rawValue == PortNum.Name.tracerouteApp.rawValue)
    }
}
