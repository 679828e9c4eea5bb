/// Frame 0x03: "my lora-msg has stored (or shown) these messages of yours". Nothing in it is
/// secret, so it is authenticated, not encrypted: its node number is in the packet header and
/// its references are prefixes of nonces that were on the air already. That keeps one
/// receipt for one message at 32 bytes.
///
///     0x03 | flags(1) | maker_hint(4) | maker_node(4, u32 BE) | ref(6) × k | tag(16)    k = 1…16
///
/// - flags bit 0: read (the messages were shown to the user); 0 means delivered. Bit 1: the
///   transfer form below. Other bits 0.
/// - maker_hint: the first 4 bytes of the maker's sender id; the receiver tries each contact
///   whose id starts with it.
/// - ref: the first 6 bytes of the nonce of each envelope the receipt covers.
/// - tag: the first 16 bytes of HMAC-SHA-256(Kr, bytes[0 ..< 10+6k] ‖ maker's full sender id),
///   Kr = HKDF-SHA-256(salt: none, IKM: K, info: "lora-msg v2 receipt", L: 32), K the pair's
///   contact key. Only the two holders of K can make it; the maker's id inside the MAC binds
///   the direction, so a receipt cannot be reflected back to its maker.
///
/// Transfer form (flags bit 1), what the receiver of a long message holds of it:
///
///     0x03 | flags | maker_hint(4) | maker_node(4) | transfer_id(4) | count(1) | bitmap(⌈count/8⌉) | tag(16)
///
/// bit i of the bitmap (byte i/8, least significant bit first) is set when chunk i is held;
/// unused bits of the last byte are 0. All bits set means the whole message is delivered.
///
/// Either form may carry the maker's ratchet (flags bit 2, and bit 3 for the key), between
/// the references or bitmap and the tag: `key id(1) ‖ newest addressee key id held(1) ‖
/// [ratchet public key(32)]` (docs/PROTOCOL.md, "0x06 ratcheted envelope").
public struct DeliveryReceipt: Equatable, Sendable {
    /// What a transfer receipt says: which chunks of `transferID` the maker holds.
    public struct TransferHoldings: Equatable, Sendable {
        public var transferID: UInt32
        public var held: [Bool]
        public var isComplete: Bool { held.allSatisfy { $0 } }
        public init(transferID: UInt32, held: [Bool]) { self.transferID = transferID; self.held = held }

        var bytes: [UInt8] {
            var bitmap = [UInt8](repeating: 0, count: (held.count + 7) / 8)
            for (i, h) in held.enumerated() where h { bitmap[i / 8] |= 1 << (i % 8) }
            return [UInt8(transferID >> 24), UInt8(transferID >> 16 & 0xFF), UInt8(transferID >> 8 & 0xFF), UInt8(transferID & 0xFF),
                    UInt8(held.count)] + bitmap
        }
    }

    public static let frameByte: UInt8 = 0x03
    public static let hintByteCount = 4
    public static let refByteCount = 6
    public static let tagByteCount = 16
    public static let maxRefs = 16
    static let headerByteCount = 1 + 1 + hintByteCount + 4   // 10
    public static let keyInfo = Array("lora-msg v2 receipt".utf8)

    public static func byteCount(refs: Int) -> Int { headerByteCount + refs * refByteCount + tagByteCount }

    public let read: Bool
    public let makerHint: [UInt8]
    /// The maker's radio, as the maker says (authenticated once `verify` succeeds).
    public let makerNode: UInt32
    /// Ref form: the envelopes covered. Empty in the transfer form.
    public let refs: [[UInt8]]
    /// Transfer form: the chunks held. Nil in the ref form.
    public let transfer: TransferHoldings?
    /// The maker's ratchet, when it ratchets with the addressee.
    public let ratchet: RatchetAdvert?
    public let tag: [UInt8]

