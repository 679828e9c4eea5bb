import CLibcrypto
import MeshtasticWire

/// libcrypto could not run AES-CTR (out of memory, or a broken library): never a packet's fault,
/// but the packet cannot go, and the caller says so rather than send it in the clear.
public enum ChannelCipherError: Error, Equatable, Sendable, CustomStringConvertible {
    case libcrypto(String)
    public var description: String { "channel encryption failed in libcrypto: \(self.detail)" }
    var detail: String { if case .libcrypto(let s) = self { return s } else { return "" } }
}

/// The channel layer of a Meshtastic packet: AES-CTR over the encoded `Data`, keyed by the
/// channel key, with the 16-byte counter block the firmware builds (`CryptoEngine::initNonce`):
/// the packet id as a little-endian 64-bit number, the sender's node number little-endian, then
/// four zero bytes that the counter counts up in. This is what a gateway uplinks and what a
/// broker can read with the channel key; it is not lora-msg's protection, the envelope is.
public enum ChannelCipher {
    /// Encrypts or decrypts (CTR is its own inverse). An empty key returns the bytes unchanged,
    /// as the firmware does for a channel with encryption off.
    public static func apply(_ bytes: [UInt8], key: ChannelKey, packetID: UInt32, from: UInt32) throws(ChannelCipherError) -> [UInt8] {
        guard key.encrypts, !bytes.isEmpty else { return bytes }
        var iv = [UInt8](repeating: 0, count: 16)
        for i in 0..<4 { iv[i] = UInt8(truncatingIfNeeded: packetID >> (8 * UInt32(i))) }
        for i in 0..<4 { iv[8 + i] = UInt8(truncatingIfNeeded: from >> (8 * UInt32(i))) }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw .libcrypto("no cipher context (out of memory)") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let cipher = key.bytes.count == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr()
        var out = [UInt8](repeating: 0, count: bytes.count + 16)
        var written: Int32 = 0, tail: Int32 = 0
        let ok = key.bytes.withUnsafeBufferPointer { k in
            iv.withUnsafeBufferPointer { v in
                EVP_EncryptInit_ex(ctx, cipher, nil, k.baseAddress, v.baseAddress) == 1
                    && EVP_EncryptUpdate(ctx, &out, &written, bytes, Int32(bytes.count)) == 1
            }
        }
        let finished = ok && out.withUnsafeMutableBufferPointer { p in
            EVP_EncryptFinal_ex(ctx, p.baseAddress.map { $0 + Int(written) }, &tail) == 1
        }
        guard finished, Int(written + tail) == bytes.count else { throw .libcrypto("AES-CTR did not run") }
        return Array(out.prefix(bytes.count))
    }

    /// A decoded packet as it goes on the air and to a broker: its `Data` encrypted, and
    /// `channel` holding the channel hash instead of the local channel index.
    public static func seal(_ packet: MeshPacket, key: ChannelKey, channelHash: UInt8) throws(ChannelCipherError) -> MeshPacket {
        guard let d = packet.decoded else { return packet }
        var p = packet
        p.payloadVariant = .encrypted(try apply(d.encoded(), key: key, packetID: packet.id, from: packet.from))
        p.channel = UInt32(channelHash)
        return p
    }

    /// The inverse of `seal`: nil when the hash is not this channel's or the bytes do not decode
    /// as `Data` (another channel's packet with a colliding hash, or garbage).
    public static func open(_ packet: MeshPacket, key: ChannelKey, channelHash: UInt8, channelIndex: UInt32 = 0) -> MeshPacket? {
        guard case .encrypted(let bytes)? = packet.payloadVariant, packet.channel == UInt32(channelHash) else { return nil }
        guard let plain = try? apply(bytes, key: key, packetID: packet.id, from: packet.from) else { return nil }
        guard let d = try? PacketData(decoding: plain), d.portnum.rawValue != 0 else { return nil }
        var p = packet
        p.payloadVariant = .decoded(d)
        p.channel = channelIndex
        return p
    }
}
