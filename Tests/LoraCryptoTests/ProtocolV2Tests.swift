import Foundation
import Testing
@testable @_spi(KnownAnswer) import LoraCrypto

private struct V2Vectors: Decodable {
    struct Receipt: Decodable { let maker_secret, other_secret: String; let node: UInt32; let read: Bool; let nonces: [String]; let frame: String }
    struct Request: Decodable { let secret, name, frame: String }
    struct Accept: Decodable { let accepter_secret, requester_secret: String; let node: UInt32; let name, frame: String }
    struct Location: Decodable {
        let sender_secret, recipient_secret, nonce: String
        let lat, lon: Double; let fix_time: UInt32; let alt: Int16?; let accuracy: UInt16?
        let lat_units, lon_units: Int32; let plaintext, frame: String
    }
    struct TransferReceipt: Decodable { let maker_secret, other_secret: String; let node, transfer_id: UInt32; let held: [Bool]; let frame: String }
    struct Transfer: Decodable {
        let sender_secret, recipient_secret: String; let transfer_id: UInt32; let type: UInt8; let name, media_type, content: String
        let deflated: Bool; let stream: String; let nonces, frames: [String]
    }
    let receipts: [Receipt]; let requests: [Request]; let accepts: [Accept]; let locations: [Location]
    let transfer_receipts: [TransferReceipt]; let transfers: [Transfer]

    static func load() throws -> V2Vectors {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/v2-vectors", withExtension: "json"))
        return try JSONDecoder().decode(V2Vectors.self, from: Data(contentsOf: url))
    }
}

/// One party of a vector: its identity from the vector's secret, and the key it shares with
/// another.
struct VectorParty {
    let identity: IdentityKeyPair
    init(_ secretHex: String) throws { identity = try IdentityKeyPair(secretKey: hex(secretHex)) }
    var senderID: SenderID { identity.senderID }
    func key(for other: VectorParty) throws -> ContactKey { try ContactKey(own: identity, peer: other.identity.publicKey) }
}

/// v2 frames against Scripts/gen-v2-vectors.py (Python written from PROTOCOL.md), both ways:
/// we make the same bytes, and we accept theirs.
@Suite struct ProtocolV2KnownAnswerTests {
    @Test func receiptsMatchIndependentImplementation() throws {
        let v = try V2Vectors.load()
        #expect(v.receipts.count >= 3)
        for r in v.receipts {
            let (maker, other) = try (VectorParty(r.maker_secret), VectorParty(r.other_secret))
            let ours = try DeliveryReceipt.make(read: r.read, nonces: r.nonces.map(hex), node: r.node, maker: maker.senderID, key: maker.key(for: other))
            #expect(hexString(ours.bytes) == r.frame)
            let theirs = try DeliveryReceipt(bytes: hex(r.frame))
            let otherKey = try other.key(for: maker)
            #expect(theirs.verify(maker: maker.senderID, key: otherKey))
            #expect(theirs.makerNode == r.node)
            #expect(theirs.read == r.read)
            #expect(theirs.refs == r.nonces.map { Array(hex($0).prefix(6)) })
            // Direction is bound: the same bytes do not pass as made by the other side.
            #expect(!theirs.verify(maker: other.senderID, key: otherKey))
        }
        #expect(hex(v.receipts[0].frame).count == 32, "one receipt for one message is 32 bytes")
    }

    @Test func requestsAndAcceptsMatchIndependentImplementation() throws {
        let v = try V2Vectors.load()
        for r in v.requests {
            let me = try IdentityKeyPair(secretKey: hex(r.secret))
            #expect(hexString(try ContactRequest(publicKey: me.publicKey, displayName: r.name).bytes) == r.frame)
            let parsed = try ContactRequest(bytes: hex(r.frame))
            #expect(parsed.publicKey == me.publicKey)
            #expect(parsed.displayName == r.name)
        }
        for a in v.accepts {
            let accepter = try IdentityKeyPair(secretKey: hex(a.accepter_secret))
            let requester = try IdentityKeyPair(secretKey: hex(a.requester_secret))
            let ours = try ContactAccept.make(own: accepter, node: a.node, displayName: a.name, requester: requester.publicKey)
            #expect(hexString(ours.bytes) == a.frame)
            let theirs = try ContactAccept(bytes: hex(a.frame))
            #expect(theirs.verify(own: requester))
            #expect(theirs.node == a.node && theirs.displayName == a.name && theirs.publicKey == accepter.publicKey)
            // Made for this requester only.
            let stranger = try IdentityKeyPair.generate()
            #expect(!theirs.verify(own: stranger))
        }
    }

