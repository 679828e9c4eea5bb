import Foundation
import Synchronization
import Testing
@testable import LoraCrypto

/// The stored form of a ratchet (RatchetState+Encoding.swift): versioned bytes, read back
/// exactly, and refused when cut, padded, relabelled or out of range.
@Suite struct RatchetEncodingTests {
    /// Key pairs from secrets 1, 2, 3, …: every run makes the same states.
    static func countingKeys() -> RatchetKeySource {
        let next = Mutex<UInt8>(0)
        return RatchetKeySource { () throws(LoraCryptoError) in
            let n = next.withLock { $0 += 1; return $0 }
            return try IdentityKeyPair(secretKey: [UInt8](repeating: n, count: 32))
        }
    }

    /// Alice and bob, each holding the other's first key, alice's after one sealed frame.
    static func state() throws -> RatchetState {
        let keys = countingKeys()
        let alice = try IdentityKeyPair(secretKey: [UInt8](repeating: 0xA1, count: 32))
        let bob = try IdentityKeyPair(secretKey: [UInt8](repeating: 0xB0, count: 32))
        var ra = RatchetState(), rb = RatchetState()
        try rb.learn(try ra.advert(keys: keys), now: 10)
        try ra.learn(try rb.advert(keys: keys), now: 11)
        let k = try ContactKey(own: alice, peer: bob.publicKey)
        _ = try ra.seal(Array("hi".utf8), from: alice.publicKey.senderID, contactKey: k, now: 12, keys: keys)
        return ra
    }

    @Test func aStateReadsBackAsItWas() throws {
        let s = try Self.state()
        let bytes = s.encoded()
        #expect(bytes.first == 0x01)
        #expect(try RatchetState(stored: bytes) == s)
        // Deterministic keys: the same state, the same bytes, every run.
        #expect(try Self.state().encoded() == bytes)
        // Version, no key due, bob holds alice's key 1, two own keys (the seal announced a
        // second, as bob held the first), the first with id 1 and the source's first secret.
        #expect(Array(bytes.prefix(5)) == [0x01, 0x00, 0x01, 0x02, 0x01])
        #expect(Array(bytes[5..<37]) == [UInt8](repeating: 1, count: 32))
        #expect(s.heldOwnKeyIDs == [1, 2])
    }

    @Test func theEmptyStateIsFiveBytes() throws {
        #expect(RatchetState().encoded() == [0x01, 0x00, 0x00, 0x00, 0x00])
        #expect(try RatchetState(stored: [0x01, 0x00, 0x00, 0x00, 0x00]) == RatchetState())
    }

    @Test func cutPaddedAndForeignBytesAreRefused() throws {
        let bytes = try Self.state().encoded()
        for n in 0..<bytes.count {
            #expect(throws: LoraCryptoError.self, "cut at \(n)") { try RatchetState(stored: Array(bytes.prefix(n))) }
        }
        #expect(throws: LoraCryptoError.self) { try RatchetState(stored: bytes + [0]) }
        #expect(throws: LoraCryptoError.self) { try RatchetState(stored: [0x02] + bytes.dropFirst()) }
        #expect(throws: LoraCryptoError.self) { try RatchetState(stored: Array("{\"own\":[]}".utf8)) }
        var flags = bytes; flags[1] = 0x02
        #expect(throws: LoraCryptoError.self) { try RatchetState(stored: flags) }
        var many = bytes; many[3] = 200
        #expect(throws: LoraCryptoError.self) { try RatchetState(stored: many) }
        var spent = bytes; spent[5 + 32 + 9] = 7
        #expect(throws: LoraCryptoError.self) { try RatchetState(stored: spent) }
    }

    @Test func garbageNeverTraps() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var b = [UInt8](repeating: 0, count: Int.random(in: 1...400, using: &g))
            for i in b.indices { b[i] = UInt8.random(in: 0...255, using: &g) }
            if Bool.random(using: &g) { b[0] = 0x01 }
            _ = try? RatchetState(stored: b)
        }
    }
}
