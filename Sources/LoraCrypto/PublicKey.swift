import CSodium

/// An X25519 public key: 32 bytes. Its text form is standard base64 (44 characters);
/// reading also accepts 64 hex digits and base64url, with or without padding, because keys
/// travel through chat apps, QR scanners and shells that each mangle something.
public struct PublicKey: Hashable, Sendable {
    public static let byteCount = 32
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(LoraCryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidKey("a public key is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    public init(text: String) throws(LoraCryptoError) {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw .invalidKey("the key text is empty") }
        guard trimmed.utf8.count <= 128 else {
            throw .invalidKey("the key text is \(trimmed.utf8.count) characters; a key is 44 (base64) or 64 (hex)")
        }
        if let raw = TextCodec.hex(trimmed) ?? TextCodec.base64(trimmed) {
            try self.init(bytes: raw)
            return
        }
        throw .invalidKey("expected 44 base64 characters or 64 hex digits")
    }

    /// Standard base64 with padding: the canonical text form.
    public var base64: String { TextCodec.base64String(bytes) }

    public var senderID: SenderID { SenderID(publicKey: self) }
}

/// First 8 bytes of SHA-256 over the sender's X25519 public key: enough for a recipient to
/// find the contact key without putting the whole key on the air.
public struct SenderID: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 8
    public let bytes: [UInt8]

    public init(publicKey: PublicKey) {
        bytes = Array(Sodium.sha256(publicKey.bytes).prefix(Self.byteCount))
    }

    public init(bytes: [UInt8]) throws(LoraCryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidKey("a sender id is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    public init(hex: String) throws(LoraCryptoError) {
        guard let raw = TextCodec.hex(hex.trimmingASCIIWhitespace()), raw.count == Self.byteCount else {
            throw .invalidKey("a sender id is 16 hex digits")
        }
        bytes = raw
    }

    public var hex: String { TextCodec.hexString(bytes) }
    public var description: String { hex }
}

enum TextCodec {
    static func hex(_ s: String) -> [UInt8]? {
        let utf8 = Array(s.utf8)
        guard !utf8.isEmpty, utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes any of libsodium's four base64 variants; the whole string must be consumed.
    static func base64(_ s: String) -> [UInt8]? {
        let variants: [Int32] = [
            sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
            sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING,
        ]
        let input = Array(s.utf8)
        for variant in variants {
            var out = [UInt8](repeating: 0, count: input.count)
            var written = 0
            var end: UnsafePointer<CChar>? = nil
            let rc = input.withUnsafeBufferPointer { inp in
                inp.withMemoryRebound(to: CChar.self) { chars in
                    sodium_base642bin(&out, out.count, chars.baseAddress, chars.count, nil, &written, &end, variant)
                }
            }
            if rc == 0, let end, input.withUnsafeBufferPointer({ inp in
                inp.withMemoryRebound(to: CChar.self) { end == $0.baseAddress! + $0.count }
            }) {
                return Array(out.prefix(written))
            }
        }
        return nil
    }

    static func base64String(_ bytes: [UInt8]) -> String {
        let variant = sodium_base64_VARIANT_ORIGINAL
        let size = sodium_base64_encoded_len(bytes.count, variant)
        var out = [CChar](repeating: 0, count: size)
        _ = sodium_bin2base64(&out, size, bytes, bytes.count, variant)
        return String(decoding: out.prefix(size - 1).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let u = Array(utf8)
        guard let first = u.firstIndex(where: { !isSpace($0) }), let last = u.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(decoding: u[first...last], as: UTF8.self)
    }
}