    @Test func transferReceiptsMatchIndependentImplementation() throws {
        let v = try V2Vectors.load()
        for r in v.transfer_receipts {
            let (maker, other) = try (VectorParty(r.maker_secret), VectorParty(r.other_secret))
            let ours = try DeliveryReceipt.make(holdings: .init(transferID: r.transfer_id, held: r.held), node: r.node, maker: maker.senderID,
                                                key: maker.key(for: other))
            #expect(hexString(ours.bytes) == r.frame)
            let theirs = try DeliveryReceipt(bytes: hex(r.frame))
            #expect(theirs.verify(maker: maker.senderID, key: try other.key(for: maker)))
            #expect(theirs.transfer?.held == r.held && theirs.transfer?.transferID == r.transfer_id)
        }
    }

    /// Streams (deflated by Python's zlib), their chunks and sealed frames, both ways.
    @Test func transfersMatchIndependentImplementation() throws {
        let v = try V2Vectors.load()
        #expect(v.transfers.count >= 2)
        for t in v.transfers {
            let (sender, recipient) = try (VectorParty(t.sender_secret), VectorParty(t.recipient_secret))
            let stream = TransferStream(type: try #require(TransferStream.ContentType(rawValue: t.type)), name: t.name, mediaType: t.media_type, content: hex(t.content))
            #expect(hexString(try stream.encoded()) == t.stream, "the same zlib, the same deflate")
            let key = try sender.key(for: recipient)
            let chunks = try TransferStream.chunks(of: hex(t.stream), transferID: t.transfer_id)
            #expect(chunks.count == t.frames.count)
            for (i, c) in chunks.enumerated() {
                let ours = try LoraEnvelope.seal(bytes: SealedContent.chunk(c).bytes, version: LoraEnvelope.sealedVersion,
                                                 from: sender.senderID, with: key, nonce: hex(t.nonces[i]))
                #expect(hexString(ours.bytes) == t.frames[i])
            }
            let rkey = try recipient.key(for: sender)
            var data: [UInt8] = []
            for f in t.frames {
                guard case .chunk(let c) = try LoraEnvelope(bytes: hex(f)).openContent(with: rkey) else { Issue.record("not a chunk"); continue }
                data += c.data
            }
            #expect(try TransferStream(decoding: data) == stream)
        }
    }

    @Test func locationsMatchIndependentImplementation() throws {
        let v = try V2Vectors.load()
        #expect(v.locations.count >= 4)
        for l in v.locations {
            let (sender, recipient) = try (VectorParty(l.sender_secret), VectorParty(l.recipient_secret))
            let fix = try LocationFix(latitude: l.lat, longitude: l.lon, fixTime: l.fix_time,
                                      altitude: l.alt.map(Double.init), accuracy: l.accuracy.map(Double.init))
            #expect(fix.latitudeUnits == l.lat_units && fix.longitudeUnits == l.lon_units, "\(l.lat),\(l.lon)")
            #expect(hexString(SealedContent.location(fix).bytes) == l.plaintext)
            let key = try sender.key(for: recipient)
            let ours = try LoraEnvelope.seal(bytes: SealedContent.location(fix).bytes, version: LoraEnvelope.sealedVersion,
                                             from: sender.senderID, with: key, nonce: hex(l.nonce))
            #expect(hexString(ours.bytes) == l.frame)
            let theirs = try LoraEnvelope(bytes: hex(l.frame))
            let opened = try theirs.openContent(with: recipient.key(for: sender))
            #expect(opened == .location(fix))
            guard case .location(let got) = opened else { continue }
            #expect(abs(got.latitude - l.lat) <= 90.0 / Double(1 << 23) / 2 + 1e-12 || l.lat == 90)
            #expect(got.altitude == l.alt && got.accuracy == l.accuracy && got.fixTime == l.fix_time)
        }
    }
}

@Suite struct ProtocolV2FrameTests {
    let alice = try! IdentityKeyPair.generate()
    let bob = try! IdentityKeyPair.generate()
    var key: ContactKey { try! ContactKey(own: alice, peer: bob.publicKey) }

