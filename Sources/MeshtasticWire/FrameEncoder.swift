/// The stream framing shared by USB serial and TCP: `94 C3`, a 16-bit big-endian payload
/// length, then one protobuf. No CRC, no escaping.
public enum StreamFraming {
    public static let start1: UInt8 = 0x94
    public static let start2: UInt8 = 0xC3
    public static let headerLength = 4
    /// `MAX_TO_FROM_RADIO_SIZE` in the firmware; the device's buffer is 512 + 4.
    public static let maxPayload = 512
    /// What the official client writes on connect: it wakes a sleeping radio and pushes a
    /// radio parser stuck mid-header back to hunting for START1 (0xC3 is START2, so any
    /// header it completes has a length ≥ 0xC3C3, which is rejected).
    public static let wakePreamble = [UInt8](repeating: start2, count: 32)
}

public enum FrameEncoder {
    public static func frame(_ payload: [UInt8]) throws(WireError) -> [UInt8] {
        guard payload.count <= StreamFraming.maxPayload else {
            throw .frameTooLarge(bytes: payload.count, limit: StreamFraming.maxPayload)
        }
        var out = [UInt8]()
        out.reserveCapacity(StreamFraming.headerLength + payload.count)
        out.append(StreamFraming.start1)
        out.append(StreamFraming.start2)
        out.append(UInt8(payload.count >> 8))
        out.append(UInt8(payload.count & 0xFF))
        out.append(contentsOf: payload)
        return out
    }

    public static func frame<M: ProtoMessage>(_ message: M) throws(WireError) -> [UInt8] { try frame(message.encoded()) }
}
