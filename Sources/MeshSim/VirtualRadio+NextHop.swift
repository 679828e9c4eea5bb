import MeshtasticWire

/// The firmware's NextHopRouter (src/mesh/NextHopRouter.cpp), as far as the air shows it: a DM
/// carries the last byte of the relay its sender expects to pass it on (`next_hop`); only that
/// relay (or anyone, with no preference) repeats it; a relay that is the next hop keeps the copy
/// and retransmits it until it hears it go on or the ACK come back; next hops are learned from
/// the ACKs that come back; the originator's last retransmission floods. Not modelled: the
/// route-health ageing (M3) and the check that a byte names one unique neighbour (M1/M2): in a
/// scenario every node's last byte is its own.
struct NextHopState {
    struct PacketKey: Hashable { var from: UInt32; var id: UInt32 }

    /// PacketHistory's record of one packet: who relayed it (PacketHistory::relayed_by), as the
    /// firmware counts them: ourselves once we sent or relayed it, and then only those heard
    /// repeating *our* transmission (a copy with our hop limit or one less).
    struct Record {
        var relayedBy: Set<UInt32> = []
        var ourTxHopLimit: UInt32?
    }

    /// NodeInfoLite.next_hop: the relay byte toward each destination.
    var routes: [UInt32: UInt32] = [:]
    var history: [PacketKey: Record] = [:]
    var order: [PacketKey] = []
    /// Relayed packets this radio retransmits (startRetransmission for a packet not from us).
    var relaying: [PacketKey: (packet: MeshPacket, left: Int, due: Double)] = [:]

    static let historyLimit = 300

    mutating func record(_ key: PacketKey, _ change: (inout Record) -> Void) {
        if history[key] == nil {
            order.append(key)
            if order.count > Self.historyLimit { history[order.removeFirst()] = nil }
        }
        change(&history[key, default: Record()])
    }
}

extension VirtualRadio {
    static let noNextHopPreference: UInt32 = 0
    var ownRelayByte: UInt32 { identity.nodeNum & 0xFF }

    /// NextHopRouter::getNextHop: the learned relay toward `to`, unless it is the relay the
    /// packet came from.
    func nextHop(to: UInt32, relayNode: UInt32) -> UInt32 {
        guard to != MeshPacket.broadcast, let hop = nextHops.routes[to], hop != relayNode else { return Self.noNextHopPreference }
        return hop
    }

    /// NextHopRouter::send for a packet we originate: the next hop set, and the packet in our
    /// history as relayed by us (wasSeenRecently).
    mutating func routeOwn(_ p: inout MeshPacket) {
        p.relayNode = ownRelayByte
        p.nextHop = nextHop(to: p.to, relayNode: ownRelayByte)
        noteSending(p)
    }

    /// PacketHistory::wasSeenRecently for a packet whose relay_node is us: we relay it.
    private mutating func noteSending(_ p: MeshPacket) {
        let me = ownRelayByte
        nextHops.record(.init(from: p.from, id: p.id)) { r in
            r.relayedBy.insert(me)
            r.ourTxHopLimit = p.hopLimit
        }
    }

    /// perhapsRebroadcast's gate: no preference, or we are the next hop.
    func isNextHop(for p: MeshPacket) -> Bool {
        p.nextHop == Self.noNextHopPreference || p.nextHop == ownRelayByte
    }

    /// A later copy of a packet heard (PacketHistory::wasSeenRecently with update): its relayer
    /// counts only when it repeated our own transmission. Hearing it stops our retransmission
    /// of it (NextHopRouter::shouldFilterReceived: it went on).
    mutating func noteCopy(_ p: MeshPacket) {
        let key = NextHopState.PacketKey(from: p.from, id: p.id)
        nextHops.relaying[key] = nil
        guard let ours = nextHops.history[key]?.ourTxHopLimit, nextHops.history[key]?.relayedBy.contains(ownRelayByte) == true,
              p.hopLimit == ours || p.hopLimit + 1 == ours else { return }
        nextHops.record(key) { $0.relayedBy.insert(p.relayNode) }
    }

