import Foundation
import Testing
@testable import LoraCrypto

private struct MailboxVectors: Decodable {
    struct Control: Decodable { let name: String; let op: Int; let body: String; let maker_secret: String; let addressee_secret: String; let time: UInt32; let frame: String }
    struct Deposit: Decodable { let recipient_secret: String; let envelope: String; let frame: String }
    struct Handed: Decodable { let envelope: String; let frame: String; let digest: String; let ref: String }
    let controls: [Control]; let deposit: Deposit; let handed: Handed
}

/// The mailbox frames against Python's bytes (Scripts/gen-mailbox-vectors.py, written from
/// PROTOCOL.md's "Mailbox" alone).
@Suite struct MailboxVectorTests {
    private let v: MailboxVectors = {
        let url = Bundle.module.url(forResource: "Fixtures/mailbox-vectors", withExtension: "json")!
        return try! JSONDecoder().decode(MailboxVectors.self, from: Data(contentsOf: url))
    }()

    @Test func controlFramesAreByteForByteAndVerify() throws {
        #expect(v.controls.count == 8)
        for c in v.controls {
            let maker = try IdentityKeyPair(secretKey: hex(c.maker_secret)), addressee = try IdentityKeyPair(secretKey: hex(c.addressee_secret))
            let theirs = try MailboxControl(bytes: hex(c.frame))
            #expect(Int(theirs.opCode) == c.op && theirs.time == c.time && theirs.maker == maker.senderID, "\(c.name)")
            #expect(theirs.verify(addressee: addressee.senderID, key: try ContactKey(own: addressee, peer: maker.publicKey)), "\(c.name)")
            #expect(!theirs.verify(addressee: maker.senderID, key: try ContactKey(own: addressee, peer: maker.publicKey)), "\(c.name): the direction is bound")
            let made = try MailboxControl.make(theirs.op, maker: maker.senderID, addressee: addressee.senderID, time: c.time,
                                               key: try ContactKey(own: maker, peer: addressee.publicKey))
            #expect(hexString(made.bytes) == c.frame, "\(c.name)")
        }
    }

    @Test func depositAndHandOverAreByteForByte() throws {
        let r = try IdentityKeyPair(secretKey: hex(v.deposit.recipient_secret))
        let d = try MailboxDeposit(recipient: r.senderID, frame: hex(v.deposit.envelope))
        #expect(hexString(d.bytes) == v.deposit.frame)
        #expect(try MailboxDeposit(bytes: hex(v.deposit.frame)) == d)
        let h = try MailboxDelivery(bytes: hex(v.handed.frame))
        #expect(hexString(h.frame) == v.handed.envelope && hexString(MailboxDelivery(frame: hex(v.handed.envelope)).bytes) == v.handed.frame)
        #expect(hexString(MailboxControl.digest(of: h.frame)) == v.handed.digest && hexString(MailboxControl.ref(of: h.frame)) == v.handed.ref)
    }
}
