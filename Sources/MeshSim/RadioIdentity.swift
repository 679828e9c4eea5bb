import MeshtasticWire

/// How a virtual radio gets its key and its node number. Firmware 2.8 derives the node number
/// from the radio's public key: `myNodeInfo.my_node_num = crc32Buffer(public_key)`
/// (NodeDB::NodeDB, src/mesh/NodeDB.cpp), CRC-32 as ErriezCRC32 computes it (the IEEE 802.3
/// polynomial, reflected, initial and final value 0xFFFFFFFF). Earlier firmware took it from
/// the MAC address; the sim stands in with a hash of the name.
enum RadioIdentity {
    static func crc32(_ bytes: [UInt8]) -> UInt32 { NodeNumber.crc32(bytes) }

    /// The radio's X25519 public key in the sim: fixed by its name, so a scenario's numbers are
    /// the same in every run and every seed.
    static func publicKey(name: String) -> [UInt8] {
        var state = UInt64(nameHash(name)) | UInt64(nameHash(name + "/key")) << 32
        return (0..<32).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// FNV-1a of the name: the stand-in for a 2.7 radio's MAC-derived number.
    static func nameHash(_ name: String) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for b in name.utf8 { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return h
    }

    /// Kept out of the reserved (0–3) and broadcast numbers.
    static func usable(_ n: UInt32) -> UInt32 { n < 4 || n == MeshPacket.broadcast ? n &+ 0x1000 : n }
}
