import Foundation
import LoraCrypto
import MeshtasticWire
import MessageStore
import Testing
@testable import LoraMessenger

/// A receipt packet from `maker` for the messages of `from`'s it has stored, as its radio
/// would hand it up at `from`'s side.
private func receipt(by maker: TestHome, for nonces: [[UInt8]], node: UInt32, read: Bool = false) throws -> MeshPacket {
    let due = try maker.messenger.store.receiptsDue(readReceipts: true, since: 0).filter { nonces.contains($0.nonce) }
    #expect(due.count == nonces.count)
    var p = try maker.messenger.receiptPacket(for: due, read: read, node: node)
    p.from = node; p.id = UInt32.random(in: 1...UInt32.max)
    return p
}

@Suite struct ReceiptTests {
    @Test func aReceiptMovesExactlyItsMessagesToDelivered() throws {
        let (alice, bob) = try pair()
        let m1 = try alice.messenger.compose(to: "bob", text: "one")
        let m2 = try alice.messenger.compose(to: "bob", text: "two")
        let m3 = try alice.messenger.compose(to: "bob", text: "three, lost")
        for m in [m1, m2] { _ = bob.messenger.receive(heard(m)) }
        // One receipt for both, as the courier batches them.
        let r = try receipt(by: bob, for: [m1.nonce, m2.nonce], node: 0xB0B)
        #expect(r.decoded?.payload.count == 38)
        guard case .receipt("bob", let ids, false, "!00000b0b") = alice.messenger.receive(r) else { Issue.record("refused"); return }
        #expect(Set(ids) == [m1.id, m2.id])
        #expect(try alice.messenger.store.message(id: m3.id)?.state == .pending)
        // The same receipt again (a replay) changes nothing more.
        guard case .receipt(_, [], false, nil) = alice.messenger.receive(r) else { Issue.record("replay not idempotent"); return }
    }

