import Foundation
import MQTTLink
import MQTTNode
import MeshChannel
import RadioLink
import Synchronization

/// The radio-less way in: `--mqtt URL` instead of a radio. lora-msg becomes its own node on the
/// broker, and the valley's gateway carries what it says onto the air.
public struct BrokerNodeChoice: Sendable {
    public var broker: BrokerChoice
    /// Topic root the valley's gateway uses (its region: "msh/EU_868").
    public var root: String
    /// The valley's primary channel: name (empty = LongFast) and a file with its PSK in base64.
    public var channelName: String
    public var pskFile: String?
    /// This home's node number on the broker (stable: derived from the home's identity).
    public var nodeNum: UInt32
    /// The messenger's clock (the sim's scaled clock when it runs fast).
    public var clock: @Sendable () -> Double

    public init(broker: BrokerChoice, root: String, channelName: String = "", pskFile: String? = nil, nodeNum: UInt32,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.broker = broker; self.root = root; self.channelName = channelName; self.pskFile = pskFile
        self.nodeNum = nodeNum; self.clock = clock
    }

    /// A node number for this identity, outside the ranges the firmware reserves.
    public static func nodeNum(for senderID: [UInt8]) -> UInt32 {
        var n = senderID.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if n < 4 || n == 0xFFFF_FFFF { n &+= 0x1000 }
        return n
    }

    func psk() throws(MessengerError) -> [UInt8] {
        guard let pskFile else { return [1] }
        var st = stat()
        guard stat(pskFile, &st) == 0, let data = FileManager.default.contents(atPath: pskFile), data.count <= 200,
              let text = String(data: data, encoding: .utf8) else { throw .usage(reason: "cannot read the PSK file \(pskFile)") }
        if st.st_mode & 0o077 != 0 { throw .usage(reason: "the PSK file \(pskFile) can be read by others; run 'chmod 600 \(pskFile)'") }
        guard let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), [1, 16, 32].contains(key.count) else {
            throw .usage(reason: "the PSK file \(pskFile) must hold the channel key in base64 (1, 16 or 32 bytes, as the Meshtastic apps show it)")
        }
        return Array(key)
    }
}

extension Messenger {
    /// This home as a node on a broker: its node number comes from its own identity, so the
    /// valley can address it (`contact set-node NAME !xxxxxxxx`) and it stays the same.
    public func brokerNode(_ broker: BrokerChoice, root: String, channelName: String, pskFile: String?) -> BrokerNodeChoice {
        BrokerNodeChoice(broker: broker, root: root, channelName: channelName, pskFile: pskFile,
                         nodeNum: BrokerNodeChoice.nodeNum(for: identity.senderID.bytes), clock: { [self] in self.now })
    }
}

/// One broker node per process and choice: every command connects to the same one.
enum BrokerNodes {
    private static let running = Mutex<[String: MQTTNode]>([:])

    static func endpoint(for choice: BrokerNodeChoice) throws(MessengerError) -> RadioEndpoint {
        let (address, credentials) = try choice.broker.resolve()
        let psk = try choice.psk()
        let key = "\(address)|\(choice.root)|\(choice.channelName)|\(choice.nodeNum)"
        if let node = running.withLock({ $0[key] }) { return .tcp(host: "127.0.0.1", port: node.port) }
        var settings = MQTTNodeDevice.Settings(nodeNum: choice.nodeNum)
        settings.root = choice.root
        settings.channelName = choice.channelName
        settings.psk = psk
        let node: MQTTNode
        do { node = try MQTTNode(settings: settings, address: address, credentials: credentials, clock: choice.clock) } catch { throw .broker(error) }
        running.withLock { $0[key] = node }
        return .tcp(host: "127.0.0.1", port: node.port)
    }

    /// Our broker node behind `endpoint`, if it is one.
    static func node(at endpoint: RadioEndpoint) -> MQTTNode? {
        guard case .tcp(_, let port) = endpoint else { return nil }
        return running.withLock { nodes in nodes.values.first { $0.port == port } }
    }

    /// Whether `endpoint` (as `RadioEndpoint.description` writes it) is one of our broker nodes.
    static func isNode(_ endpoint: String) -> Bool {
        running.withLock { nodes in nodes.values.contains { "127.0.0.1:\($0.port)" == endpoint } }
    }

    static func describe(_ choice: BrokerNodeChoice) -> String {
        (try? choice.broker.resolve().address.description) ?? choice.broker.url
    }
}
