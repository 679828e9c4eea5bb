import Foundation
import LoRaPHY
import MeshChannel
import MeshtasticWire
import RadioLink
import Testing
@testable import LoraGateway
@testable import LoraMessenger

/// The gateway's set-up plan and its downlink checks, sans-I/O.
@Suite struct GatewayUnitTests {
    static func radio(ignoreMqtt: Bool = true, proxy: Bool = false, uplink: Bool = false) -> RadioInfo {
        var info = RadioInfo()
        info.myInfo.myNodeNum = 0x3B45_99C4
        var c = Channel(); c.role = ChannelRole(.primary)
        var s = ChannelSettings(); s.psk = [1]; s.uplinkEnabled = uplink; s.downlinkEnabled = uplink
        c.settings = s
        info.channels = [c]
        var lora = LoRaConfig(); lora.region = RegionCode(.eu868); lora.ignoreMqtt = ignoreMqtt; lora.usePreset = true
        info.lora = lora
        var m = MQTTConfig(); m.enabled = proxy; m.proxyToClientEnabled = proxy; m.encryptionEnabled = true
        m.address = proxy ? "10.0.0.5" : "mqtt.meshtastic.org"; m.root = "msh/EU_868"
        info.mqtt = m
        return info
    }

    @Test func aFreshEURadioNeedsEverythingAndTheModuleConfigGoesLast() throws {
        let plan = GatewaySetup(info: Self.radio(), brokerHost: "10.0.0.5", root: nil)
        #expect(plan.isNeeded)
        #expect(plan.changes.contains { $0.contains("ignore_mqtt off") })
        #expect(plan.changes.contains { $0.contains("client proxy on") })
        #expect(plan.changes.contains { $0.contains("uplink on") } && plan.changes.contains { $0.contains("downlink on") })
        let packets = plan.adminPackets(to: 0x3B45_99C4)
        #expect(packets.count == 3)
        #expect(packets.allSatisfy { $0.to == 0x3B45_99C4 && $0.decoded?.portnum.rawValue == PortNum(.adminApp).rawValue })
        let last = try AdminMessage(decoding: try #require(packets.last?.decoded?.payload))
        guard case .setModuleConfig(let m)? = last.payloadVariant else { Issue.record("module config is not last"); return }
        #expect(m.mqtt?.proxyToClientEnabled == true && m.mqtt?.address == "10.0.0.5" && m.mqtt?.root == "msh/EU_868")
    }

    @Test func aRadioAlreadySetUpNeedsNothing() {
        let plan = GatewaySetup(info: Self.radio(ignoreMqtt: false, proxy: true, uplink: true), brokerHost: "10.0.0.5", root: nil)
        #expect(!plan.isNeeded)
        #expect(plan.adminPackets(to: 1).isEmpty)
        // Another broker or root is a change (the firmware's private-address rule reads it).
        #expect(GatewaySetup(info: Self.radio(ignoreMqtt: false, proxy: true, uplink: true), brokerHost: "broker.example", root: nil).changes == ["MQTT module: address broker.example"])
        #expect(GatewaySetup(info: Self.radio(ignoreMqtt: false, proxy: true, uplink: true), brokerHost: "10.0.0.5", root: "msh/EU_868/north").changes == ["MQTT module: root msh/EU_868/north"])
    }

    static func envelope(from: UInt32 = 0x1111, id: UInt32, gateway: String = "!0badf00d", viaMqtt: Bool = false, bytes: Int = 60) -> [UInt8] {
        var p = MeshPacket(); p.from = from; p.to = MeshPacket.broadcast; p.id = id; p.hopLimit = 3; p.hopStart = 3; p.viaMqtt = viaMqtt
        p.payloadVariant = .encrypted([UInt8](repeating: 0x42, count: bytes)); p.channel = 8
        return ServiceEnvelope(packet: p, channelID: "LongFast", gatewayID: gateway).encoded()
    }

    func filter(region: LoRaRegion = .eu868) -> GatewayFilter {
        GatewayFilter(root: "msh/EU_868", channelID: "LongFast", ownNodeNum: 0x3B45_99C4,
                      settings: RadioSettings(region: region, modem: LoRaPreset.longFast.modem, presetName: "LongFast"))
    }

    @Test func downlinkChecks() {
        var f = filter()
        let t = "msh/EU_868/2/e/LongFast/!0badf00d"
        #expect(f.judge(topic: t, payload: Self.envelope(id: 1), now: 0) == .pass)
        #expect(f.judge(topic: t, payload: Self.envelope(id: 1), now: 1) == .drop(.duplicate))
        #expect(f.judge(topic: t, payload: Self.envelope(id: 1), now: 700) == .pass, "remembered for 10 minutes only")
        #expect(f.judge(topic: "msh/US/2/e/LongFast/!x", payload: Self.envelope(id: 2), now: 700) == .drop(.foreignTopic))
        #expect(f.judge(topic: "msh/EU_868/2/e/Other/!x", payload: Self.envelope(id: 3), now: 700) == .drop(.foreignTopic))
        #expect(f.judge(topic: "nonsense", payload: Self.envelope(id: 4), now: 700) == .drop(.foreignTopic))
        #expect(f.judge(topic: t, payload: [UInt8](repeating: 0, count: 436), now: 700) == .drop(.oversize))
        #expect(f.judge(topic: t, payload: [0xFF, 0xFF], now: 700) == .drop(.garbage))
        #expect(f.judge(topic: t, payload: [], now: 700) == .drop(.garbage))
        #expect(f.judge(topic: t, payload: ServiceEnvelope().encoded(), now: 700) == .drop(.garbage))
        #expect(f.judge(topic: "msh/EU_868/2/e/LongFast/!3b4599c4", payload: Self.envelope(id: 5, gateway: "!3b4599c4"), now: 700) == .echo)
        #expect(f.judge(topic: t, payload: Self.envelope(id: 6, gateway: "!3b4599c4"), now: 700) == .drop(.loop))
        #expect(f.judge(topic: t, payload: Self.envelope(from: 0x3B45_99C4, id: 7), now: 700) == .drop(.loop))
        #expect(f.judge(topic: t, payload: Self.envelope(id: 8, viaMqtt: true), now: 700) == .drop(.loop))
    }

    /// A flood from the broker stops at 20 s of queued airtime, and the hour's share of the
    /// duty cycle (half of 10 % on EU_868) caps what the valley's air carries.
    @Test func aFloodIsHeldToTheAirtimeBudget() {
        var f = filter()
        let t = "msh/EU_868/2/e/LongFast/!0badf00d"
        var passed = 0
        for i in 1...100 where f.judge(topic: t, payload: Self.envelope(id: UInt32(i), bytes: 200), now: 0) == .pass { passed += 1 }
        let ms = LoRaPreset.longFast.modem.timeOnAirMilliseconds(bytes: MeshtasticFrame.phyBytes(encodedData: 200, pki: false))
        #expect(passed == Int(20_000 / ms), "only 20 s of airtime queued at once")
        // Spread over the hour, at most half the 360 s budget.
        var f2 = filter(), total = 0.0
        for i in 1...5000 where f2.judge(topic: t, payload: Self.envelope(id: UInt32(i), bytes: 200), now: Double(i) * 0.7) == .pass { total += ms }
        #expect(total <= 180_000 && total > 170_000, "\(total)")
    }
}

/// The broker's address and credentials, and the channel key file: every way they can be wrong.
@Suite struct BrokerChoiceTests {
    static func file(_ text: String, mode: mode_t = 0o600) throws -> String {
        let path = NSTemporaryDirectory() + "lora-msg-cred-" + UUID().uuidString.prefix(8)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode)
        return path
    }

