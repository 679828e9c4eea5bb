import Testing
import TestSupport
@testable import MeshtasticWire

/// Telemetry (port 67) and the admin answers the virtual radio gives, against bytes the
/// official Python classes (meshtastic 2.7.11) wrote, and bad input.
@Suite struct TelemetryAndAdminTests {
    /// Telemetry(time=1790000000, device_metrics={battery_level: 101, voltage: 0.0, uptime_seconds: 11}).
    @Test func deviceMetricsMatchTheOfficialClasses() throws {
        let bytes = fromHex("0d803bb16a120908651500000000280b")
        var m = DeviceMetrics(); m.batteryLevel = 101; m.voltage = 0; m.uptimeSeconds = 11
        #expect(Telemetry(time: 1_790_000_000, deviceMetrics: m).encoded() == bytes)
        let back = try Telemetry(decoding: bytes)
        #expect(back.variantField == 2 && back.deviceMetrics?.voltage == 0 && back.deviceMetrics?.channelUtilization == nil)
    }

    /// Telemetry(time=5, environment_metrics={temperature: 21.5}): another kind, kept verbatim.
    @Test func otherKindsAreToldApartAndKept() throws {
        let bytes = fromHex("0d050000001a050d0000ac41")
        let t = try Telemetry(decoding: bytes)
        #expect(t.variantField == 3 && t.deviceMetrics == nil && t.encoded() == bytes)
        #expect(try Telemetry(decoding: []).variantField == nil)
    }

    /// AdminMessage(get_canned_message_module_messages_response="Hi|Bye") and (get_ringtone_request=True).
    @Test func cannedMessagesAndRingtoneMatchTheOfficialClasses() throws {
        #expect(AdminMessage(.getCannedMessageModuleMessagesResponse("Hi|Bye")).encoded() == fromHex("5a0648697c427965"))
        #expect(try AdminMessage(decoding: fromHex("7001")).payloadVariant == .getRingtoneRequest(true))
        #expect(ModuleConfig(emptyVariant: 7).encoded() == [0x3A, 0x00])
    }

    @Test func truncatedAndGarbageAreErrorsNotTraps() throws {
        let good = fromHex("0d803bb16a120908651500000000280b")
        for n in 1..<good.count { _ = try? Telemetry(decoding: Array(good.prefix(n))) }
        #expect(throws: WireError.self) { try Telemetry(decoding: Array(good.dropLast())) }
        #expect(throws: WireError.self) { try AdminMessage(decoding: [0x5A, 0x40, 0x61]) }
        for junk in SeededGenerator.garbage(seed: 67) {
            _ = try? Telemetry(decoding: junk)
            _ = try? AdminMessage(decoding: junk)
        }
    }
}
