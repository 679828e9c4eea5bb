import LoraMessenger
import LoRaPHY
import LoraCrypto
import MeshtasticWire

/// The byte budget of one message, computed from the constants the code itself uses, so the
/// findings file cannot drift from what is built.
public enum EnvelopeBudget {
    public static func markdown(command: String) -> String {
        let overhead = LoraEnvelope.overhead
        let envelope = LoraEnvelope.maxTotalBytes
        let text = LoraEnvelope.maxPlaintextBytes
        let data = PacketData(portnum: PortNum(.privateApp), payload: [UInt8](repeating: 0, count: envelope))
        let dataBytes = data.encoded().count
        let phyBroadcast = MeshtasticFrame.phyBytes(encodedData: dataBytes, pki: false)
        let phyDM = MeshtasticFrame.phyBytes(encodedData: dataBytes, pki: true)
        var md = [
            "# Envelope byte budget",
            "",
            "**Computed** from the constants lora-msg is built with (`LoraEnvelope`, `PacketData`, `MeshtasticFrame`, `LoRaModem`), not measured on air.",
            "",
            "Regenerate: `\(command)`",
            "",
            "## One envelope",
            "",
            "| part | bytes |",
            "|---|---|",
            "| version | 1 |",
            "| sender_id (SHA-256 of the public key, truncated) | \(SenderID.byteCount) |",
            "| nonce (XChaCha20) | \(LoraEnvelope.nonceByteCount) |",
            "| ciphertext = UTF-8 text | ≤ \(text) |",
            "| Poly1305 tag | \(LoraEnvelope.tagByteCount) |",
            "| **overhead** | **\(overhead)** |",
            "| **whole envelope** | **≤ \(envelope)** |",
            "",
            "## Inside the firmware's limits",
            "",
            "| layer | used by a full message | firmware limit | unused |",
            "|---|---|---|---|",
            "| `Data.payload` (the envelope) | \(envelope) | \(PacketData.maxPayloadBytes) | \(PacketData.maxPayloadBytes - envelope) |",
            "| encoded `Data` (portnum 256 = 3 bytes, payload tag + length = 3) | \(dataBytes) | \(MeshtasticFrame.maxLoRaPayload - MeshtasticFrame.headerBytes) | \(MeshtasticFrame.maxLoRaPayload - MeshtasticFrame.headerBytes - dataBytes) |",
            "| LoRa frame, broadcast (16-byte header + Data) | \(phyBroadcast) | \(MeshtasticFrame.maxLoRaPayload) | \(MeshtasticFrame.maxLoRaPayload - phyBroadcast) |",
            "| LoRa frame, PKI DM (+ \(MeshtasticFrame.pkiOverhead): 8-byte tag, 4-byte nonce) | \(phyDM) | \(MeshtasticFrame.maxLoRaPayload) | \(MeshtasticFrame.maxLoRaPayload - phyDM) |",
            "",
            "The spec assumed a 200-byte payload; the firmware allows \(PacketData.maxPayloadBytes). lora-msg keeps the spec's 200-byte envelope, so \(PacketData.maxPayloadBytes - envelope) bytes of `Data.payload` stay unused: room for a later envelope version (e.g. a message id for receipts) without a protocol break at the radio.",
            "",
            "## What fits in \(text) bytes",
            "",
            "| text | bytes per character | characters |",
            "|---|---|---|",
        ]
        for (name, sample) in [("ASCII (English)", "a"), ("Latin with accents (é)", "é"), ("Cyrillic, Greek, Hebrew, Arabic", "ж"), ("CJK (谷)", "谷"), ("emoji (🐄)", "🐄")] {
            let per = sample.utf8.count
            md.append("| \(name) | \(per) | \(text / per) |")
        }
        md += [
            "",
            "## Time on air of a full message, and the EU_868 hour",
            "",
            "EU_868 allows \(Int(LoRaRegion.eu868.hourlyBudgetMilliseconds / 1000)) s of transmission per hour (10 %). One transmission each; a DM the radio has to retry costs up to 3×.",
            "",
            "| preset | SF / BW / CR | broadcast ms | PKI DM ms | full messages per hour (broadcast) |",
            "|---|---|---|---|---|",
        ]
        for p in [LoRaPreset.shortTurbo, .shortFast, .shortSlow, .mediumFast, .mediumSlow, .longFast, .longModerate, .longSlow, .veryLongSlow] {
            let m = p.modem
            let b = m.timeOnAirMilliseconds(bytes: phyBroadcast), d = m.timeOnAirMilliseconds(bytes: phyDM)
            let perHour = Int(LoRaRegion.eu868.hourlyBudgetMilliseconds / b)
            md.append("| \(p.displayName) | SF\(m.spreadingFactor) / \(m.bandwidthHz / 1000) kHz / 4/\(m.codingRateDenominator) | \(Int(b.rounded())) | \(Int(d.rounded())) | \(perHour) |")
        }
        md.append("")
        md += v2Kinds()
        md += groupFrames()
        md += mailboxFrames()
        md += longMessages()
        return md.joined(separator: "\n")
    }

