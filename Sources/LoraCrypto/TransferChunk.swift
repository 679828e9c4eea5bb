/// Sealed kind 0x02: one piece of a long message or file. Each chunk is its own authenticated
/// envelope, so a chunk alone tells an attacker nothing and a forged or foreign chunk cannot
/// enter a message.
///
///     transfer_id(4, u32 BE) | index(1) | count(1) | data(1…144)
///
/// The data of chunks 0…count−1, in order, is the transfer stream (`TransferStream`).
public struct TransferChunk: Equatable, Sendable {
    public static let headerByteCount = 6
    /// 151 bytes of plaintext − the kind byte − this header.
    public static let maxDataBytes = LoraEnvelope.maxPlaintextBytes - 1 - headerByteCount   // 144
    /// The chunk size of a transfer sent as broadcasts: each envelope then fits a signed
    /// broadcast (`LoraEnvelope.maxSignedBroadcastBytes`).
    public static let maxBroadcastDataBytes = LoraEnvelope.maxSignedBroadcastPlaintextBytes - 1 - headerByteCount   // 109
    public static let maxCount = 128

    public let transferID: UInt32
    public let index: Int
    public let count: Int
    public let data: [UInt8]

    public init(transferID: UInt32, index: Int, count: Int, data: [UInt8]) throws(LoraCryptoError) {
        guard (1...Self.maxCount).contains(count), (0..<count).contains(index) else {
            throw .malformedEnvelope(.badField("chunk \(index) of \(count) is outside 1…\(Self.maxCount) chunks"))
        }
        guard (1...Self.maxDataBytes).contains(data.count) else {
            throw .malformedEnvelope(.badField("a chunk carries 1…\(Self.maxDataBytes) bytes, not \(data.count)"))
        }
        self.transferID = transferID; self.index = index; self.count = count; self.data = data
    }

    public var bytes: [UInt8] {
        [UInt8(transferID >> 24), UInt8(transferID >> 16 & 0xFF), UInt8(transferID >> 8 & 0xFF), UInt8(transferID & 0xFF),
         UInt8(index), UInt8(count)] + data
    }

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = Array(bytes)
        guard b.count > Self.headerByteCount else {
            throw .malformedEnvelope(.badField("a chunk is at least \(Self.headerByteCount + 1) bytes, got \(b.count)"))
        }
        try self.init(transferID: UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3]),
                      index: Int(b[4]), count: Int(b[5]), data: Array(b[6...]))
    }
}

/// What the chunks of one transfer carry, once put back in order:
///
///     type(1) | flags(1) | length(4, u32 BE) | digest(8) | L(1) | name(L) | M(1) | media_type(M) | payload
///
/// type 0x01 text (UTF-8), 0x02 file, 0x03 group roster. flags bit 0: payload is raw deflate (RFC 1951) of the
/// content, else the content itself; other bits 0. length: the content's size. digest: the
/// first 8 bytes of SHA-256(content), checked after reassembly and inflation. name: the
/// file's name (UTF-8, 0 for a text); media_type: ASCII, e.g. "text/plain" (0 for a text).
public struct TransferStream: Equatable, Sendable {
    /// 0x03: a group roster (`GroupRoster`), from a group's creator or a member leaving.
    public enum ContentType: UInt8, Sendable { case text = 0x01, file = 0x02, groupRoster = 0x03 }
    /// The largest content accepted: a file of 16 KiB, a text of 4 KiB (the CLI's limits).
    public static let maxContentBytes = 16 * 1024
    public static let maxNameBytes = 64

    public var type: ContentType
    public var name: String
    public var mediaType: String
    public var content: [UInt8]

    public init(type: ContentType, name: String = "", mediaType: String = "", content: [UInt8]) {
        self.type = type; self.name = name; self.mediaType = mediaType; self.content = content
    }