    /// NextHopRouter::sniffReceived on an ACK or reply: learn the next hop toward its sender
    /// when the relay it came through also relayed the original (or it came straight from the
    /// destination and we alone relayed the original), and stop relaying the original.
    mutating func learnRoute(from p: MeshPacket) {
        guard settings.nextHopRouting, let d = p.decoded, d.requestId != 0 || d.replyId != 0, p.from != 0 else { return }
        let original = NextHopState.PacketKey(from: p.to, id: d.requestId != 0 ? d.requestId : d.replyId)
        let relayed = nextHops.history[original]?.relayedBy ?? []
        let weWereRelayer = relayed.contains(ownRelayByte)
        let wasAlreadyRelayer = relayed.contains(p.relayNode)
        let weWereSole = relayed == [ownRelayByte]
        let hopsAway = p.hopStart >= p.hopLimit ? p.hopStart - p.hopLimit : 0
        if (weWereRelayer && wasAlreadyRelayer) || (hopsAway == 0 && weWereSole) {
            nextHops.routes[p.from] = p.relayNode
        }
        if p.to != identity.nodeNum { nextHops.relaying[original] = nil }
    }

    /// A packet we relay (perhapsRebroadcast → NextHopRouter::send when it named us): our own
    /// next hop toward its destination, and, when there is one, we keep retransmitting it.
    mutating func routeRelay(_ p: inout MeshPacket, now: Double) {
        let directed = p.nextHop != Self.noNextHopPreference
        p.relayNode = ownRelayByte
        p.nextHop = directed ? nextHop(to: p.to, relayNode: ownRelayByte) : Self.noNextHopPreference
        let key = NextHopState.PacketKey(from: p.from, id: p.id)
        noteSending(p)
        if p.nextHop != Self.noNextHopPreference && (p.hopLimit > 0 || p.wantAck) {
            // PendingPacket(p, NUM_RELIABLE_RETX): two more tries after this one.
            nextHops.relaying[key] = (p, 2, now + retransmitSeconds(p, now: now))
        }
    }

    /// doRetransmissions for relayed packets: the last try floods.
    mutating func retransmitRelayed(now: Double) -> [Output] {
        var out: [Output] = []
        for (key, entry) in nextHops.relaying.sorted(by: { $0.key.id < $1.key.id }) where entry.due <= now {
            guard entry.left > 0 else { nextHops.relaying[key] = nil; continue }
            var again = entry.packet
            if entry.left == 1 {
                again.nextHop = Self.noNextHopPreference
                nextHops.routes[again.to] = nil
            }
            nextHops.relaying[key] = (again, entry.left - 1, now + retransmitSeconds(again, now: now))
            if !ledger.firmwareRefuses(nowSeconds: now) {
                ledger.record(startSeconds: now, milliseconds: settings.preset.modem.timeOnAirMilliseconds(bytes: Self.phyBytes(again)))
                out.append(.transmit(again))
            }
        }
        return out
    }

    /// What this radio has learned, for tests and `radio nodes`: the relay byte toward each node.
    public var learnedNextHops: [UInt32: UInt32] { nextHops.routes }
}

extension VirtualRadio {
    enum HopStartStatus { case valid, missingOrUnknown, invalid }

    /// classifyHopStart (NodeDB.cpp): hop_start below hop_limit is invalid; 0 is valid only with
    /// the `bitfield` firmware 2.5+ always sets (else pre-2.3 firmware that never set hop_start).
    static func classifyHopStart(_ p: MeshPacket) -> HopStartStatus {
        if p.hopStart < p.hopLimit { return .invalid }
        if p.hopStart == 0 {
            if let d = p.decoded, d.bitfield != nil { return .valid }
            return .missingOrUnknown
        }
        return .valid
    }
}