    /// Long texts and files: chunks needed raw and deflated, and the loss-free airtime.
    static func longMessages() -> [String] {
        func words(_ list: [String], bytes: Int) -> [UInt8] {
            var x: UInt64 = 7, out = ""
            while out.utf8.count < bytes {
                x = x &* 6364136223846793005 &+ 1442695040888963407
                out += list[Int(x >> 33) % list.count] + (x >> 20 & 7 == 0 ? ". " : " ")
            }
            var b = Array(out.utf8.prefix(bytes))
            while String(validating: b, as: UTF8.self) == nil { b.removeLast() }
            return b
        }
        let english = ["the", "river", "is", "rising", "at", "north", "bridge", "bring", "sheep", "up", "to", "barn", "road", "closed",
                       "water", "tonight", "morning", "we", "have", "feed", "and", "hay", "for", "two", "days", "storm", "east", "field"]
        let russian = ["река", "поднимается", "у", "северного", "моста", "гоните", "овец", "в", "сарай", "дорога", "закрыта",
                       "вода", "сегодня", "утром", "есть", "корм", "и", "сено", "на", "два", "дня", "буря", "восток", "поле"]
        var x: UInt64 = 3
        let noise = (0..<16_384).map { _ in x = x &* 6364136223846793005 &+ 1; return UInt8(x >> 56) }
        let cases: [(String, TransferStream)] = [
            ("English words, 1 KiB", TransferStream(type: .text, content: words(english, bytes: 1024))),
            ("English words, 4 KiB", TransferStream(type: .text, content: words(english, bytes: 4096))),
            ("Russian words, 4 KiB (2 bytes a letter)", TransferStream(type: .text, content: words(russian, bytes: 4096))),
            ("random file, 4 KiB (does not compress)", TransferStream(type: .file, name: "map.png", mediaType: "image/png", content: Array(noise.prefix(4096)))),
            ("random file, 16 KiB (the limit)", TransferStream(type: .file, name: "map.png", mediaType: "image/png", content: noise)),
        ]
        let modem = LoRaPreset.longFast.modem
        let chunkMs = modem.timeOnAirMilliseconds(bytes: MeshtasticFrame.phyBytes(
            encodedData: PacketData(portnum: PortNum(.privateApp), payload: [UInt8](repeating: 0, count: LoraEnvelope.maxTotalBytes)).encoded().count, pki: false))
        let budget = LoRaRegion.eu868.hourlyBudgetMilliseconds
        var md = [
            "## Long messages and files",
            "",
            "A text over \(LoraEnvelope.maxPlaintextBytes) bytes (up to \(Messenger.maxLongTextBytes)) or a file (up to \(Messenger.maxFileBytes) bytes) goes in chunks of \(TransferChunk.maxDataBytes) bytes, each its own 200-byte envelope (\(Int(chunkMs.rounded())) ms on LongFast as a broadcast), after raw deflate when that is shorter. Loss-free minimum; every lost chunk costs one more, and each transfer receipt about 700 ms of the receiver's airtime. Measured under loss, over 1, 2 and 4 hops: findings/long-messages.md. The texts are drawn at random from a vocabulary of 24–28 words, so they compress better than real prose would: read their rows as an upper bound of the gain.",
            "",
            "| content | bytes | chunks raw | chunks deflated | characters per frame | LongFast airtime | share of an EU_868 hour |",
            "|---|---|---|---|---|---|---|",
        ]
        for (name, stream) in cases {
            guard let encoded = try? stream.encoded() else { continue }
            let header = 16 + stream.name.utf8.count + stream.mediaType.utf8.count
            let raw = (header + stream.content.count + TransferChunk.maxDataBytes - 1) / TransferChunk.maxDataBytes
            let chunks = (encoded.count + TransferChunk.maxDataBytes - 1) / TransferChunk.maxDataBytes
            let chars = stream.type == .text ? String(decoding: stream.content, as: UTF8.self).count : stream.content.count
            let ms = Double(chunks) * chunkMs
            md.append("| \(name) | \(stream.content.count) | \(raw) | \(chunks) | \(chars / max(1, chunks)) | \(String(format: "%.0f", ms / 1000)) s | \(Int((100 * ms / budget).rounded())) % |")
        }
        md.append("")
        return md
    }

