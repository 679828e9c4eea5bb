import Testing
@testable import LoraCrypto

@Suite struct SafetyNumberTests {
    // Vector computed with Python's hashlib (an independent SHA-512) for keys 01..20 and 65..84.
    @Test func matchesAnIndependentComputation() throws {
        let a = try PublicKey(bytes: Array(1...32))
        let b = try PublicKey(bytes: Array(101...132))
        #expect(SafetyNumber(a, b).groups.joined(separator: " ")
                == "52113 87209 01295 40673 65112 98475 28177 56470 66857 43210 72175 30758")
    }

    @Test func bothSidesComputeTheSameDigits() throws {
        let alice = try IdentityKeyPair.generate(), bob = try IdentityKeyPair.generate()
        let n1 = SafetyNumber(alice.publicKey, bob.publicKey)
        let n2 = SafetyNumber(bob.publicKey, alice.publicKey)
        #expect(n1 == n2)
        #expect(n1.digits.count == 60 && n1.digits.allSatisfy(\.isNumber))
        #expect(n1.description.split(separator: "\n").count == 3)
    }

    @Test func aSubstitutedKeyChangesTheNumber() throws {
        let alice = try IdentityKeyPair.generate(), bob = try IdentityKeyPair.generate(), mallory = try IdentityKeyPair.generate()
        #expect(SafetyNumber(alice.publicKey, bob.publicKey) != SafetyNumber(alice.publicKey, mallory.publicKey))
        var flipped = bob.publicKey.bytes
        flipped[31] ^= 0x01
        #expect(SafetyNumber(alice.publicKey, bob.publicKey) != SafetyNumber(alice.publicKey, try PublicKey(bytes: flipped)))
    }
}