    @Test func forgedOrAlteredReceiptsAreIgnored() throws {
        let (alice, bob) = try pair()
        let carol = try TestHome()
        try carol.messenger.addContact(name: "alice", key: alice.key, node: nil)
        let m = try alice.messenger.compose(to: "bob", text: "for bob only")
        _ = bob.messenger.receive(heard(m))
        _ = carol.messenger.receive(heard(m))   // carol cannot open it: not stored
        // Carol knows the nonce (it was on the air) and alice's key, but not alice–bob's key:
        // she makes a receipt under her own pair key and relabels it with bob's hint.
        let carolKey = try ContactKey(own: carol.messenger.identity, peer: alice.messenger.identity.publicKey)
        let forged = try DeliveryReceipt.make(read: false, nonces: [m.nonce], node: 0xCA201, maker: bob.messenger.identity.senderID, key: carolKey)
        var p = MeshPacket(); p.from = 0xCA201; p.to = 0xA11CE
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: forged.bytes))
        #expect(alice.messenger.receive(p) == .failedAuthentication(contact: "receipt from 'bob'"))
        // A real receipt with one reference byte changed, or its node changed, fails too.
        let real = try #require(try receipt(by: bob, for: [m.nonce], node: 0xB0B).decoded?.payload)
        for i in [9, 10, 31] {
            var b = real; b[i] ^= 1
            p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: b))
            #expect(alice.messenger.receive(p) == .failedAuthentication(contact: "receipt from 'bob'"), "byte \(i)")
        }
        #expect(try alice.messenger.store.message(id: m.id)?.state == .pending)
        #expect(try alice.messenger.contact(named: "bob").node == nil)
    }

    /// A receipt for one message, replayed by anyone, never marks another one.
    @Test func aReceiptReplayedForAnotherMessageMarksNothing() throws {
        let (alice, bob) = try pair()
        let first = try alice.messenger.compose(to: "bob", text: "first")
        _ = bob.messenger.receive(heard(first))
        let r = try receipt(by: bob, for: [first.nonce], node: 0xB0B)
        #expect(alice.messenger.receive(r) != .failedAuthentication(contact: "receipt from 'bob'"))
        let second = try alice.messenger.compose(to: "bob", text: "second, never arrived")
        try alice.messenger.store.updateState(id: second.id, packetID: nil, to: .acked, at: alice.messenger.now)
        guard case .receipt(_, [], _, _) = alice.messenger.receive(r) else { Issue.record("replay did something"); return }
        #expect(try alice.messenger.store.message(id: second.id)?.state == .acked)
    }

    /// A retry (same envelope, new packet) of a message we hold owes a receipt again: ours
    /// was lost. The same packet id again (a relayed copy) does not.
    @Test func aRetriedMessageIsReceiptedAgain() throws {
        let (alice, bob) = try pair()
        let m = try alice.messenger.compose(to: "bob", text: "hello?")
        _ = bob.messenger.receive(heard(m, id: 10))
        let due = try bob.messenger.store.receiptsDue(readReceipts: false, since: 0)
        try bob.messenger.store.markReceiptSent(ids: due.map(\.id), level: 1)
        #expect(try bob.messenger.store.receiptsDue(readReceipts: false, since: 0).isEmpty)
        #expect(bob.messenger.receive(heard(m, id: 10)) == .duplicate)
        #expect(try bob.messenger.store.receiptsDue(readReceipts: false, since: 0).isEmpty, "a relayed copy owes nothing")
        #expect(bob.messenger.receive(heard(m, id: 11)) == .duplicate)
        #expect(try bob.messenger.store.receiptsDue(readReceipts: false, since: 0).map(\.id) == due.map(\.id))
    }

    @Test func readReceiptsAreOwedOnlyWhenOnAndShown() throws {
        let (alice, bob) = try pair()
        let m = try alice.messenger.compose(to: "bob", text: "read me")
        _ = bob.messenger.receive(heard(m))
        let id = try #require(try bob.messenger.store.receiptsDue(readReceipts: false, since: 0).first?.id)
        try bob.messenger.store.markReceiptSent(ids: [id], level: 1)
        _ = try bob.messenger.history(with: "alice", limit: 10)
        #expect(try bob.messenger.store.message(id: id)?.readAt == nil, "off: when it was read is not even written down")
        try bob.messenger.setReadReceipts(true)
        _ = try bob.messenger.history(with: "alice", limit: 10)
        #expect(try bob.messenger.store.receiptsDue(readReceipts: true, since: 0).map(\.id) == [id])
        let r = try receipt(by: bob, for: [m.nonce], node: 0xB0B, read: true)
        guard case .receipt(_, [m.id], true, _) = alice.messenger.receive(r) else { Issue.record("read receipt refused"); return }
        #expect(try alice.messenger.store.message(id: m.id)?.state == .read)
    }

    /// No receipt after two minutes: listed as such, re-sent only by `outbox retry`.
    @Test func noReceiptYetIsListedAndRetriedOnlyOnRequest() throws {
        let t = Clock(1_000)
        let alice = try TestHome(clock: { t.now }), bob = try TestHome()
        try alice.messenger.addContact(name: "bob", key: bob.key, node: nil)
        let m = try alice.messenger.compose(to: "bob", text: "anyone?")
        try alice.messenger.store.markTransmitted(id: m.id, packetID: 5, toNode: nil, channel: 0, hopLimit: nil, at: t.now)
        try alice.messenger.store.updateState(id: m.id, packetID: 5, to: .relayed, at: t.now)
        #expect(try alice.messenger.outbox().isEmpty)
        t.now += 121
        #expect(try alice.messenger.outbox().map(\.message.id) == [m.id])
        #expect(try alice.messenger.store.pending().isEmpty, "never re-sent by itself")
        #expect(try alice.messenger.requeueOutbox().map(\.id) == [m.id])
        t.now += 8 * 86_400
        try alice.messenger.store.updateState(id: m.id, packetID: nil, to: .relayed, at: t.now - 200)
        #expect(try alice.messenger.outbox().isEmpty, "after a week it is no longer listed")
    }
}

final class Clock: @unchecked Sendable {
    var now: Double
    init(_ t: Double) { now = t }
}