    /// Every frame kind, built by the same code that sends it, with its time on air under
    /// LongFast in EU_868 (the Meshtastic default).
    static func v2Kinds() -> [String] {
        guard let me = try? IdentityKeyPair.generate(), let peer = try? IdentityKeyPair.generate(),
              let key = try? ContactKey(own: me, peer: peer.publicKey) else { return ["(no keys: libsodium unavailable)"] }
        let nonce = [UInt8](repeating: 7, count: LoraEnvelope.nonceByteCount)
        func receipt(_ n: Int) -> [UInt8] {
            (try? DeliveryReceipt.make(read: false, nonces: Array(repeating: nonce, count: n), node: 1, maker: me.senderID, key: key).bytes) ?? []
        }
        func location(_ full: Bool) -> [UInt8] {
            guard let fix = try? LocationFix(latitude: 46.5197, longitude: 6.6323, fixTime: 1, altitude: full ? 512 : nil, accuracy: full ? 4 : nil),
                  let env = try? LoraEnvelope.seal(.location(fix), from: me.senderID, with: key) else { return [] }
            return env.bytes
        }
        // A pair whose ratchets have met: our key 1 is held by the peer, and the peer's too.
        func ratcheted(_ text: String, announcing: Bool) -> [UInt8] {
            var mine = RatchetState(), theirs = RatchetState()
            guard let theirKey = try? ContactKey(own: peer, peer: me.publicKey), let advert = try? theirs.advert(),
                  (try? mine.learn(advert, now: 0)) != nil,
                  let first = try? mine.seal([0, 0x78], from: me.senderID, contactKey: key, now: 0) else { return [] }
            if announcing { return (try? mine.seal([0] + Array(text.utf8), from: me.senderID, contactKey: key, now: 0))??.envelope.bytes ?? [] }
            guard (try? theirs.open(first.envelope, contactKey: theirKey, now: 0)) != nil, let back = try? theirs.advert(),
                  (try? mine.learn(back, now: 0)) != nil else { return [] }
            // Too long to announce the new key: it goes under the key the peer holds.
            return (try? mine.seal([0] + Array(text.utf8), from: me.senderID, contactKey: key, now: 0))??.envelope.bytes ?? []
        }
        func broadcastChunk() -> [UInt8] {
            guard let chunk = try? TransferChunk(transferID: 1, index: 0, count: 2, data: [UInt8](repeating: 0x5A, count: TransferChunk.maxBroadcastDataBytes)) else { return [] }
            return (try? LoraEnvelope.seal(.chunk(chunk), from: me.senderID, with: key).bytes) ?? []
        }
        let rows: [(String, [UInt8], String)] = [
            ("v1 text, 1 byte", (try? LoraEnvelope.seal("x", from: me.senderID, with: key).bytes) ?? [], "DM or broadcast"),
            ("v1 text, 116 bytes (the most a broadcast carries in one frame)", (try? LoraEnvelope.seal(String(repeating: "x", count: LoraEnvelope.maxSignedBroadcastPlaintextBytes), from: me.senderID, with: key).bytes) ?? [], "DM or broadcast"),
            ("v1 text, 151 bytes", (try? LoraEnvelope.seal(String(repeating: "x", count: 151), from: me.senderID, with: key).bytes) ?? [], "DM only"),
            ("0x02 chunk of a transfer sent as broadcasts (109 bytes of stream)", broadcastChunk(), "broadcast"),
            ("0x06 ratcheted text, 1 byte, announcing a ratchet key", ratcheted("x", announcing: true), "DM or broadcast"),
            ("0x06 ratcheted text, 137 bytes, announcing a ratchet key", ratcheted(String(repeating: "x", count: 137), announcing: true), "DM only"),
            ("0x06 ratcheted text, 151 bytes, keys both hold", ratcheted(String(repeating: "x", count: 151), announcing: false), "DM only"),
            ("0x02 location, no altitude or accuracy", location(false), "DM or broadcast"),
            ("0x02 location, altitude and accuracy", location(true), "DM or broadcast"),
            ("0x03 receipt, 1 message", receipt(1), "DM"),
            ("0x03 receipt, 4 messages", receipt(4), "DM"),
            ("0x03 receipt, 16 messages (the most)", receipt(16), "DM"),
            ("0x04 contact request, 10-byte name", (try? ContactRequest(publicKey: me.publicKey, displayName: "north farm").bytes) ?? [], "broadcast or DM"),
            ("0x04 contact request, 32-byte name", (try? ContactRequest(publicKey: me.publicKey, displayName: String(repeating: "n", count: 32)).bytes) ?? [], "broadcast or DM"),
            ("0x05 contact accept, 4-byte name", (try? ContactAccept.make(own: me, node: 1, displayName: "east", requester: peer.publicKey).bytes) ?? [], "DM"),
            ("0x05 contact accept, 32-byte name", (try? ContactAccept.make(own: me, node: 1, displayName: String(repeating: "e", count: 32), requester: peer.publicKey).bytes) ?? [], "DM"),
        ]
        let modem = LoRaPreset.longFast.modem
        let budget = LoRaRegion.eu868.hourlyBudgetMilliseconds
        let broadcasts = rows.filter { $0.2.contains("broadcast") }
        let largest = broadcasts.map(\.1.count).max() ?? 0
        var md = [
            "## Protocol v2: every frame kind on the air",
            "",
            "**The largest broadcast frame lora-msg makes: \(largest) bytes** (of the \(broadcasts.count) kinds above that go as broadcasts; group posts and acks, below, are at most 165 too), at most \(LoraEnvelope.maxSignedBroadcastBytes): a firmware 2.8 radio signs every one (`signedDataFits`), so a STRICT relay carries them. A text to a contact whose node is unknown goes in one frame up to \(LoraEnvelope.maxSignedBroadcastPlaintextBytes) bytes, longer as chunks of \(TransferChunk.maxBroadcastDataBytes) bytes; to a known node as a DM of up to 151 (DMs are never signed; the radio PKI-encrypts them). A DM the radio refuses for want of the node's key is sent again as a broadcast of its original size (up to 200 bytes, unsigned) while lora-msg asks that radio for its key.",
            "",
            "Built by the code that sends them (`LoraEnvelope`, `RatchetState`, `LocationFix`, `DeliveryReceipt`, `ContactRequest`, `ContactAccept`). The 0x06 rows are the forward-secret envelope (docs/PROTOCOL.md): its nonce is derived, not sent, so under keys both sides hold a 151-byte text is 18 bytes shorter than in v1; announcing a new ratchet key costs 32 bytes, and leaves 137 bytes for the text. lora-msg sends texts of up to 151 bytes as 0x06 once both sides ratchet. Time on air under LongFast (SF11 / 250 kHz / 4/5) in EU_868; \"DM\" includes the 12 bytes the firmware adds when it PKI-encrypts a DM. A receipt for one message is \(receipt(1).count) bytes of `Data.payload`.",
            "",
            "| frame | `Data.payload` bytes | LoRa frame bytes (broadcast / DM) | LongFast ms (broadcast / DM) | per EU_868 hour (as DM) | goes as |",
            "|---|---|---|---|---|---|",
        ]
        for (name, bytes, how) in rows {
            let data = PacketData(portnum: PortNum(.privateApp), payload: bytes).encoded().count
            let b = MeshtasticFrame.phyBytes(encodedData: data, pki: false), d = MeshtasticFrame.phyBytes(encodedData: data, pki: true)
            let mb = modem.timeOnAirMilliseconds(bytes: b), md2 = modem.timeOnAirMilliseconds(bytes: d)
            md.append("| \(name) | \(bytes.count) | \(b) / \(d) | \(Int(mb.rounded())) / \(Int(md2.rounded())) | \(Int(budget / md2)) | \(how) |")
        }
        func dmMs(_ bytes: [UInt8]) -> Double {
            modem.timeOnAirMilliseconds(bytes: MeshtasticFrame.phyBytes(encodedData: PacketData(portnum: PortNum(.privateApp), payload: bytes).encoded().count, pki: true))
        }
        let one = dmMs(receipt(1)), four = dmMs(receipt(4))
        md += [
            "",
            "At SF11 the preamble and the 16-byte header dominate short frames: a receipt for one message (\(Int(one.rounded())) ms as a DM) costs \(Int((100 * one / dmMs(rows[0].1)).rounded())) % of the shortest text, so batching is what saves airtime: four messages received within the 2-second window cost one receipt of \(Int(four.rounded())) ms instead of \(Int((4 * one).rounded())) ms.",
            "",
        ]
        return md
    }

