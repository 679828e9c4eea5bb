import Foundation
import LoRaPHY
import LoraCrypto
import MeshtasticWire
import MessageStore
import Testing
import TestSupport
@testable import LoraMessenger

/// A home directory with a fresh identity, removed afterwards.
final class TestHome: @unchecked Sendable {
    private let directory = TempDirectory("home")
    var path: String { directory.path }
    let messenger: Messenger
    init(clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        try IdentityFile.save(try IdentityKeyPair.generate(), to: directory.file("identity.key"), overwrite: false)
        messenger = try Messenger(home: directory.path, clock: MessengerClock(clock))
    }
    var key: String { messenger.identity.publicKey.base64 }
}

/// Two people who have each other as contacts; alice's radio is 0xA11CE, bob's 0xB0B.
func pair() throws -> (alice: TestHome, bob: TestHome) {
    let a = try TestHome(), b = try TestHome()
    try a.messenger.addContact(name: "bob", key: b.key, node: nil)
    try b.messenger.addContact(name: "alice", key: a.key, node: nil)
    return (a, b)
}

/// The packet bob's radio would hand up for a stored outgoing message of alice's.
func heard(_ m: StoredMessage, from node: UInt32 = 0xA11CE, id: UInt32 = 77, hopStart: UInt32 = 3, hopLimit: UInt32 = 2,
           payload: [UInt8]? = nil) -> MeshPacket {
    var p = MeshPacket()
    p.from = node; p.to = MeshPacket.broadcast; p.id = id
    p.hopStart = hopStart; p.hopLimit = hopLimit; p.rxRssi = -97; p.rxSnr = 4.5
    p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: payload ?? m.envelope))
    return p
}

@Suite struct ComposeTests {
    @Test func composeSealsAndStoresPendingWithoutThePlaintext() throws {
        let (alice, _) = try pair()
        let m = try alice.messenger.compose(to: "bob", text: "meet at the ford")
        #expect(m.state == .pending && m.direction == .outgoing)
        #expect(try alice.messenger.store.pending().map(\.id) == [m.id])
        #expect(!ByteSearch.contains(Data(m.envelope), Array("meet at the ford".utf8)))
        let env = try LoraEnvelope(bytes: m.envelope)
        #expect(env.senderID == alice.messenger.identity.senderID && env.nonce == m.nonce)
    }

    @Test func overTheLimitIsRefusedAndNothingIsStored() throws {
        let (alice, _) = try pair()
        #expect(throws: MessengerError.crypto(.messageTooLong(bytes: 152, limit: 151))) {
            try alice.messenger.compose(to: "bob", text: String(repeating: "x", count: 152))
        }
        _ = try alice.messenger.compose(to: "bob", text: String(repeating: "x", count: 151))
        #expect(try alice.messenger.store.messageCount() == 1)
    }

    @Test func unknownContactAndEmptyTextAreRefused() throws {
        let (alice, _) = try pair()
        #expect(throws: MessengerError.unknownContact(name: "carol")) { try alice.messenger.compose(to: "carol", text: "hi") }
        #expect(throws: MessengerError.emptyMessage) { try alice.messenger.compose(to: "bob", text: "") }
        #expect(try alice.messenger.store.messageCount() == 0)
    }

    @Test func packetIsADirectMessageOnlyWhenTheNodeIsKnown() throws {
        let (alice, bob) = try pair()
        let m = try alice.messenger.compose(to: "bob", text: "hi")
        var p = alice.messenger.packet(for: m, broadcast: false)
        #expect(p.to == MeshPacket.broadcast && p.wantAck && p.decoded?.portnum == PortNum(.privateApp) && p.decoded?.payload == m.envelope)
        // A message from bob's radio teaches nothing (the mesh from is not authenticated)...
        let reply = try bob.messenger.compose(to: "alice", text: "yes")
        _ = alice.messenger.receive(heard(reply, from: 0xB0B))
        #expect(alice.messenger.packet(for: try alice.messenger.compose(to: "bob", text: "still?"), broadcast: false).to == MeshPacket.broadcast)
        // ...bob's receipt, whose node is authenticated, does: the next message is a DM.
        _ = bob.messenger.receive(heard(m))
        let due = try #require(try bob.messenger.store.receiptsDue(readReceipts: false, since: 0).first { $0.nonce == m.nonce })
        _ = alice.messenger.receive(try bob.messenger.receiptPacket(for: [due], read: false, node: 0xB0B))
        let m2 = try alice.messenger.compose(to: "bob", text: "ok")
        p = alice.messenger.packet(for: m2, broadcast: false)
        #expect(p.to == 0xB0B && p.wantAck)
        #expect(alice.messenger.packet(for: m2, broadcast: true).to == MeshPacket.broadcast)
    }
}