@Suite struct ContactRequestTests {
    private func requestPacket(_ from: TestHome, name: String, node: UInt32) throws -> MeshPacket {
        var p = MeshPacket(); p.from = node; p.to = MeshPacket.broadcast; p.id = UInt32.random(in: 1...UInt32.max)
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: try ContactRequest(publicKey: from.messenger.identity.publicKey, displayName: name).bytes))
        return p
    }

    @Test func requestsAreKeptForTheUserNeverAdded() async throws {
        let me = try TestHome(), stranger = try TestHome()
        guard case .contactRequest(let n) = me.messenger.receive(try requestPacket(stranger, name: "north farm", node: 0xDAEF9304)) else {
            Issue.record("not kept"); return
        }
        #expect(n.displayName == "north farm" && n.node == "!daef9304")
        #expect(n.safetyNumber == SafetyNumber(me.messenger.identity.publicKey, stranger.messenger.identity.publicKey).description)
        #expect(try me.messenger.contacts().isEmpty)
        guard case .ignored = me.messenger.receive(try requestPacket(stranger, name: "north farm", node: 0xDAEF9304)) else {
            Issue.record("a repeat is shown again"); return
        }
        #expect(try me.messenger.contactRequests().first?.count == 2)
        // Hardening 3: a forged copy of the request from another radio, under another name,
        // does not move the waiting one (so 'contact accept' still answers the first radio).
        guard case .ignored = me.messenger.receive(try requestPacket(stranger, name: "mallory", node: 0xBAD)) else {
            Issue.record("a forged copy is shown"); return
        }
        let waiting = try #require(try me.messenger.contactRequests().first)
        #expect(waiting.node == "!daef9304" && waiting.displayName == "north farm")
        // A name that could disguise itself on screen is refused.
        let sly = try TestHome()
        guard case .malformed = me.messenger.receive(try requestPacket(sly, name: "mum\u{202E}", node: 5)) else { Issue.record("bidi name kept"); return }
        // Accepting without a name of our own would send an empty one, which the other side
        // could only be told to accept as ''; refused before anything is added.
        await #expect(throws: MessengerError.self) {
            _ = try await me.messenger.acceptRequest("north farm", as: nil, introducingAs: nil,
                                                     radio: RadioChoice(port: "/dev/lora-msg-absent"), timeout: 1) { _ in }
        }
        #expect(try me.messenger.contacts().isEmpty)
        #expect(try me.messenger.rejectRequest("north farm").displayName == "north farm")
        #expect(try me.messenger.contactRequests().isEmpty)
        #expect(throws: MessengerError.self) { try me.messenger.rejectRequest("north farm") }
    }

    @Test func aFloodOfRequestsIsBoundedAndOldOnesExpire() throws {
        let t = Clock(10_000)
        let me = try TestHome(clock: { t.now })
        var kept = 0
        for i in 0..<20 {
            if case .contactRequest = me.messenger.receive(try requestPacket(try TestHome(), name: "spam \(i)", node: UInt32(100 + i))) { kept += 1 }
        }
        #expect(kept == 8, "at most 8 new requests an hour")
        // The ninth is said to be dropped (a flood must not hide a genuine request silently),
        // and the user can clear the flood in one go.
        guard case .requestDropped(let name, let why) = me.messenger.receive(try requestPacket(try TestHome(), name: "mum", node: 77)) else {
            Issue.record("a dropped request was not reported"); return
        }
        #expect(name == "mum" && why.contains("last hour"))
        #expect(try me.messenger.rejectAllRequests() == 8 && me.messenger.contactRequests().isEmpty)
        t.now += 3_601
        guard case .contactRequest = me.messenger.receive(try requestPacket(try TestHome(), name: "mum", node: 77)) else {
            Issue.record("not kept after the flood was cleared"); return
        }
        #expect(try me.messenger.rejectAllRequests() == 1)
        for hour in 1...6 {
            t.now += 3_601
            for i in 0..<8 { _ = me.messenger.receive(try requestPacket(try TestHome(), name: "h\(hour) \(i)", node: UInt32(1000 + i))) }
        }
        #expect(try me.messenger.contactRequests().count == 32, "at most 32 wait")
        t.now += 8 * 86_400
        #expect(try me.messenger.contactRequests().isEmpty, "forgotten after a week")
    }

    /// An accept that answers our request is added (with its authenticated node); one that
    /// nobody asked for, or forged, is not.
    @Test func acceptsAddOnlyWhenAskedAndAuthentic() throws {
        let me = try TestHome(), them = try TestHome()
        let accept = try ContactAccept.make(own: them.messenger.identity, node: 0xEA57, displayName: "east", requester: me.messenger.identity.publicKey)
        var p = MeshPacket(); p.from = 0xEA57; p.to = 0xA11CE; p.id = 1
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: accept.bytes))
        // Not asked for: waits for the user.
        guard case .contactRequest(let n) = me.messenger.receive(p), n.isAnswer else { Issue.record("unsolicited accept added"); return }
        #expect(try me.messenger.contacts().isEmpty)
        try me.messenger.store.setSetting(Messenger.requestSentSetting, to: String(me.messenger.now))
        // Asked by broadcast (Hardening 3): anyone in range heard it and could answer first
        // under a free name, so an answer still waits for the user.
        p.id = 2
        guard case .ignored = me.messenger.receive(p) else { Issue.record("an answer to a broadcast request was added by itself"); return }
        #expect(try me.messenger.contacts().isEmpty && me.messenger.contactRequests().first?.isAnswer == true)
        // Asked of east's radio: its answer, naming that radio, is added.
        try me.messenger.store.setSetting(Messenger.requestSentToSetting, to: String(0xEA57))
        p.id = 3
        guard case .contactAdded("east", "!0000ea57") = me.messenger.receive(p) else { Issue.record("answer not added"); return }
        #expect(try me.messenger.contact(named: "east").node == 0xEA57)
        // Made for someone else: refused.
        let other = try TestHome()
        let theirs = try ContactAccept.make(own: other.messenger.identity, node: 9, displayName: "x", requester: them.messenger.identity.publicKey)
        p.payloadVariant = .decoded(PacketData(portnum: PortNum(.privateApp), payload: theirs.bytes))
        guard case .failedAuthentication = me.messenger.receive(p) else { Issue.record("foreign accept taken"); return }
    }
}

