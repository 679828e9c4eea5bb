/// The stored form of a `RatchetState`: versioned bytes, so a database row says exactly what it
/// holds and a damaged one fails to parse instead of decoding to something else.
///
///     version (1) = 0x01
///     flags (1)           bit 0: a new key of ours is due
///     peer_holds_own (1)  the newest of our key ids the contact holds (0: none)
///     own_count (1), then each own key:
///         id (1) ‖ secret (32) ‖ retiring (9: 0x00, or 0x01 ‖ Unix seconds, IEEE 754 big-endian)
///         ‖ spent (1: 0 unknown, 1 no, 2 yes) ‖ next_count (1) ‖ next_count × (peer key id (1) ‖ number (2, BE))
///     peer_count (1), then each contact key:
///         id (1) ‖ public key (32) ‖ retiring (9)
///
/// Rows written before this form hold the JSON of its Codable conformance (first byte `{`);
/// LoraMessenger reads those (it has Foundation) and writes them back in this form.
extension RatchetState {
    static let encodingVersion: UInt8 = 0x01
    /// Keys per side at most in a stored state: the current, the retiring ones, and a margin.
    static let maxStoredKeys = 32

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.encodingVersion, advanceDue ? 1 : 0, peerHoldsOwn, UInt8(own.count)]
        func time(_ t: Double?) {
            guard let t else { out.append(0); out += [UInt8](repeating: 0, count: 8); return }
            out.append(1)
            let bits = t.bitPattern
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        }
        for k in own {
            out.append(k.id); out += k.secret; time(k.retiringSince)
            out.append(k.spent == nil ? 0 : k.spent == true ? 2 : 1)
            let next = k.next.sorted { $0.key < $1.key }
            out.append(UInt8(next.count))
            for (peerID, n) in next { out += [peerID, UInt8(n >> 8), UInt8(n & 0xFF)] }
        }
        out.append(UInt8(peer.count))
        for k in peer { out.append(k.id); out += k.publicKey; time(k.retiringSince) }
        return out
    }

    /// The first byte of a row written as JSON before this form.
    public static let legacyJSONFirstByte = UInt8(ascii: "{")

    /// Reads `encoded()` bytes. Throws on anything else, on a cut or padded row, and on counts
    /// past what a state can hold.
    public init(stored bytes: [UInt8]) throws(LoraCryptoError) {
        guard let first = bytes.first else { throw .malformedEnvelope(.tooShort(bytes: 0, minimum: 1)) }
        guard first == Self.encodingVersion else { throw .malformedEnvelope(.unsupportedVersion(first)) }
        var r = ByteReader(bytes, from: 1)
        self.init()
        let flags = try r.byte()
        guard flags & ~1 == 0 else { throw .malformedEnvelope(.badField("ratchet flags \(flags)")) }
        advanceDue = flags & 1 != 0
        peerHoldsOwn = try r.byte()
        let ownCount = Int(try r.byte())
        guard ownCount <= Self.maxStoredKeys else { throw .malformedEnvelope(.badField("\(ownCount) own ratchet keys")) }
        for _ in 0..<ownCount {
            var k = OwnKey(id: try r.byte(), secret: try r.bytes(32))
            k.retiringSince = try r.time()
            switch try r.byte() {
            case 0: k.spent = nil
            case 1: k.spent = false
            case 2: k.spent = true
            case let b: throw .malformedEnvelope(.badField("ratchet spent flag \(b)"))
            }
            for _ in 0..<Int(try r.byte()) {
                let peerID = try r.byte()
                let hi = try r.byte(), lo = try r.byte()
                guard k.next[peerID] == nil else { throw .malformedEnvelope(.badField("ratchet key \(peerID) counted twice")) }
                k.next[peerID] = UInt16(hi) << 8 | UInt16(lo)
            }
            own.append(k)
        }
        let peerCount = Int(try r.byte())
        guard peerCount <= Self.maxStoredKeys else { throw .malformedEnvelope(.badField("\(peerCount) contact ratchet keys")) }
        for _ in 0..<peerCount {
            var k = PeerKey(id: try r.byte(), publicKey: try r.bytes(32))
            k.retiringSince = try r.time()
            peer.append(k)
        }
        guard r.atEnd else { throw .malformedEnvelope(.tooLong(bytes: bytes.count, maximum: r.offset)) }
    }
}

/// Reads fields front to back; every read checks the length first.
private struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    init(_ bytes: [UInt8], from offset: Int) { self.bytes = bytes; self.offset = offset }
    var atEnd: Bool { offset == bytes.count }

    mutating func byte() throws(LoraCryptoError) -> UInt8 { try bytes(1)[0] }

    mutating func bytes(_ n: Int) throws(LoraCryptoError) -> [UInt8] {
        guard bytes.count - offset >= n else { throw .malformedEnvelope(.tooShort(bytes: bytes.count, minimum: offset + n)) }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    mutating func time() throws(LoraCryptoError) -> Double? {
        let present = try byte()
        let raw = try bytes(8)
        switch present {
        case 0:
            guard raw.allSatisfy({ $0 == 0 }) else { throw .malformedEnvelope(.badField("a ratchet time marked absent holds bytes")) }
            return nil
        case 1:
            let bits = raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let t = Double(bitPattern: bits)
            guard t.isFinite else { throw .malformedEnvelope(.badField("a ratchet time that is not a number")) }
            return t
        default:
            throw .malformedEnvelope(.badField("ratchet time marker \(present)"))
        }
    }
}
