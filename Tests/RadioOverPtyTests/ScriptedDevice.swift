import Foundation
import Glibc
import MeshtasticWire
import Synchronization
@testable import MeshSim

/// A pty whose device side a test scripts byte for byte, on its own thread.
final class ScriptedDevice: @unchecked Sendable {
    private let pty: PseudoTerminal
    var path: String { pty.path }
    private var controller: Int32 { pty.controller }
    private var decoder = FrameDecoder()
    private var pendingMessages: [ToRadio] = []
    let finished = Mutex(false)

    init() throws { pty = try PseudoTerminal() }

    deinit { pty.close() }

    func run(_ script: @escaping @Sendable (ScriptedDevice) -> Void) {
        let t = Thread { script(self); self.finished.withLock { $0 = true } }
        t.start()
    }

    func write(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(controller, $0.baseAddress! + off, $0.count - off) }
            if n > 0 { off += n } else { usleep(1000) }
        }
    }

    func send(_ m: FromRadio) { write((try? FrameEncoder.frame(m)) ?? []) }

    func text(_ s: String) { write(Array((s + "\r\n").utf8)) }

    /// The next ToRadio the client sends, or nil after `timeout` seconds.
    func next(timeout: Double = 5) -> ToRadio? {
        let end = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while pendingMessages.isEmpty && Date() < end {
            var p = pollfd(fd: controller, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let n = read(controller, &buffer, buffer.count)
            guard n > 0 else { usleep(10_000); continue }
            for e in decoder.feed(Array(buffer[0..<n])) {
                if case .frame(let payload) = e, let m = try? ToRadio(decoding: payload) { pendingMessages.append(m) }
            }
        }
        return pendingMessages.isEmpty ? nil : pendingMessages.removeFirst()
    }

    /// Waits for a message of the wanted kind, skipping others (heartbeats).
    func next<T>(timeout: Double = 5, _ pick: (ToRadio.Variant) -> T?) -> T? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end, let m = next(timeout: end.timeIntervalSinceNow) {
            if let v = m.payloadVariant, let t = pick(v) { return t }
        }
        return nil
    }

    /// The minimal answer to want_config_id: my_info, a LoRa config, complete.
    func answerHandshake(nonce: UInt32, node: UInt32 = 0x1234_5678, garbageBetween: Bool = false) {
        var my = MyNodeInfo(); my.myNodeNum = node
        send(FromRadio(.myInfo(my)))
        if garbageBetween { write([0x00, 0xFF, 0x94, 0x12, 0xC3]); text("DEBUG | ??:??:?? 3 [Router] noise between frames") }
        var lora = LoRaConfig(); lora.region = RegionCode(.eu868); lora.usePreset = true
        send(FromRadio(.config(Config(.lora(lora)))))
        send(FromRadio(.configCompleteId(nonce)))
    }
}

func wantConfig(_ v: ToRadio.Variant) -> UInt32? { if case .wantConfigId(let n) = v { return n } else { return nil } }
func packetSent(_ v: ToRadio.Variant) -> MeshPacket? { if case .packet(let p) = v { return p } else { return nil } }