@Suite struct LocationTests {
    @Test func locationIsSealedStoredAsCiphertextAndOpened() throws {
        let (alice, bob) = try pair()
        let fix = SharedLocation(lat: -33.8568, lon: 151.2153, alt: 58, accuracy: 4, fixTime: 1_763_726_401)
        let m = try alice.messenger.composeSealed(.location(try fix.quantized()), to: try alice.messenger.contact(named: "bob"), broadcast: false, channel: 0, hopLimit: nil)
        #expect(m.envelope.first == 0x02 && m.envelope.count == 65)
        guard case .message(let got) = bob.messenger.receive(heard(m)) else { Issue.record("not received"); return }
        let l = try #require(got.location)
        #expect(abs(l.lat - fix.lat) < 1.1e-5 && abs(l.lon - fix.lon) < 2.2e-5 && l.alt == 58 && l.accuracy == 4 && l.fixTime == fix.fixTime)
        #expect(got.text.isEmpty)
        let h = try bob.messenger.history(with: "alice", limit: 5)
        guard case .location(let again) = h.first?.body else { Issue.record("history lost it"); return }
        #expect(again == l)
        #expect(throws: MessengerError.self) { try SharedLocation(lat: 91, lon: 0, fixTime: 0).quantized() }
    }

    @Test func distanceAndBearing() {
        let cathedral = SharedLocation(lat: 46.5225, lon: 6.6355, fixTime: 0)
        let station = SharedLocation(lat: 46.5167, lon: 6.6291, fixTime: 0)
        let d = cathedral.distanceAndBearing(to: station)
        #expect((800...850).contains(d.metres), "\(d.metres)")      // 0.82 km by hand (haversine)
        #expect((210...220).contains(d.degrees), "\(d.degrees)")    // south-west
        #expect(station.distanceAndBearing(to: station).metres == 0)
    }

    @Test func gpsdReportsAreParsedOrIgnored() {
        let tpv = #"{"class":"TPV","mode":3,"time":"2026-11-21T12:00:16.000Z","lat":46.5197,"lon":6.6323,"altMSL":512.0,"eph":17.1}"#
        let fix = GPSDReader.parseTPV(Array(tpv.utf8))
        #expect(fix?.lat == 46.5197 && fix?.alt == 512 && fix?.accuracy == 17.1 && fix?.fixTime == 1_795_262_416)
        for bad in [#"{"class":"TPV","mode":1}"#, #"{"class":"SKY"}"#, "not json", "", #"{"class":"TPV","mode":2,"lat":95,"lon":0}"#,
                    #"{"class":"TPV","mode":"3","lat":1,"lon":2}"#, String(repeating: "[", count: 10_000)] {
            #expect(GPSDReader.parseTPV(Array(bad.utf8)) == nil, "\(bad.prefix(40))")
        }
        #expect(throws: MessengerError.self) { try GPSDReader(address: "host:notaport") }
        #expect(throws: MessengerError.self) { try GPSDReader(address: ":2947") }
        #expect(throws: MessengerError.self) { try GPSDReader(address: "a:1:2") }
    }
}

/// A peer on the gpsd port that is not gpsd: one line, no hang, no unbounded buffer.
@Suite(.serialized) struct GPSDPeerTests {
    /// Serves `reply` to the first connection on a loopback port, then closes it.
    private func serve(_ reply: [UInt8]) throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET); addr.sin_addr.s_addr = inet_addr("127.0.0.1"); addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &addr) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try #require(bind(fd, sa, len) == 0 && listen(fd, 1) == 0 && getsockname(fd, sa, &len) == 0)
            }
        }
        let port = UInt16(bigEndian: addr.sin_port)
        Thread {
            let c = accept(fd, nil, nil)
            var sent = 0
            while sent < reply.count { let n = reply[sent...].withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }; if n <= 0 { break }; sent += n }
            close(c); close(fd)
        }.start()
        return port
    }

    private func failure(port: UInt16) -> MessengerError? {
        do { _ = try GPSDReader(address: "127.0.0.1:\(port)").fix(timeout: 10); return nil } catch { return error }
    }

    @Test func aStreamWithoutNewlinesIsRefused() throws {
        let error = failure(port: try serve([UInt8](repeating: 0x78, count: 70_000)))
        #expect(error?.description.contains("does not speak gpsd") == true, "\(String(describing: error))")
    }

    @Test func aPeerThatClosesWithoutAFixIsAnError() throws {
        let error = failure(port: try serve(Array(#"{"class":"VERSION","release":"3.22"}"#.utf8) + [10] + Array(#"{"class":"TPV","mode":1}"#.utf8) + [10]))
        #expect(error?.exitStatus == .unavailable && error?.description.contains("closed") == true, "\(String(describing: error))")
    }
}