    static let ratchetFlag: UInt8 = 4
    static let ratchetKeyFlag: UInt8 = 8
    /// The most a receipt's ratchet part adds.
    public static let maxRatchetBytes = 2 + PublicKey.byteCount

    public var bytes: [UInt8] { signedPart + tag }

    var signedPart: [UInt8] {
        var flags: UInt8 = (read ? 1 : 0) | (transfer != nil ? 2 : 0)
        if let ratchet { flags |= Self.ratchetFlag | (ratchet.key != nil ? Self.ratchetKeyFlag : 0) }
        return [Self.frameByte, flags] + makerHint
            + [UInt8(makerNode >> 24), UInt8(makerNode >> 16 & 0xFF), UInt8(makerNode >> 8 & 0xFF), UInt8(makerNode & 0xFF)]
            + (transfer?.bytes ?? refs.flatMap { $0 })
            + (ratchet.map { [$0.keyID, $0.newestPeerKeyID] + ($0.key?.bytes ?? []) } ?? [])
    }

    /// The reference of an envelope: the first 6 bytes of its nonce.
    public static func ref(ofNonce nonce: [UInt8]) -> [UInt8] { Array(nonce.prefix(refByteCount)) }

    /// Makes a receipt for envelopes (named by their nonces) received from the contact whose
    /// key is `key`, on a radio whose node is `node`.
    public static func make(read: Bool, nonces: [[UInt8]], node: UInt32, maker: SenderID, key: ContactKey,
                            ratchet: RatchetAdvert? = nil) throws(LoraCryptoError) -> DeliveryReceipt {
        guard (1...maxRefs).contains(nonces.count) else {
            throw .malformedEnvelope(.badField("a receipt covers 1…\(maxRefs) messages, not \(nonces.count)"))
        }
        let refs = nonces.map(ref(ofNonce:))
        guard refs.allSatisfy({ $0.count == refByteCount }) else { throw .malformedEnvelope(.badField("a nonce is shorter than a reference")) }
        try checkAdvert(ratchet)
        let unsigned = DeliveryReceipt(read: read, makerHint: Array(maker.bytes.prefix(hintByteCount)), makerNode: node, refs: refs, transfer: nil, ratchet: ratchet, tag: [])
        return try unsigned.signed(maker: maker, key: key)
    }

    /// Makes a transfer receipt: which chunks of a long message the maker holds.
    public static func make(holdings: TransferHoldings, node: UInt32, maker: SenderID, key: ContactKey,
                            ratchet: RatchetAdvert? = nil) throws(LoraCryptoError) -> DeliveryReceipt {
        guard (1...TransferChunk.maxCount).contains(holdings.held.count) else {
            throw .malformedEnvelope(.badField("a transfer has 1…\(TransferChunk.maxCount) chunks, not \(holdings.held.count)"))
        }
        try checkAdvert(ratchet)
        let unsigned = DeliveryReceipt(read: false, makerHint: Array(maker.bytes.prefix(hintByteCount)), makerNode: node, refs: [], transfer: holdings, ratchet: ratchet, tag: [])
        return try unsigned.signed(maker: maker, key: key)
    }

    private static func checkAdvert(_ advert: RatchetAdvert?) throws(LoraCryptoError) {
        if let advert, advert.keyID == 0 { throw .malformedEnvelope(.badField("ratchet key id 0")) }
    }

    private func signed(maker: SenderID, key: ContactKey) throws(LoraCryptoError) -> DeliveryReceipt {
        DeliveryReceipt(read: read, makerHint: makerHint, makerNode: makerNode, refs: refs, transfer: transfer, ratchet: ratchet,
                        tag: try expectedTag(maker: maker, key: key))
    }

    private init(read: Bool, makerHint: [UInt8], makerNode: UInt32, refs: [[UInt8]], transfer: TransferHoldings?, ratchet: RatchetAdvert?, tag: [UInt8]) {
        self.read = read; self.makerHint = makerHint; self.makerNode = makerNode; self.refs = refs; self.transfer = transfer
        self.ratchet = ratchet; self.tag = tag
    }