@Suite struct ReceiveTests {
    @Test func authenticMessageIsStoredWithItsJourney() throws {
        let (alice, bob) = try pair()
        let m = try alice.messenger.compose(to: "bob", text: "meet at the ford")
        guard case .message(let got) = bob.messenger.receive(heard(m)) else { Issue.record("not received"); return }
        #expect(got.text == "meet at the ford" && got.contact == "alice" && got.node == "!000a11ce")
        #expect(got.hops == 1 && got.rssi == -97 && got.snr == 4.5)
        #expect(got.senderID == alice.messenger.identity.senderID.hex)
        #expect(try bob.messenger.contact(named: "alice").node == nil, "a mesh from is not authenticated: it binds nothing")
        #expect(try bob.messenger.otherNodes(of: bob.messenger.contact(named: "alice")).map(\.node) == [0xA11CE])
    }

    @Test func aRelayedCopyOrAReplayIsADuplicate() throws {
        let (alice, bob) = try pair()
        let m = try alice.messenger.compose(to: "bob", text: "once")
        #expect(bob.messenger.receive(heard(m, id: 1, hopLimit: 3)) != .duplicate)
        #expect(bob.messenger.receive(heard(m, from: 0xA11CE, id: 1, hopLimit: 1)) == .duplicate)
        #expect(bob.messenger.receive(heard(m, id: 999)) == .duplicate)   // outbox retry: new packet id, same nonce
        #expect(try bob.messenger.store.messageCount() == 1)
    }

    @Test func strangersAndTamperingAreNeverShown() throws {
        let (alice, bob) = try pair()
        let carol = try TestHome()
        try carol.messenger.addContact(name: "bob", key: bob.key, node: nil)
        let fromCarol = try carol.messenger.compose(to: "bob", text: "who am I")
        #expect(bob.messenger.receive(heard(fromCarol)) == .unknownSender(senderID: carol.messenger.identity.senderID.hex))

        let m = try alice.messenger.compose(to: "bob", text: "tamper with me")
        for i in [9, 40, m.envelope.count - 1] {   // nonce, ciphertext, tag
            var bytes = m.envelope
            bytes[i] ^= 0x20
            #expect(bob.messenger.receive(heard(m, payload: bytes)) == .failedAuthentication(contact: "alice"))
        }
        #expect(try bob.messenger.store.messageCount() == 0)
    }

    @Test func garbageTruncatedAndOversizedPayloadsAreMalformed() throws {
        let (alice, bob) = try pair()
        let m = try alice.messenger.compose(to: "bob", text: "x")
        let cases: [[UInt8]] = [[], [0x01], Array(m.envelope.prefix(48)),
                                [UInt8](repeating: 0xAB, count: 233), m.envelope + [UInt8](repeating: 0, count: 200)]
        for payload in cases {
            guard case .malformed = bob.messenger.receive(heard(m, payload: payload)) else {
                Issue.record("accepted \(payload.count) bytes"); continue
            }
        }
        // Relabelled as 0x06 it may parse as a ratchet frame (its bytes are random): whatever
        // it is taken for, it is never shown and never stored.
        switch bob.messenger.receive(heard(m, payload: [0x06] + m.envelope.dropFirst())) {
        case .malformed, .failedAuthentication, .ignored, .unknownSender, .anotherCopy: break
        case let other: Issue.record("a relabelled envelope became \(other)")
        }
        #expect(try bob.messenger.store.messageCount() == 0)
        // Relabelled as v2, it parses but its tag (over the version byte) fails.
        #expect(bob.messenger.receive(heard(m, payload: [0x02] + m.envelope.dropFirst())) == .failedAuthentication(contact: "alice"))
        var other = heard(m)
        other.payloadVariant = .decoded(PacketData(portnum: PortNum(.textMessageApp), payload: Array("plain chat".utf8)))
        #expect(bob.messenger.receive(other) == .notOurs)
        other.payloadVariant = .encrypted([1, 2, 3])
        #expect(bob.messenger.receive(other) == .notOurs)
        #expect(try bob.messenger.store.messageCount() == 0)
    }

    @Test func aContactAddedByAnotherProcessIsPickedUp() throws {
        let alice = try TestHome(), bob = try TestHome()
        try alice.messenger.addContact(name: "bob", key: bob.key, node: nil)
        let m = try alice.messenger.compose(to: "bob", text: "late")
        // Another `lora-msg contact add` on bob's home, while this Messenger keeps running.
        let other = try Messenger(home: bob.path)
        try other.addContact(name: "alice", key: alice.key, node: nil)
        guard case .message(let got) = bob.messenger.receive(heard(m)) else { Issue.record("not received"); return }
        #expect(got.text == "late")
    }
}