    /// Every group frame, and the price of sender authentication against a signature.
    static func groupFrames() -> [String] {
        let people = (0..<GroupPost.maxMembers).compactMap { _ in try? IdentityKeyPair.generate() }
        guard people.count == GroupPost.maxMembers, let group = try? GroupID(bytes: [1, 2, 3, 4, 5, 6, 7, 8]) else { return ["(no keys)"] }
        let secret = [UInt8](repeating: 9, count: 32)
        func keys(_ members: Int) -> [MemberTagKey] {
            people[1..<members].compactMap { try? MemberTags.key(own: people[0], member: $0.publicKey) }
        }
        func post(members: Int, textBytes: Int) -> [UInt8] {
            guard var chain = try? GroupChain(epochSecret: secret, groupID: group, epoch: 1, member: people[0].senderID) else { return [] }
            let plaintext = RatchetedContent.text(String(repeating: "x", count: textBytes)).bytes
            return (try? GroupPost.seal(plaintext, groupID: group, sender: people[0].senderID, epoch: 1, chain: &chain, tagKeys: keys(members)).post.bytes) ?? []
        }
        func ack(members: Int, refs: Int) -> [UInt8] {
            (try? GroupAck.make(groupID: group, maker: people[0].senderID, refs: Array(repeating: [1, 2, 3, 4, 5, 6], count: refs), tagKeys: keys(members)).bytes) ?? []
        }
        func rosterChunks(members: Int) -> Int {
            let roster = GroupRoster(groupID: group, epoch: 1, kind: .members(epochSecret: secret), name: "valley",
                                     members: people[0..<members].enumerated().map { GroupRoster.Member(publicKey: $0.element.publicKey, name: "member \($0.offset)") })
            guard let content = try? roster.encoded(), let stream = try? TransferStream(type: .groupRoster, content: content).encoded() else { return 0 }
            return (stream.count + TransferChunk.maxDataBytes - 1) / TransferChunk.maxDataBytes
        }
        let modem = LoRaPreset.longFast.modem
        func ms(_ bytes: Int) -> Int {
            Int(modem.timeOnAirMilliseconds(bytes: MeshtasticFrame.phyBytes(encodedData: PacketData(portnum: PortNum(.privateApp), payload: [UInt8](repeating: 0, count: bytes)).encoded().count, pki: false)).rounded())
        }
        var md = [
            "## Groups: every group frame on the air",
            "",
            "Built by `GroupPost`, `GroupAck` and `GroupRoster` (docs/PROTOCOL.md, \"Groups\"). Posts and acks are broadcasts of at most \(GroupPost.maxTotalBytes) bytes, so a firmware 2.8 radio still signs them (233 − 2 for its bitfield − 66 for the XEdDSA signature) and a STRICT mesh carries them. LongFast, EU_868.",
            "",
            "| frame | `Data.payload` bytes | LongFast ms | goes as |",
            "|---|---|---|---|",
        ]
        for m in [3, 5, 8] {
            let room = GroupPost.maxPlaintextBytes(members: m) - 1
            md.append("| 0x07 post, \(m) members, 1-byte text | \(post(members: m, textBytes: 1).count) | \(ms(post(members: m, textBytes: 1).count)) | broadcast |")
            md.append("| 0x07 post, \(m) members, \(room)-byte text (the most) | \(post(members: m, textBytes: room).count) | \(ms(post(members: m, textBytes: room).count)) | broadcast |")
        }
        for (m, k) in [(3, 1), (3, 4), (8, 1), (8, GroupAck.maxRefs)] {
            md.append("| 0x08 ack, \(m) members, \(k) post\(k == 1 ? "" : "s") | \(ack(members: m, refs: k).count) | \(ms(ack(members: m, refs: k).count)) | broadcast |")
        }
        for m in [3, 8] {
            md.append("| roster (transfer type 0x03), \(m) members | \(rosterChunks(members: m)) chunk\(rosterChunks(members: m) == 1 ? "" : "s") of ≤ 200 | — | DM to each member, per change |")
        }
        md += [
            "",
            "### Naming the sender: member tags against a signature",
            "",
            "Every member holds the key that opens every post, so that key cannot say who wrote one. lora-msg appends one 8-byte tag per other member, made with the key the poster shares with that member alone (HMAC-SHA-256 truncated; a forger's chance per try is 2⁻⁶⁴). An Ed25519 signature (as Signal's sender keys use) costs 64 bytes whatever the size, and a signing key per member to distribute. The radio's own XEdDSA signature costs nothing in our frame, but the client cannot check it (the radio only reports `xeddsa_signed`), it names a radio rather than a person, and it is lost over MQTT.",
            "",
            "| members | member tags, bytes | text room: tags / signature | a 40-byte text, ms: tags / signature |",
            "|---|---|---|---|",
        ]
        let signedHeader = GroupPost.headerByteCount - 1   // no tag count with a signature
        for m in 2...GroupPost.maxMembers {
            let tags = MemberTags.tagByteCount * (m - 1)
            let room = GroupPost.maxPlaintextBytes(members: m) - 1
            let signedRoom = GroupPost.maxTotalBytes - signedHeader - LoraEnvelope.tagByteCount - 64 - 1
            let withTags = GroupPost.headerByteCount + 1 + 40 + LoraEnvelope.tagByteCount + tags
            let withSignature = signedHeader + 1 + 40 + LoraEnvelope.tagByteCount + 64
            md.append("| \(m) | \(tags) | \(room) / \(signedRoom) | \(ms(withTags)) / \(ms(withSignature)) |")
        }
        md += [
            "",
            "Tags are cheaper than a signature up to 8 members (56 bytes against 64), which is why a group holds at most 8. A full post costs the same airtime either way (\(GroupPost.maxTotalBytes) bytes, \(ms(GroupPost.maxTotalBytes)) ms); the difference is the text it can carry.",
            "",
        ]
        return md
    }