    /// Parses the frame's shape; `verify` decides whether it is genuine.
    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = try checkedFrame(bytes, first: Self.frameByte, minimum: Self.byteCount(refs: 1),
                                 maximum: Self.byteCount(refs: Self.maxRefs) + Self.maxRatchetBytes)
        guard b[1] & ~15 == 0 else { throw .malformedEnvelope(.badField("receipt flags 0x\(String(b[1], radix: 16)) has unknown bits")) }
        guard b[1] & Self.ratchetKeyFlag == 0 || b[1] & Self.ratchetFlag != 0 else {
            throw .malformedEnvelope(.badField("a ratchet key without the ratchet ids"))
        }
        read = b[1] & 1 != 0
        makerHint = Array(b[2..<6])
        makerNode = UInt32(b[6]) << 24 | UInt32(b[7]) << 16 | UInt32(b[8]) << 8 | UInt32(b[9])
        tag = Array(b[(b.count - Self.tagByteCount)...])
        // The ratchet part sits just before the tag.
        var end = b.count - Self.tagByteCount
        if b[1] & Self.ratchetFlag != 0 {
            let size = b[1] & Self.ratchetKeyFlag != 0 ? Self.maxRatchetBytes : 2
            guard end - size >= Self.headerByteCount + 1 else { throw .malformedEnvelope(.badField("a receipt too short for its ratchet part")) }
            let start = end - size
            guard b[start] != 0 else { throw .malformedEnvelope(.badField("ratchet key id 0")) }
            let key = size > 2 ? try PublicKey(bytes: Array(b[start + 2..<end])) : nil
            ratchet = RatchetAdvert(keyID: b[start], newestPeerKeyID: b[start + 1], key: key)
            end = start
        } else {
            ratchet = nil
        }
        if b[1] & 2 != 0 {
            let count = Int(b[14])
            let bitmapBytes = (count + 7) / 8
            guard (1...TransferChunk.maxCount).contains(count), end == 15 + bitmapBytes else {
                throw .malformedEnvelope(.badField("a transfer receipt for \(count) chunks cannot be \(b.count) bytes"))
            }
            let bitmap = b[15..<15 + bitmapBytes]
            if count % 8 != 0, let last = bitmap.last, last >> (count % 8) != 0 {
                throw .malformedEnvelope(.badField("bits set past the last chunk"))
            }
            let held = (0..<count).map { bitmap[15 + $0 / 8] & (1 << ($0 % 8)) != 0 }
            transfer = TransferHoldings(transferID: UInt32(b[10]) << 24 | UInt32(b[11]) << 16 | UInt32(b[12]) << 8 | UInt32(b[13]), held: held)
            refs = []
        } else {
            let body = end - Self.headerByteCount
            guard body > 0, body % Self.refByteCount == 0, body / Self.refByteCount <= Self.maxRefs else {
                throw .malformedEnvelope(.badField("a receipt's references are 1…16 of 6 bytes each; \(body) bytes is not that"))
            }
            refs = stride(from: Self.headerByteCount, to: end, by: Self.refByteCount).map { Array(b[$0..<$0 + Self.refByteCount]) }
            transfer = nil
        }
    }

    /// Whether `maker` (a contact whose id starts with `makerHint`) made this receipt.
    public func verify(maker: SenderID, key: ContactKey) -> Bool {
        guard Array(maker.bytes.prefix(Self.hintByteCount)) == makerHint,
              let expected = try? expectedTag(maker: maker, key: key) else { return false }
        return Sodium.equal(expected, tag)
    }

    private func expectedTag(maker: SenderID, key: ContactKey) throws(LoraCryptoError) -> [UInt8] {
        var kr = try key.subkey(info: Self.keyInfo)
        defer { Sodium.wipe(&kr) }
        return Array(HKDF.hmac(key: kr, [signedPart, maker.bytes]).prefix(Self.tagByteCount))
    }
}
