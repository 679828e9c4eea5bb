import Foundation

func hex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.filter { !$0.isWhitespace }.makeIterator()
    while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
    return out
}

func hexString(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

struct EnvelopeVector: Decodable {
    let name: String
    let sender_secret, sender_public, recipient_secret, recipient_public: String
    let shared_secret, contact_key, sender_id, nonce, plaintext_utf8, envelope: String
}

func loadEnvelopeVectors() throws -> [EnvelopeVector] {
    struct File: Decodable { let vectors: [EnvelopeVector] }
    let url = try #require(Bundle.module.url(forResource: "Fixtures/envelope-vectors", withExtension: "json"))
    return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
}

import Testing
