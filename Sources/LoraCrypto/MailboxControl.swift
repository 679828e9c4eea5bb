/// Frame 0x09: what a user and its mailbox (or a user and a contact) say to each other about a
/// mailbox (docs/PROTOCOL.md, "Mailbox"). Authenticated with the pair's key, not encrypted:
/// nothing in it is secret, and the mailbox learns who its users are anyway.
///
///     0x09 | op(1) | maker sender_id(8) | time(4, u32 BE) | body | tag(16)
///
/// tag = HMAC-SHA-256(Km, bytes[0 ..< 14+n] ‖ addressee's sender_id)[0 ..< 16],
/// Km = HKDF-SHA-256(salt: none, IKM: K, info: "lora-msg v4 mailbox", L: 32). `time` is the
/// maker's clock in seconds; a receiver takes from each maker only a time later than the last
/// it took for that op, so a recorded frame replayed is refused.
public struct MailboxControl: Equatable, Sendable {
    public enum Op: Equatable, Sendable {
        /// To a contact: "my mailbox is the radio `node`, identity `mailbox`" (node 0: none now).
        case advert(node: UInt32, mailbox: [UInt8])
        /// To the mailbox: hold frames for me.
        case register
        /// To the mailbox: stop holding for me (what it holds goes).
        case unregister
        /// To the mailbox: hand me what you hold.
        case fetch
        /// To the mailbox: I hold these (refs: SHA-256 of each handed frame, first 6 bytes); delete them.
        case confirm([[UInt8]])
        /// From the mailbox: you are registered; it holds `held` frames for you.
        case registered(held: UInt16)

        var code: UInt8 {
            switch self {
            case .advert: 0x01
            case .register: 0x02
            case .unregister: 0x03
            case .fetch: 0x04
            case .confirm: 0x05
            case .registered: 0x06
            }
        }

        var body: [UInt8] {
            switch self {
            case let .advert(node, mailbox): [UInt8(node >> 24), UInt8(node >> 16 & 0xFF), UInt8(node >> 8 & 0xFF), UInt8(node & 0xFF)] + mailbox
            case .register, .unregister, .fetch: []
            case .confirm(let refs): [UInt8(refs.count)] + refs.flatMap { $0 }
            case .registered(let held): [UInt8(held >> 8), UInt8(held & 0xFF)]
            }
        }
    }

    public static let frameByte: UInt8 = 0x09
    public static let headerByteCount = 14
    public static let tagByteCount = 16
    public static let maxRefs = 24
    public static let refByteCount = 6
    public static let keyInfo = Array("lora-msg v4 mailbox".utf8)

    public let op: Op
    public let maker: SenderID
    public let time: UInt32
    public let tag: [UInt8]