    /// The mailbox's frames (docs/PROTOCOL.md, "Mailbox").
    static func mailboxFrames() -> [String] {
        guard let r = try? IdentityKeyPair.generate(), let m = try? IdentityKeyPair.generate(), let key = try? ContactKey(own: r, peer: m.publicKey),
              let text = try? LoraEnvelope.seal(String(repeating: "x", count: 40), from: m.senderID, with: key),
              let full = try? LoraEnvelope.seal(String(repeating: "x", count: 151), from: m.senderID, with: key) else { return ["(no keys)"] }
        func control(_ op: MailboxControl.Op) -> [UInt8] {
            (try? MailboxControl.make(op, maker: r.senderID, addressee: m.senderID, time: 1, key: key).bytes) ?? []
        }
        let rows: [(String, [UInt8], String)] = [
            ("0x09 register / unregister / fetch", control(.fetch), "DM to the mailbox"),
            ("0x09 advert", control(.advert(node: 1, mailbox: m.senderID.bytes)), "DM to each contact, once per change"),
            ("0x09 confirm, 1 frame", control(.confirm([[1, 2, 3, 4, 5, 6]])), "DM to the mailbox"),
            ("0x09 confirm, 24 frames (the most)", control(.confirm(Array(repeating: [1, 2, 3, 4, 5, 6], count: 24))), "DM to the mailbox"),
            ("0x09 registered", control(.registered(held: 3)), "DM to the user"),
            ("0x0A deposit of a 40-byte text", (try? MailboxDeposit(recipient: r.senderID, frame: text.bytes).bytes) ?? [], "DM to the mailbox"),
            ("0x0A deposit of a 151-byte text (the most)", (try? MailboxDeposit(recipient: r.senderID, frame: full.bytes).bytes) ?? [], "DM to the mailbox"),
            ("0x0B hand-over of a 40-byte text", MailboxDelivery(frame: text.bytes).bytes, "DM to the recipient"),
            ("0x0B hand-over of a 151-byte text", MailboxDelivery(frame: full.bytes).bytes, "DM to the recipient"),
        ]
        let modem = LoRaPreset.longFast.modem
        var md = [
            "## The mailbox's frames",
            "",
            "Built by `MailboxControl`, `MailboxDeposit` and `MailboxDelivery` (docs/PROTOCOL.md, \"Mailbox\"); each goes as a PKI DM (the radio adds 12 bytes). LongFast, EU_868. A deposit fits the 219 bytes a 2.8 radio PKI-encrypts.",
            "",
            "| frame | `Data.payload` bytes | LongFast ms (as DM) | goes as |",
            "|---|---|---|---|",
        ]
        for (name, bytes, how) in rows {
            let d = MeshtasticFrame.phyBytes(encodedData: PacketData(portnum: PortNum(.privateApp), payload: bytes).encoded().count, pki: true)
            md.append("| \(name) | \(bytes.count) | \(Int(modem.timeOnAirMilliseconds(bytes: d).rounded())) | \(how) |")
        }
        md.append("")
        return md
    }
}
