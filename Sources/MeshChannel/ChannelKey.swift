/// A channel's AES key as the firmware expands the PSK it is configured with
/// (`Channels::getKey`), and the one-byte channel hash that goes in every packet header.
public struct ChannelKey: Equatable, Sendable {
    /// The public default key behind the one-byte PSKs 1…255 (`defaultpsk` in Channels.h).
    /// Everyone has it: a channel on it keeps nothing from anyone.
    public static let defaultPSK: [UInt8] = [0xD4, 0xF1, 0xBB, 0x3A, 0x20, 0x29, 0x07, 0x59,
                                             0xF0, 0xBC, 0xFF, 0xAB, 0xCF, 0x4E, 0x69, 0x01]

    /// 0 bytes (no encryption), 16 (AES-128) or 32 (AES-256).
    public let bytes: [UInt8]

    /// `psk` as a ChannelSettings holds it: empty or [0] means no encryption; one byte N ≥ 1 is
    /// the default key with its last byte raised by N − 1; a key short of 16 or 32 bytes is
    /// padded with zeros, as the firmware does (with a warning) rather than refusing it.
    public init(psk: [UInt8]) {
        switch psk.count {
        case 0:
            bytes = []
        case 1:
            if psk[0] == 0 { bytes = []; return }
            var k = Self.defaultPSK
            k[15] = k[15] &+ psk[0] &- 1
            bytes = k
        case 2..<16:
            bytes = psk + [UInt8](repeating: 0, count: 16 - psk.count)
        case 16:
            bytes = psk
        case 17..<32:
            bytes = psk + [UInt8](repeating: 0, count: 32 - psk.count)
        default:
            bytes = Array(psk.prefix(32))
        }
    }

    public var encrypts: Bool { !bytes.isEmpty }

    /// Whether this is one of the public default keys (or none): a broker operator holding it
    /// reads the channel layer, so only lora-msg's own envelope protects the content.
    public var isPublic: Bool { bytes.isEmpty || (bytes.count == 16 && bytes.prefix(15).elementsEqual(Self.defaultPSK.prefix(15))) }

    /// `Channels::generateHash`: XOR of the channel name's bytes, XORed with the key's bytes.
    /// The name is the preset's display name ("LongFast") when the channel has none.
    public func hash(channelName: String) -> UInt8 {
        let n = channelName.utf8.reduce(UInt8(0), ^)
        return bytes.reduce(n, ^)
    }
}
