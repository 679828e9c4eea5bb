// Decode throughput of realistic FromRadio frames: what `lora-msg tail` does with every byte
// a radio sends. Run in release:   swift run -c release wire-bench [frames] [rounds]
// Figures are medians over rounds; "framing only" is the baseline measured in the same run.
import Foundation
import MeshtasticWire

let frameCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200_000 : 200_000
let rounds = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 7 : 7

/// The mix a busy mesh delivers: mostly received packets carrying ~150-byte envelopes, plus
/// queue statuses, routing ACKs and node updates.
func sampleFrames() throws -> [[UInt8]] {
    var rx = MeshPacket()
    rx.from = 0xCAFEF00D; rx.to = 0x12345678; rx.id = 0x0BADBEEF; rx.rxTime = 1_790_000_200
    rx.rxSnr = -7.25; rx.rxRssi = -97; rx.hopLimit = 1; rx.hopStart = 3; rx.relayNode = 0x0D
    rx.transportMechanism = TransportMechanism(.lora)
    var data = PacketData(portnum: PortNum(.privateApp), payload: (0..<150).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    data.bitfield = 1
    rx.payloadVariant = .decoded(data)

    var ack = MeshPacket()
    ack.from = 0x1A2B3C4D; ack.to = 0x12345678; ack.id = 0x55555555; ack.hopLimit = 3; ack.hopStart = 3; ack.rxRssi = -40
    var ackData = PacketData(portnum: PortNum(.routingApp), payload: Routing(errorReason: RoutingError(.none)).encoded())
    ackData.requestId = 0x7FEDCBA9
    ack.payloadVariant = .decoded(ackData)

    var node = NodeInfo()
    node.num = 0xCAFEF00D
    var user = User()
    user.id = User.nodeID(0xCAFEF00D); user.longName = "Ridge relay"; user.shortName = "RDG"
    user.hwModel = HardwareModel(.heltecV3); user.publicKey = [UInt8](repeating: 0x42, count: 32)
    node.user = user; node.snr = -3.5; node.lastHeard = 1_790_000_000; node.hopsAway = 1

    let messages: [FromRadio] = [
        FromRadio(.packet(rx)), FromRadio(.packet(rx)), FromRadio(.packet(rx)), FromRadio(.packet(rx)),
        FromRadio(.queueStatus(QueueStatus(res: 0, free: 15, maxlen: 16, meshPacketId: 0x7FEDCBA9))),
        FromRadio(.packet(ack)),
        FromRadio(.nodeInfo(node)),
        FromRadio(.packet(rx)),
    ]
    return try messages.map { try FrameEncoder.frame($0) }
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

let samples = try sampleFrames()
var stream: [UInt8] = []
for i in 0..<frameCount { stream += samples[i % samples.count] }
let chunk = 4096   // what one read() from a tty or socket typically hands over
print("wire-bench: \(frameCount) frames, \(stream.count) bytes (mean \(stream.count / frameCount) B/frame), \(rounds) rounds, \(chunk)-byte reads")

func measure(_ label: String, _ body: () -> Int) -> Double {
    var rates: [Double] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        let n = body()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        precondition(n == frameCount, "\(label): decoded \(n) of \(frameCount)")
        rates.append(Double(n) / seconds)
    }
    let m = median(rates)
    let padded = label.padding(toLength: 34, withPad: " ", startingAt: 0)
    print("\(padded) median \(Int(m)) frames/s   (min \(Int(rates.min()!)), max \(Int(rates.max()!)))")
    return m
}

let framing = measure("framing only (baseline)") {
    var decoder = FrameDecoder()
    var n = 0
    var i = 0
    while i < stream.count {
        let end = min(i + chunk, stream.count)
        decoder.feed(Array(stream[i..<end])) { if case .frame = $0 { n += 1 } }
        i = end
    }
    return n
}

let full = measure("framing + FromRadio decode") {
    var decoder = FrameDecoder()
    var n = 0
    var payloadBytes = 0
    var i = 0
    while i < stream.count {
        let end = min(i + chunk, stream.count)
        decoder.feed(Array(stream[i..<end])) { event in
            guard case .frame(let f) = event, let m = try? FromRadio(decoding: f) else { return }
            if case .packet(let p)? = m.payloadVariant { payloadBytes &+= p.decoded?.payload.count ?? 0 }
            n += 1
        }
        i = end
    }
    return n
}

let target = 200_000.0
print("protobuf decode costs \(String(format: "%.1f", framing / full))× the framing alone")
print("target ≥ \(Int(target)) frames/s on one core: \(full >= target ? "met" : "NOT met") (a 115200-baud line carries ~50 such frames/s)")