    /// The stream bytes; the content is deflated when that makes it shorter.
    public func encoded() throws(LoraCryptoError) -> [UInt8] {
        guard content.count <= Self.maxContentBytes else { throw .messageTooLong(bytes: content.count, limit: Self.maxContentBytes) }
        let nameBytes = Array(name.utf8), media = Array(mediaType.utf8)
        guard nameBytes.count <= Self.maxNameBytes, media.count <= 127, mediaType.allSatisfy(\.isASCII) else {
            throw .malformedEnvelope(.badField("a file name is at most \(Self.maxNameBytes) bytes and a media type 127 ASCII bytes"))
        }
        // Deflated only when that is shorter (random bytes, a photo, do not shrink).
        let payload = Deflate.compress(content).flatMap { $0.count < content.count ? $0 : nil }
        let useDeflate = payload != nil
        let n = UInt32(content.count)
        var out: [UInt8] = [type.rawValue, useDeflate ? 1 : 0, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        out += Sodium.sha256(content).prefix(8)
        out += [UInt8(nameBytes.count)] + nameBytes + [UInt8(media.count)] + media
        out += payload ?? content
        return out
    }

    public init(decoding b: [UInt8]) throws(LoraCryptoError) {
        func bad(_ why: String) -> LoraCryptoError { .malformedEnvelope(.badField("transfer: \(why)")) }
        guard b.count >= 16 else { throw bad("shorter than its header") }
        guard let t = ContentType(rawValue: b[0]) else { throw bad("unknown content type \(b[0])") }
        guard b[1] & ~1 == 0 else { throw bad("unknown flag bits") }
        let length = Int(b[2]) << 24 | Int(b[3]) << 16 | Int(b[4]) << 8 | Int(b[5])
        guard length <= Self.maxContentBytes else { throw bad("says \(length) bytes, over the \(Self.maxContentBytes)-byte limit") }
        let digest = Array(b[6..<14])
        var i = 14
        let nameLength = Int(b[i]); i += 1
        guard nameLength <= Self.maxNameBytes, i + nameLength < b.count else { throw bad("name runs past the end") }
        guard let name = String(validating: b[i..<i + nameLength], as: UTF8.self) else { throw bad("name is not UTF-8") }
        i += nameLength
        let mediaLength = Int(b[i]); i += 1
        guard mediaLength <= 127, i + mediaLength <= b.count,
              let media = String(validating: b[i..<i + mediaLength], as: UTF8.self), media.allSatisfy(\.isASCII) else {
            throw bad("media type runs past the end or is not ASCII")
        }
        i += mediaLength
        let payload = Array(b[i...])
        let content: [UInt8]
        if b[1] & 1 != 0 {
            guard let inflated = Deflate.decompress(payload, expectedLength: length) else { throw bad("payload does not inflate to \(length) bytes") }
            content = inflated
        } else {
            content = payload
        }
        guard content.count == length else { throw bad("content is \(content.count) bytes, header says \(length)") }
        guard Sodium.equal(Array(Sodium.sha256(content).prefix(8)), digest) else { throw bad("content does not match its digest") }
        if t == .text, String(validating: content, as: UTF8.self) == nil { throw .plaintextNotUTF8 }
        self.init(type: t, name: name, mediaType: media, content: content)
    }

    /// Splits an encoded stream into the chunks of one transfer, each `size` bytes but the last
    /// (144, or 109 for a transfer that goes as broadcasts).
    public static func chunks(of stream: [UInt8], transferID: UInt32, size: Int = TransferChunk.maxDataBytes) throws(LoraCryptoError) -> [TransferChunk] {
        guard (1...TransferChunk.maxDataBytes).contains(size) else { throw .malformedEnvelope(.badField("chunk size \(size)")) }
        let count = (stream.count + size - 1) / size
        guard count <= TransferChunk.maxCount else {
            throw .messageTooLong(bytes: stream.count, limit: TransferChunk.maxCount * size)
        }
        var out: [TransferChunk] = []
        for i in 0..<count {
            let start = i * size
            out.append(try TransferChunk(transferID: transferID, index: i, count: count,
                                         data: Array(stream[start..<min(stream.count, start + size)])))
        }
        return out
    }
}