    @Test func addresses() throws {
        for (url, shown) in [("mqtt://10.0.0.5", "mqtt://10.0.0.5:1883"), ("mqtts://broker.example", "mqtts://broker.example:8883"),
                             ("mqtt://h:1", "mqtt://h:1"), ("mqtt://[::1]:1884", "mqtt://[::1]:1884"), ("mqtt://h/", "mqtt://h:1883")] {
            #expect(try BrokerChoice(url: url).resolve().address.description == shown)
        }
        for (url, words) in [("http://h", "mqtt://"), ("mqtt://", "no host"), ("mqtt://h:0", "port"), ("mqtt://h:65536", "port"),
                             ("mqtt://h:x", "port"), ("mqtt://h:", "port"), ("mqtt://u:p@h", "credentials"), ("mqtt://h/msh", "path"),
                             ("mqtt://[::1", "unclosed"), ("mqtt://" + String(repeating: "a", count: 300), "no host"), ("", "mqtt://")] {
            #expect(throws: MessengerError.self, "\(url)") { try BrokerChoice(url: url).resolve() }
            do { _ = try BrokerChoice(url: url).resolve() } catch {
                #expect(error.description.contains(words), "\(url): \(error)")
                #expect(error.exitStatus == .usage)
            }
        }
    }

    @Test func passwordFiles() throws {
        let good = try Self.file("s3cret horse\n")
        defer { unlink(good) }
        #expect(try BrokerChoice(url: "mqtt://h", user: "u", passwordFile: good).resolve().credentials.password == "s3cret horse")
        let crlf = try Self.file("pw\r\n"); defer { unlink(crlf) }
        #expect(try BrokerChoice(url: "mqtt://h", user: "u", passwordFile: crlf).resolve().credentials.password == "pw")
        let open = try Self.file("pw\n", mode: 0o644); defer { unlink(open) }
        let empty = try Self.file(""); defer { unlink(empty) }
        let twoLines = try Self.file("a\nb\n"); defer { unlink(twoLines) }
        let huge = try Self.file(String(repeating: "x", count: 5000)); defer { unlink(huge) }
        let binary = NSTemporaryDirectory() + "lora-msg-cred-bin-" + UUID().uuidString.prefix(6); defer { unlink(binary) }
        try Data([0xFF, 0xFE, 0x00]).write(to: URL(fileURLWithPath: binary)); chmod(binary, 0o600)
        for (choice, words) in [
            (BrokerChoice(url: "mqtt://h", user: "u", passwordFile: open), "chmod 600"),
            (BrokerChoice(url: "mqtt://h", user: "u", passwordFile: empty), "one line"),
            (BrokerChoice(url: "mqtt://h", user: "u", passwordFile: twoLines), "one line"),
            (BrokerChoice(url: "mqtt://h", user: "u", passwordFile: huge), "short UTF-8"),
            (BrokerChoice(url: "mqtt://h", user: "u", passwordFile: binary), "short UTF-8"),
            (BrokerChoice(url: "mqtt://h", user: "u", passwordFile: "/nonexistent/pw"), "cannot read"),
            (BrokerChoice(url: "mqtt://h", passwordFile: good), "needs --user"),
            (BrokerChoice(url: "mqtt://h", caFile: good), "mqtts://"),
        ] {
            do { _ = try choice.resolve(); Issue.record("accepted: \(words)") } catch { #expect(error.description.contains(words), "\(error)") }
        }
    }

    @Test func channelKeyFiles() throws {
        func choice(_ path: String?) -> BrokerNodeChoice {
            BrokerNodeChoice(broker: BrokerChoice(url: "mqtt://h"), root: "msh/EU_868", pskFile: path, nodeNum: 0x1234)
        }
        #expect(try choice(nil).psk() == [1])
        let k16 = try Self.file(Data(repeating: 7, count: 16).base64EncodedString() + "\n"); defer { unlink(k16) }
        #expect(try choice(k16).psk() == [UInt8](repeating: 7, count: 16))
        let short = try Self.file("AQI="); defer { unlink(short) }             // 2 bytes
        let garbage = try Self.file("not base64 at all!"); defer { unlink(garbage) }
        let open = try Self.file("AQ==", mode: 0o644); defer { unlink(open) }
        let huge = try Self.file(String(repeating: "A", count: 400)); defer { unlink(huge) }
        for (path, words) in [(short, "1, 16 or 32 bytes"), (garbage, "base64"), (open, "chmod 600"), (huge, "cannot read"), ("/nonexistent", "cannot read")] {
            do { _ = try choice(path).psk(); Issue.record("accepted \(path)") } catch { #expect(error.description.contains(words), "\(error)") }
        }
    }
}