    @Test func receiptForgedWithAnotherKeyOrAlteredFails() throws {
        let nonce = [UInt8](repeating: 7, count: 24)
        let r = try DeliveryReceipt.make(read: false, nonces: [nonce], node: 0x1234, maker: alice.senderID, key: key)
        #expect(r.verify(maker: alice.senderID, key: key))
        let mallory = try IdentityKeyPair.generate()
        let forged = try DeliveryReceipt.make(read: false, nonces: [nonce], node: 0x1234, maker: alice.senderID,
                                              key: ContactKey(own: mallory, peer: bob.publicKey))
        #expect(!forged.verify(maker: alice.senderID, key: key))
        // Every single-bit change of the wire bytes is caught (or refused as malformed).
        let wire = r.bytes
        for i in wire.indices {
            var b = wire
            b[i] ^= 0x01
            if let parsed = try? DeliveryReceipt(bytes: b) { #expect(!parsed.verify(maker: alice.senderID, key: key), "byte \(i)") }
        }
    }

    @Test func receiptBadInput() throws {
        let r = try DeliveryReceipt.make(read: true, nonces: [[UInt8](repeating: 1, count: 24), [UInt8](repeating: 2, count: 24)],
                                         node: 9, maker: alice.senderID, key: key)
        #expect(r.bytes.count == 38)
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: r.bytes.dropLast()) }           // 37: not whole refs
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: r.bytes.prefix(31)) }           // truncated
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: [UInt8](repeating: 3, count: 26 + 17 * 6)) } // 17 refs
        var flags = r.bytes; flags[1] = 0x02
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: flags) }
        var version = r.bytes; version[0] = 0x01
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt(bytes: version) }
        #expect(throws: LoraCryptoError.self) { try DeliveryReceipt.make(read: false, nonces: [], node: 1, maker: alice.senderID, key: key) }
        #expect(throws: LoraCryptoError.self) {
            try DeliveryReceipt.make(read: false, nonces: Array(repeating: [UInt8](repeating: 0, count: 24), count: 17), node: 1, maker: alice.senderID, key: key)
        }
    }

    @Test func requestAndAcceptBadInput() throws {
        #expect(throws: LoraCryptoError.self) { try ContactRequest(publicKey: alice.publicKey, displayName: "") }
        #expect(throws: LoraCryptoError.self) { try ContactRequest(publicKey: alice.publicKey, displayName: String(repeating: "x", count: 33)) }
        let req = try ContactRequest(publicKey: alice.publicKey, displayName: "north farm")
        #expect(throws: LoraCryptoError.self) { try ContactRequest(bytes: req.bytes.prefix(33)) }              // no name
        #expect(throws: LoraCryptoError.self) { try ContactRequest(bytes: req.bytes + [UInt8](repeating: 0x41, count: 30)) } // too long
        #expect(throws: LoraCryptoError.self) { try ContactRequest(bytes: Array(req.bytes.prefix(33)) + [0xFF, 0xFE]) } // not UTF-8
        let acc = try ContactAccept.make(own: bob, node: 5, displayName: "east", requester: alice.publicKey)
        #expect(acc.verify(own: alice))
        #expect(throws: LoraCryptoError.self) { try ContactAccept(bytes: acc.bytes.prefix(52)) }
        var renamed = acc.bytes; renamed[37] = UInt8(ascii: "E")
        #expect(try !ContactAccept(bytes: renamed).verify(own: alice))
        var renoded = acc.bytes; renoded[36] = 6
        #expect(try !ContactAccept(bytes: renoded).verify(own: alice))
    }

    @Test func locationBadInputAndRange() throws {
        #expect(throws: LoraCryptoError.self) { try LocationFix(latitude: 90.01, longitude: 0, fixTime: 0) }
        #expect(throws: LoraCryptoError.self) { try LocationFix(latitude: 0, longitude: -180.5, fixTime: 0) }
        #expect(throws: LoraCryptoError.self) { try LocationFix(latitude: .nan, longitude: 0, fixTime: 0) }
        #expect(throws: LoraCryptoError.self) { try LocationFix(latitude: 0, longitude: 0, fixTime: 0, accuracy: -1) }
        let fix = try LocationFix(latitude: 46.5, longitude: 6.6, fixTime: 1, altitude: 99_999, accuracy: 3)
        #expect(fix.altitude == 32767)
        #expect(fix.bytes.count == 15)
        #expect(throws: LoraCryptoError.self) { try LocationFix(bytes: fix.bytes.dropLast()) }
        #expect(throws: LoraCryptoError.self) { try LocationFix(bytes: fix.bytes + [0]) }
        var flags = fix.bytes; flags[0] = 0x04
        #expect(throws: LoraCryptoError.self) { try LocationFix(bytes: flags) }
        #expect(throws: LoraCryptoError.self) { try SealedContent(bytes: []) }
        #expect(throws: LoraCryptoError.self) { try SealedContent(bytes: [0x7F] + fix.bytes) }
        // Negative coordinates survive the 24-bit sign extension.
        let south = try LocationFix(bytes: LocationFix(latitude: -33.8568, longitude: -70.6, fixTime: 0).bytes)
        #expect(abs(south.latitude + 33.8568) < 1e-5 && abs(south.longitude + 70.6) < 2e-5)
        // Hardening 3: altitude −32768 is outside the protocol's ±32767; −32767 is fine.
        let deep = try LocationFix(latitude: 0, longitude: 0, fixTime: 0, altitude: -99_999)
        #expect(try deep.altitude == -32767 && LocationFix(bytes: deep.bytes).altitude == -32767)
        var below = deep.bytes; below[11] = 0x80; below[12] = 0x00
        #expect(throws: LoraCryptoError.self) { try LocationFix(bytes: below) }
    }

    @Test func frameDispatchAndVersionSeparation() throws {
        let v1 = try LoraEnvelope.seal("hi", from: alice.senderID, with: key)
        let loc = try LoraEnvelope.seal(.location(LocationFix(latitude: 1, longitude: 2, fixTime: 3)), from: alice.senderID, with: key)
        #expect(try LoraFrame(bytes: v1.bytes) == .envelope(v1))
        #expect(loc.bytes[0] == 0x02)
        // A v2 envelope never opens as v1 text, nor a v1 text as a v2 kind.
        #expect(throws: LoraCryptoError.self) { try loc.openText(with: key) }
        #expect(throws: LoraCryptoError.self) { try v1.openContent(with: key) }
        // Relabelling the version byte breaks the tag (it is associated data).
        var relabelled = loc.bytes; relabelled[0] = 0x01
        #expect(throws: LoraCryptoError.authenticationFailed) { try LoraEnvelope(bytes: relabelled).open(with: key) }
        // Sealing under a version that does not exist is an error, not a trap.
        #expect(throws: LoraCryptoError.malformedEnvelope(.unsupportedVersion(3))) {
            try LoraEnvelope.seal(bytes: [1], version: 3, from: alice.senderID, with: key, nonce: [UInt8](repeating: 0, count: 24))
        }
        for bad: [UInt8] in [[], [0x00], [0x06, 1, 2], [0xFF] + [UInt8](repeating: 0, count: 60)] {
            #expect(throws: LoraCryptoError.self) { try LoraFrame(bytes: bad) }
        }
    }
}