    public var opCode: UInt8 { op.code }

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = try checkedFrame(bytes, first: Self.frameByte, minimum: Self.headerByteCount + Self.tagByteCount,
                                 maximum: Self.headerByteCount + 1 + Self.maxRefs * Self.refByteCount + Self.tagByteCount)
        let body = Array(b[Self.headerByteCount..<(b.count - Self.tagByteCount)])
        func bad(_ why: String) -> LoraCryptoError { .malformedEnvelope(.badField("mailbox frame: \(why)")) }
        switch b[1] {
        case 0x01:
            guard body.count == 4 + SenderID.byteCount else { throw bad("an advert is 12 bytes, not \(body.count)") }
            op = .advert(node: UInt32(body[0]) << 24 | UInt32(body[1]) << 16 | UInt32(body[2]) << 8 | UInt32(body[3]), mailbox: Array(body[4...]))
        case 0x02, 0x03, 0x04:
            guard body.isEmpty else { throw bad("op \(b[1]) has no body") }
            op = b[1] == 0x02 ? .register : b[1] == 0x03 ? .unregister : .fetch
        case 0x05:
            guard let k = body.first, (1...Self.maxRefs).contains(Int(k)), body.count == 1 + Int(k) * Self.refByteCount else {
                throw bad("a confirm names 1…\(Self.maxRefs) refs of \(Self.refByteCount) bytes")
            }
            op = .confirm((0..<Int(k)).map { Array(body[1 + $0 * Self.refByteCount..<1 + ($0 + 1) * Self.refByteCount]) })
        case 0x06:
            guard body.count == 2 else { throw bad("a registration answer is 2 bytes") }
            op = .registered(held: UInt16(body[0]) << 8 | UInt16(body[1]))
        default:
            throw bad("unknown op \(b[1])")
        }
        maker = try SenderID(bytes: Array(b[2..<10]))
        time = UInt32(b[10]) << 24 | UInt32(b[11]) << 16 | UInt32(b[12]) << 8 | UInt32(b[13])
        tag = Array(b[(b.count - Self.tagByteCount)...])
    }

    private init(op: Op, maker: SenderID, time: UInt32, tag: [UInt8]) {
        self.op = op; self.maker = maker; self.time = time; self.tag = tag
    }

    static func signed(op: Op, maker: SenderID, time: UInt32) -> [UInt8] {
        [frameByte, op.code] + maker.bytes + [UInt8(time >> 24), UInt8(time >> 16 & 0xFF), UInt8(time >> 8 & 0xFF), UInt8(time & 0xFF)] + op.body
    }

    public var bytes: [UInt8] { Self.signed(op: op, maker: maker, time: time) + tag }

    static func tag(_ signed: [UInt8], addressee: SenderID, key: ContactKey) throws(LoraCryptoError) -> [UInt8] {
        Array(HKDF.hmac(key: try key.subkey(info: keyInfo), [signed, addressee.bytes]).prefix(tagByteCount))
    }

    /// A frame from `maker` to `addressee`, whose pair key is `key`.
    public static func make(_ op: Op, maker: SenderID, addressee: SenderID, time: UInt32, key: ContactKey) throws(LoraCryptoError) -> MailboxControl {
        if case .confirm(let refs) = op, !(1...maxRefs).contains(refs.count) || refs.contains(where: { $0.count != refByteCount }) {
            throw .malformedEnvelope(.badField("a confirm names 1…\(maxRefs) refs of \(refByteCount) bytes"))
        }
        if case .advert(_, let mailbox) = op, mailbox.count != SenderID.byteCount {
            throw .malformedEnvelope(.badField("an advert names the mailbox's 8-byte sender id"))
        }
        let s = signed(op: op, maker: maker, time: time)
        return MailboxControl(op: op, maker: maker, time: time, tag: try tag(s, addressee: addressee, key: key))
    }

    /// True when the pair's key made it, for us.
    public func verify(addressee: SenderID, key: ContactKey) -> Bool {
        guard let expected = try? Self.tag(Self.signed(op: op, maker: maker, time: time), addressee: addressee, key: key) else { return false }
        return Sodium.equal(expected, tag)
    }

    /// The ref a confirm uses for a handed frame.
    public static func ref(of frame: [UInt8]) -> [UInt8] { Array(digest(of: frame).prefix(refByteCount)) }
    /// SHA-256 of a held frame: the mailbox's key for it.
    public static func digest(of frame: [UInt8]) -> [UInt8] { Sodium.sha256(frame) }
}

/// Frame 0x0A: a copy of a sealed frame, left with the recipient's mailbox by its sender.
///
///     0x0A | recipient sender_id(8) | frame (an 0x01, 0x02 or 0x06 envelope, ≤ 200 bytes)
///
/// Not authenticated to the mailbox (the frame inside is, end to end, for its recipient); the
/// mailbox bounds what anyone can leave by quotas.
public struct MailboxDeposit: Equatable, Sendable {
    public static let frameByte: UInt8 = 0x0A
    public let recipient: SenderID
    public let frame: [UInt8]

    public init(recipient: SenderID, frame: [UInt8]) throws(LoraCryptoError) {
        guard let first = frame.first, [LoraEnvelope.version, LoraEnvelope.sealedVersion, RatchetEnvelope.version].contains(first),
              frame.count > 9, frame.count <= LoraEnvelope.maxTotalBytes else {
            throw .malformedEnvelope(.badField("a mailbox holds one envelope (0x01, 0x02 or 0x06) of up to \(LoraEnvelope.maxTotalBytes) bytes"))
        }
        self.recipient = recipient; self.frame = frame
    }

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = try checkedFrame(bytes, first: Self.frameByte, minimum: 1 + SenderID.byteCount + 10, maximum: 1 + SenderID.byteCount + LoraEnvelope.maxTotalBytes)
        try self.init(recipient: try SenderID(bytes: Array(b[1..<9])), frame: Array(b[9...]))
    }

    /// The envelope's own sender (bytes 1 ..< 9 of each kind it may hold).
    public var sender: [UInt8] { Array(frame[1..<9]) }
    public var bytes: [UInt8] { [Self.frameByte] + recipient.bytes + frame }
}

/// Frame 0x0B: a held frame handed by the mailbox to its recipient: `0x0B | frame`.
public struct MailboxDelivery: Equatable, Sendable {
    public static let frameByte: UInt8 = 0x0B
    public let frame: [UInt8]

    public init(frame: [UInt8]) { self.frame = frame }

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = try checkedFrame(bytes, first: Self.frameByte, minimum: 11, maximum: 1 + LoraEnvelope.maxTotalBytes)
        frame = Array(b[1...])
    }

    public var bytes: [UInt8] { [Self.frameByte] + frame }
}