@Suite struct HistoryTests {
    @Test func bothDirectionsDecryptAndAFlippedStoredByteIsAMarker() throws {
        let (alice, bob) = try pair()
        _ = try alice.messenger.compose(to: "bob", text: "first")
        let back = try bob.messenger.compose(to: "alice", text: "second")
        _ = alice.messenger.receive(heard(back, from: 0xB0B))
        _ = try alice.messenger.compose(to: "bob", text: "third")
        var h = try alice.messenger.history(with: "bob", limit: 10)
        #expect(h.map(\.body) == [.text("first"), .text("second"), .text("third")])
        #expect(h.map(\.message.direction) == [.outgoing, .incoming, .outgoing])

        // Damage the middle envelope on disk, as bit rot or an editor would.
        try Corrupt.flipEnvelopeByte(db: alice.messenger.databasePath, messageNonce: back.nonce, at: 30)
        h = try alice.messenger.history(with: "bob", limit: 10)
        #expect(h[0].body == .text("first") && h[2].body == .text("third"))
        guard case .unreadable(let why) = h[1].body else { Issue.record("garbage shown as text"); return }
        #expect(why.contains("failed authentication"))
    }

    @Test func unknownNameIsAnError() throws {
        let (alice, _) = try pair()
        #expect(throws: MessengerError.unknownContact(name: "nobody")) { try alice.messenger.history(with: "nobody", limit: 5) }
    }
}

@Suite struct ContactInputTests {
    @Test func badKeysNodesAndNamesAreRefused() throws {
        let (alice, bob) = try pair()
        let m = alice.messenger
        #expect(throws: MessengerError.self) { try m.addContact(name: "x", key: "not a key", node: nil) }
        #expect(throws: MessengerError.self) { try m.addContact(name: "x", key: String(bob.key.dropLast(4)), node: nil) }
        #expect(throws: MessengerError.crypto(.invalidKey("that is your own public key"))) {
            try m.addContact(name: "me", key: alice.key, node: nil)
        }
        // A low-order point: X25519 with it gives all zeros.
        #expect(throws: MessengerError.crypto(.weakSharedSecret)) {
            try m.addContact(name: "weak", key: String(repeating: "00", count: 32), node: nil)
        }
        let carol = try TestHome()
        for node in ["a1b2c3d4x", "!", "!ffffffff", "!00000000", "!123456789", ""] {
            #expect(throws: MessengerError.invalidNode(text: node)) { try m.addContact(name: "carol", key: carol.key, node: node) }
        }
        for name in ["", "-rf", "tab\there", String(repeating: "n", count: 65)] {
            #expect(throws: MessengerError.self) { try m.addContact(name: name, key: carol.key, node: nil) }
        }
        #expect(throws: MessengerError.store(.nameTaken("bob"))) { try m.addContact(name: "bob", key: carol.key, node: nil) }
        #expect(try m.contacts().map(\.name) == ["bob"])
        try m.addContact(name: "carol", key: carol.key, node: "!a1b2c3d4")
        #expect(try m.contact(named: "carol").node == 0xA1B2_C3D4)
    }

    @Test func safetyNumbersAgreeAcrossTheTwoHomes() throws {
        let (alice, bob) = try pair()
        let a = try alice.messenger.safetyNumber(for: alice.messenger.contact(named: "bob"))
        let b = try bob.messenger.safetyNumber(for: bob.messenger.contact(named: "alice"))
        #expect(a == b)
    }

    @Test func worldReadableKeyFileIsRefused() throws {
        let home = try TestHome()
        chmod(home.path + "/identity.key", 0o644)
        #expect(throws: MessengerError.identity(.insecurePermissions(path: home.path + "/identity.key", mode: 0o644))) {
            try Messenger(home: home.path)
        }
    }

    @Test func missingIdentityIsReported() throws {
        let dir = NSTemporaryDirectory() + "lora-msg-empty-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: MessengerError.identity(.notFound(path: dir + "/identity.key"))) { try Messenger(home: dir) }
    }
}

@Suite struct PlaintextOnDiskTests {
    @Test func hundredMessagesLeaveNoPlaintextInAnyFile() throws {
        let (alice, bob) = try pair()
        var texts: [String] = []
        var lastEnvelope: [UInt8] = []
        for i in 0..<100 {
            let text = "secret rendezvous \(i) at the old mill"   // every text shares "rendezvous"
            texts.append(text)
            let m = try alice.messenger.compose(to: "bob", text: text)
            lastEnvelope = m.envelope
            guard case .message = bob.messenger.receive(heard(m, id: UInt32(i + 1))) else { Issue.record("lost \(i)"); return }
        }
        // The WAL still holds recent pages: search it and the main file and the shared memory.
        for home in [alice, bob] {
            let files = ["messages.sqlite", "messages.sqlite-wal", "messages.sqlite-shm", "identity.key"].map { home.path + "/" + $0 }
            let contents = files.compactMap { FileManager.default.contents(atPath: $0) }
            #expect(contents.count >= 3)
            #expect(contents.reduce(0) { $0 + $1.count } > 10_000)
            for text in texts {
                for c in contents { #expect(!ByteSearch.contains(c, Array(text.utf8)), "found '\(text)'") }
            }
            for c in contents { #expect(!ByteSearch.contains(c, Array("rendezvous".utf8))) }
            // The search does find what is there: the ciphertext itself.
            #expect(contents.contains { ByteSearch.contains($0, lastEnvelope) })
        }
        #expect(try bob.messenger.history(with: "alice", limit: 200).count == 100)
    }
}
