import Foundation
import Glibc
import LoraCrypto
import MeshtasticWire
import MessageStore

/// A file someone sent, as `tail` and `history` describe it. Its bytes stay sealed until
/// `save` writes them out.
public struct IncomingFile: Equatable, Sendable {
    public var name: String
    public var mediaType: String
    public var size: Int
}

extension Messenger {
    /// The longest text `send` takes (over 151 bytes it goes in chunks).
    public static let maxLongTextBytes = 4096
    /// The largest file `send --file` takes.
    public static let maxFileBytes = TransferStream.maxContentBytes

    /// Seals a long text or a file as a transfer: the stream (deflated when that wins) in
    /// chunks of 144 bytes, each its own envelope, all stored before anything is sent.
    public func composeTransfer(_ stream: TransferStream, to c: Contact, broadcast: Bool, channel: Int, hopLimit: Int?) throws(MessengerError) -> StoredMessage {
        guard let sid = try? SenderID(bytes: c.senderID), let key = key(for: sid) else {
            throw .crypto(.invalidKey("the stored key of '\(c.name)' gives no shared secret"))
        }
        let transferID = UInt32.random(in: 1...UInt32.max)
        let envelopes: [LoraEnvelope]
        // Broadcast chunks stay small enough for a 2.8 radio to sign them.
        let size = Self.goesAsBroadcast(to: c, forced: broadcast) ? TransferChunk.maxBroadcastDataBytes : TransferChunk.maxDataBytes
        do {
            let chunks = try TransferStream.chunks(of: try stream.encoded(), transferID: transferID, size: size)
            envelopes = try chunks.map { chunk throws(LoraCryptoError) in try LoraEnvelope.seal(.chunk(chunk), from: identity.senderID, with: key) }
        } catch { throw .crypto(error) }
        let t = now
        let m = StoredMessage(
            id: UUID().uuidString.lowercased(), peer: c.senderID, direction: .outgoing, envelope: envelopes[0].bytes,
            senderID: identity.senderID.bytes, nonce: envelopes[0].nonce, createdAt: t, state: .pending,
            toNode: broadcast ? nil : c.node, channel: channel, hopLimit: hopLimit, transferID: transferID, chunkCount: envelopes.count)
        let chunks = envelopes.enumerated().map { i, e in
            StoredChunk(peer: c.senderID, direction: .outgoing, transferID: transferID, index: i, count: envelopes.count,
                        envelope: e.bytes, nonce: e.nonce, at: t)
        }
        try stored(try store.insertTransfer(m, chunks: chunks))
        return m
    }

    /// Sends a file (at most 16 KiB) to a contact: chunked, sealed, kept in the outbox until
    /// the receiver holds every chunk.
    public func sendFile(at path: String, to name: String, plan: SendPlan, radio: RadioChoice,
                         progress: @escaping @Sendable (SendProgress) -> Void) async throws(MessengerError) -> SendOutcome {
        let c = try contact(named: name)
        let url = URL(fileURLWithPath: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw .invalidText(reason: "cannot read \(path): no such file, or not readable") }
        guard size <= Self.maxFileBytes else {
            throw .invalidText(reason: "\(path) is \(size) bytes; a file sent over LoRa is at most \(Self.maxFileBytes) bytes (16 KiB)")
        }
        guard let data = try? Data(contentsOf: url), !data.isEmpty else { throw .invalidText(reason: "cannot read \(path), or it is empty") }
        var fileName = url.lastPathComponent
        while fileName.utf8.count > TransferStream.maxNameBytes { fileName.removeFirst() }
        let stream = TransferStream(type: .file, name: fileName, mediaType: Self.mediaType(of: fileName), content: Array(data))
        let m = try composeTransfer(stream, to: c, broadcast: plan.broadcast, channel: plan.channel, hopLimit: plan.hopLimit)
        return try await deliver([m.id], plan: plan, radio: radio, progress: progress)[0].get()
    }

    public static func mediaType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "txt", "md": return "text/plain"
        case "json": return "application/json"
        case "csv": return "text/csv"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        case "vcf": return "text/vcard"
        case "gpx": return "application/gpx+xml"
        default: return "application/octet-stream"
        }
    }

    /// Opens every chunk of a transfer and puts the stream back together, in memory only.
    func assemble(peer: [UInt8], direction: Direction, transferID: UInt32, key: ContactKey) throws(MessengerError) -> TransferStream {
        let chunks: [StoredChunk]
        chunks = try stored(try store.chunks(peer: peer, direction: direction, transferID: transferID))
        guard let count = chunks.first?.count, chunks.count == count, chunks.enumerated().allSatisfy({ $0.offset == $0.element.index }) else {
            throw .invalidText(reason: "the transfer is incomplete")
        }
        var stream: [UInt8] = []
        do throws(LoraCryptoError) {
            for c in chunks {
                let env = try LoraEnvelope(bytes: c.envelope)
                guard case .chunk(let chunk) = try env.openContent(with: key), chunk.transferID == transferID, chunk.index == c.index,
                      chunk.count == count else { throw LoraCryptoError.malformedEnvelope(.badField("a stored chunk is not the one its row says")) }
                stream += chunk.data
            }
            return try TransferStream(decoding: stream)
        } catch { throw .crypto(error) }
    }

    /// The stream of a stored long message or file (by id or unique id prefix), opened in memory.
    public func transferStream(messageID prefix: String) throws(MessengerError) -> TransferStream {
        guard !prefix.isEmpty else { throw .usage(reason: "give the file's message id (tail shows it; so does 'lora-msg history NAME --json')") }
        let all: [StoredMessage]
        all = try stored(try store.messages(idPrefix: prefix))
        guard all.count == 1, let m = all.first else {
            if all.isEmpty { throw .noSuchRequest(reason: "no message with an id starting '\(prefix)'; 'lora-msg history NAME --json' shows the ids") }
            throw .usage(reason: "more than one message id starts with '\(prefix)'; give more of it")
        }
        guard let transfer = m.transferID, let sid = try? SenderID(bytes: m.peer), let key = key(for: sid) else {
            throw .invalidText(reason: "message \(prefix) is not a file")
        }
        return try assemble(peer: m.peer, direction: m.direction, transferID: transfer, key: key)
    }

    /// Writes a received (or sent) file out, on request only. Refuses to overwrite.
    public func saveFile(messageID prefix: String, to path: String) throws(MessengerError) -> IncomingFile {
        let stream = try transferStream(messageID: prefix)
        guard stream.type == .file else { throw .invalidText(reason: "message \(prefix) is a text, not a file; 'lora-msg history' shows it") }
        // Created here and now, 0600, or not at all: never a file someone made in between.
        try Self.createPrivately(stream.content, at: path)
        return IncomingFile(name: stream.name, mediaType: stream.mediaType, size: stream.content.count)
    }
}
