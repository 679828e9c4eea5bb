/// Frame 0x03: "my lora-msg has stored (or shown) these messages of yours". Nothing in it is
/// secret, so it is authenticated, not encrypted: its node number is in the packet header and
/// its references are prefixes of nonces that were on the air already. That keeps one
/// receipt for one message at 32 bytes.
///
///     0x03 | flags(1) | maker_hint(4) | maker_node(4, u32 BE) | ref(6) × k | tag(16)    k = 1…16
///
/// - flags bit 0: read (the messages were shown to the user); 0 means delivered. Other bits 0.
/// - maker_hint: the first 4 bytes of the maker's sender id; the receiver tries each contact
///   whose id starts with it.
/// - ref: the first 6 bytes of the nonce of each envelope the receipt covers.
/// - tag: the first 16 bytes of HMAC-SHA-256(Kr, bytes[0 ..< 10+6k] ‖ maker's full sender id),
///   Kr = HKDF-SHA-256(salt: none, IKM: K, info: "lora-msg v2 receipt", L: 32), K the pair's
///   contact key. Only the two holders of K can make it; the maker's id inside the MAC binds
///   the direction, so a receipt cannot be reflected back to its maker.
public struct DeliveryReceipt: Equatable, Sendable {
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
    public let refs: [[UInt8]]
    public let tag: [UInt8]

    public var bytes: [UInt8] { signedPart + tag }

    var signedPart: [UInt8] {
        [Self.frameByte, read ? 1 : 0] + makerHint
            + [UInt8(makerNode >> 24), UInt8(makerNode >> 16 & 0xFF), UInt8(makerNode >> 8 & 0xFF), UInt8(makerNode & 0xFF)]
            + refs.flatMap { $0 }
    }

    /// The reference of an envelope: the first 6 bytes of its nonce.
    public static func ref(ofNonce nonce: [UInt8]) -> [UInt8] { Array(nonce.prefix(refByteCount)) }

    /// Makes a receipt for envelopes (named by their nonces) received from the contact whose
    /// key is `key`, on a radio whose node is `node`.
    public static func make(read: Bool, nonces: [[UInt8]], node: UInt32, maker: SenderID, key: ContactKey) throws(LoraCryptoError) -> DeliveryReceipt {
        guard (1...maxRefs).contains(nonces.count) else {
            throw .malformedEnvelope(.badField("a receipt covers 1…\(maxRefs) messages, not \(nonces.count)"))
        }
        let refs = nonces.map(ref(ofNonce:))
        guard refs.allSatisfy({ $0.count == refByteCount }) else { throw .malformedEnvelope(.badField("a nonce is shorter than a reference")) }
        let unsigned = DeliveryReceipt(read: read, makerHint: Array(maker.bytes.prefix(hintByteCount)), makerNode: node, refs: refs, tag: [])
        let tag = try unsigned.expectedTag(maker: maker, key: key)
        return DeliveryReceipt(read: read, makerHint: unsigned.makerHint, makerNode: node, refs: refs, tag: tag)
    }

    private init(read: Bool, makerHint: [UInt8], makerNode: UInt32, refs: [[UInt8]], tag: [UInt8]) {
        self.read = read; self.makerHint = makerHint; self.makerNode = makerNode; self.refs = refs; self.tag = tag
    }

    /// Parses the frame's shape; `verify` decides whether it is genuine.
    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = Array(bytes)
        let minimum = Self.byteCount(refs: 1)
        guard b.count >= minimum else { throw .malformedEnvelope(.tooShort(bytes: b.count, minimum: minimum)) }
        guard b.count <= Self.byteCount(refs: Self.maxRefs) else {
            throw .malformedEnvelope(.tooLong(bytes: b.count, maximum: Self.byteCount(refs: Self.maxRefs)))
        }
        guard b[0] == Self.frameByte else { throw .malformedEnvelope(.unsupportedVersion(b[0])) }
        guard b[1] & ~1 == 0 else { throw .malformedEnvelope(.badField("receipt flags 0x\(String(b[1], radix: 16)) has unknown bits")) }
        let body = b.count - Self.headerByteCount - Self.tagByteCount
        guard body % Self.refByteCount == 0 else {
            throw .malformedEnvelope(.badField("a receipt's references are 6 bytes each; \(body) bytes is not a whole number of them"))
        }
        read = b[1] == 1
        makerHint = Array(b[2..<6])
        makerNode = UInt32(b[6]) << 24 | UInt32(b[7]) << 16 | UInt32(b[8]) << 8 | UInt32(b[9])
        refs = stride(from: Self.headerByteCount, to: b.count - Self.tagByteCount, by: Self.refByteCount).map { Array(b[$0..<$0 + Self.refByteCount]) }
        tag = Array(b[(b.count - Self.tagByteCount)...])
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
