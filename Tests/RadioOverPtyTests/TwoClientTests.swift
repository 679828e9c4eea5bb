import Foundation
import MeshtasticWire
import Testing
@testable import MeshSim
@testable import RadioLink

/// Two API clients on one radio (serial + TCP), as the firmware has it: one PhoneAPI per
/// transport, one shared to-phone packet queue (MeshService::getForPhone). Each packet goes to
/// one of them; when the TCP client leaves, the serial one gets everything again.
@Suite(.serialized) struct TwoClientTests {
    func broadcast(_ text: String) -> MeshPacket {
        var p = MeshPacket(); p.to = MeshPacket.broadcast
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: Array(text.utf8)))
        return p
    }

    func received(_ log: EventLog) -> [String] {
        log.all.compactMap { e in
            if case .session(.packetReceived(let p)) = e, let d = p.decoded, d.portnum == .privateApp { String(decoding: d.payload, as: UTF8.self) } else { nil }
        }
    }

    @Test func aSecondClientSharesThePacketQueueAndLeavingHandsItBack() async throws {
        let base = UInt16.random(in: 30_000...50_000)
        let sim = try RunningSim(.twoRadios, speed: 20, tcpBase: base)
        defer { sim.stop() }
        await sim.waitForLinks()
        let serial = try await RadioConnection.connect(to: .serial(sim.link("bob")), options: quickOptions())
        let serialLog = EventLog(serial)
        let tcp = try await RadioConnection.connect(to: .tcp(host: "127.0.0.1", port: base + 1), options: quickOptions())
        let tcpLog = EventLog(tcp)
        let alice = try await RadioConnection.connect(to: .serial(sim.link("alice")), options: quickOptions())
        let texts = (1...4).map { "shared \($0)" }
        for t in texts { _ = try await alice.send(broadcast(t)) }
        _ = await serialLog.wait(timeout: 20) { _ in
            self.received(serialLog).count + self.received(tcpLog).count >= texts.count ? true : nil
        }
        let both = received(serialLog) + received(tcpLog)
        #expect(both.sorted() == texts.sorted(), "each packet reaches exactly one client")
        #expect(!received(serialLog).isEmpty && !received(tcpLog).isEmpty, "both clients pull from the queue")
        await tcp.close()
        // The radio learns the TCP client left when its socket reads the end; a packet that
        // arrives before that still goes to the leaving client's share of the queue. On a loaded
        // machine that moment can come late, so one more packet follows until one gets through.
        var after: Bool? = nil
        for attempt in 1...5 where after == nil {
            _ = try await alice.send(broadcast("after \(attempt)"))
            after = await serialLog.wait(timeout: 8) { _ in self.received(serialLog).contains { $0.hasPrefix("after") } ? true : nil }
        }
        #expect(after == true, "the serial client receives again once the TCP client has gone")
        await alice.close(); await serial.close()
    }
}
