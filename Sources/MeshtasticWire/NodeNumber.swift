/// Firmware 2.8 derives a radio's node number from its public key:
/// `my_node_num = crc32Buffer(public_key)` (NodeDB::NodeDB, src/mesh/NodeDB.cpp), CRC-32 as
/// ErriezCRC32 computes it (IEEE 802.3 polynomial, reflected, initial and final value
/// 0xFFFFFFFF). Earlier firmware took the number from the MAC address, so a 2.7 radio's number
/// says nothing about its key.
public enum NodeNumber {
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The number a 2.8 radio with this key has; nil for anything but a 32-byte key.
    public static func of(publicKey: [UInt8]) -> UInt32? {
        publicKey.count == 32 ? crc32(publicKey) : nil
    }
}
