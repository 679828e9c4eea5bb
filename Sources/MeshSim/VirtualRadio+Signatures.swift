import LoRaPHY
import MeshtasticWire

/// Firmware 2.8's XEdDSA packet signatures (Router.cpp), as the sim models them: a radio signs
/// the broadcasts it originates when the signature still fits the frame, and checks what it
/// hears against its `packet_signature_policy` before relaying or delivering it. The sim's
/// "signature" is a keyed digest of the same inputs (no curve arithmetic): what matters here is
/// which packets carry one, what it costs on the air, and who drops what.
extension VirtualRadio {
    /// `config.security.packet_signature_policy`.
    public enum SignaturePolicy: String, Sendable, CaseIterable {
        /// Accept unsigned packets (the default).
        case compatible = "COMPATIBLE"
        /// Drop an unsigned broadcast small enough to sign from a node known to sign.
        case balanced = "BALANCED"
        /// Drop everything unsigned that is not PKI-encrypted.
        case strict = "STRICT"
    }

    /// XEDDSA_SIGNATURE_SIZE, and the field with its tag and length (XEDDSA_SIGNATURE_FIELD_BYTES).
    static let signatureBytes = 64
    static let signatureFieldBytes = 66

    /// perhapsEncode for our own packet: a client's signature is discarded; a non-PKI broadcast
    /// is signed when `signedDataFits` (the Data with the 66-byte field and the 16-byte header
    /// within 255 bytes: a PRIVATE_APP payload of at most 165 bytes).
    func signIfItFits(_ p: inout MeshPacket) {
        guard var d = p.decoded else { return }
        d.xeddsaSignature = []
        if settings.signsBroadcasts, identity.publicKey.count == 32, !p.pkiEncrypted, p.to == MeshPacket.broadcast,
           Self.signedSize(d) + MeshtasticFrame.headerBytes <= MeshtasticFrame.maxLoRaPayload {
            d.xeddsaSignature = Self.signature(key: identity.publicKey, from: p.from, id: p.id, data: d)
        }
        p.payloadVariant = .decoded(d)
    }

    /// Size of the Data with a full signature in it, as `signedDataFits` sizes it.
    static func signedSize(_ d: PacketData) -> Int {
        var signed = d
        signed.xeddsaSignature = Array(repeating: 0, count: signatureBytes)
        return signed.encoded().count
    }

    /// checkXeddsaReceivePolicy, run by passesRoutingAuthGate before any relaying or delivery.
    /// Marks `xeddsa_signed` only for a signature it verified; false: drop the packet.
    mutating func passesSignaturePolicy(_ p: inout MeshPacket) -> Bool {
        p.xeddsaSigned = false
        guard let d = p.decoded else { return true }
        let policy = settings.signaturePolicy
        if d.xeddsaSignature.count == Self.signatureBytes {
            guard let key = publicKey(of: p.from) else {
                // verifyFirstContactNodeInfo: a signed NodeInfo from a node we hold no key for
                // brings one, if its CRC32 is the sender's number and it signed this packet.
                if settings.checksFirstContact, d.portnum == .nodeinfoApp {
                    guard let user = try? User(decoding: d.payload), user.publicKey.count == 32,
                          RadioIdentity.crc32(user.publicKey) == p.from,
                          d.xeddsaSignature == Self.signature(key: user.publicKey, from: p.from, id: p.id, data: d) else { return false }
                    remember(user, of: p.from)
                    p.xeddsaSigned = true
                    knownSigners.insert(p.from)
                    return true
                }
                // No key to check it with: only Strict refuses.
                return policy != .strict
            }
            guard d.xeddsaSignature == Self.signature(key: key, from: p.from, id: p.id, data: d) else { return false }
            p.xeddsaSigned = true
            knownSigners.insert(p.from)
            return true
        }
        if !d.xeddsaSignature.isEmpty { return false }   // neither empty nor 64 bytes: malformed
        if p.pkiEncrypted { return true }
        switch policy {
        case .strict: return false
        case .compatible: return true
        case .balanced:
            // Only the class a signer always signs: a broadcast whose signed encoding would fit.
            let signable = Self.signedSize(d) + MeshtasticFrame.headerBytes <= MeshtasticFrame.maxLoRaPayload
            return !(knownSigners.contains(p.from) && p.to == MeshPacket.broadcast && signable)
        }
    }

    /// The stand-in signature: 64 bytes from a 64-bit FNV-1a of the signer's key and what
    /// xeddsa_sign covers (from, id, portnum, payload), spread by SplitMix64.
    static func signature(key: [UInt8], from: UInt32, id: UInt32, data d: PacketData) -> [UInt8] {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: [UInt8]) { for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 } }
        func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        mix(key); mix(le(from)); mix(le(id)); mix(le(UInt32(bitPattern: d.portnum.rawValue))); mix(d.payload)
        var out: [UInt8] = []
        var state = h
        while out.count < signatureBytes {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            out += (0..<8).map { UInt8(truncatingIfNeeded: z >> (8 * $0)) }
        }
        return out
    }

    /// NodeDB::updateUser from a NodeInfo heard (NodeInfoModule): a node's key is kept once
    /// known (another key drops the NodeInfo), one that signed before takes only signed
    /// updates, and a node without a key takes the one offered (trust on first use).
    mutating func learnUser(from p: MeshPacket) {
        guard p.from != identity.nodeNum, let d = p.decoded, d.portnum == .nodeinfoApp,
              let user = try? User(decoding: d.payload) else { return }
        if let held = publicKey(of: p.from) {
            guard user.publicKey == held, !knownSigners.contains(p.from) || p.xeddsaSigned else { return }
        } else if knownSigners.contains(p.from) && !p.xeddsaSigned {
            return
        }
        remember(user, of: p.from)
    }

    mutating func remember(_ user: User, of node: UInt32) {
        var u = user
        u.id = User.nodeID(node)
        if let i = settings.knownNodes.firstIndex(where: { $0.num == node }) {
            if (settings.knownNodes[i].user?.publicKey.count ?? 0) == 32 { u.publicKey = settings.knownNodes[i].user?.publicKey ?? u.publicKey }
            settings.knownNodes[i].user = u
        } else {
            var n = NodeInfo(); n.num = node; n.user = u
            settings.knownNodes.append(n)
        }
    }
}
