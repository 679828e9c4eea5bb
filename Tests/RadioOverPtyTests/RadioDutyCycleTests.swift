import Foundation
import MeshtasticWire
import Synchronization
import Testing
import TestSupport

/// Firmware 2.8 (and 2.7.26+), Router::send: a packet the radio's own duty-cycle count refuses
/// gets a QueueStatus with DUTY_CYCLE_LIMIT, a NAK from the radio to itself, then a
/// ClientNotification with `reply_id` = the packet and "You can send again in N mins". The
/// radio counts airtime lora-msg's ledger cannot see (another client of the radio, its ACKs
/// and relays), so its word decides: the message waits that long and then goes, never lost.
@Suite(.serialized) struct RadioDutyCycleTests {
    @Test func theRadiosOwnCountDecidesWhenTheMessageGoes() throws {
        let (root, home) = try BrokerFailureTests.home()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let device = try ScriptedDevice()
        let radio: UInt32 = 0x1234_5678
        let sentAt = Mutex<[Date]>([])
        device.run { d in
            guard let nonce = d.next(wantConfig) else { return }
            d.answerHandshake(nonce: nonce, node: radio)
            guard let first = d.next(timeout: 20, packetSent) else { return }
            sentAt.withLock { $0.append(Date()) }
            d.send(FromRadio(.queueStatus(QueueStatus(res: 9, free: 16, maxlen: 16, meshPacketId: first.id))))
            var nak = MeshPacket(); nak.from = radio; nak.to = radio; nak.id = 77
            var data = PacketData(portnum: PortNum(.routingApp), payload: Routing(errorReason: RoutingError(.dutyCycleLimit)).encoded())
            data.requestId = first.id
            nak.payloadVariant = .decoded(data)
            d.send(FromRadio(.packet(nak)))
            var n = ClientNotification()
            n.replyId = first.id; n.level = LogLevel(.warning)
            n.message = "Duty cycle limit exceeded. You can send again in 2 mins"
            d.send(FromRadio(.clientNotification(n)))
            guard let second = d.next(timeout: 30, packetSent) else { return }
            sentAt.withLock { $0.append(Date()) }
            d.send(FromRadio(.queueStatus(QueueStatus(res: 0, free: 15, maxlen: 16, meshPacketId: second.id))))
        }
        // 60× time: the radio's 2 minutes pass in 2 s (the default 120 s timeout would end at the same moment).
        let r = try CLI.run(["send", "east", "after the pause", "--timeout", "300", "--home", home, "--port", device.path],
                            environment: ["LORA_MSG_TIME_SCALE": "60"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("your radio refuses to transmit for 2 min by its duty-cycle count"), "\(r.err)")
        #expect(r.err.contains("lora-msg's own count has room now"), "\(r.err)")
        #expect(r.err.contains("waiting — radio duty cycle, next slot in"), "\(r.err)")
        #expect(r.out.hasPrefix("queued"), "\(r.out)")
        let times = sentAt.withLock { $0 }
        #expect(times.count == 2)
        if times.count == 2 { #expect(times[1].timeIntervalSince(times[0]) >= 1.9, "sent again before the radio's 2 minutes (not the minute assumed before its notice)") }
        // The ledger holds the one transmission the radio took, not the refused one.
        let used = try RawDB.rows(home + "/messages.sqlite", "SELECT count(*) AS n FROM airtime").first?["n"] as Int?
        #expect(used == 1)
    }
}
