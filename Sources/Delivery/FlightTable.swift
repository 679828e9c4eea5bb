import MeshtasticWire

/// What the radio said about one packet we handed it, in the engine's words.
public enum RadioNews: Equatable, Sendable {
    /// In its transmit queue: from now on it costs airtime.
    case queued
    /// A neighbour repeated it (the firmware's implicit ACK).
    case relayed
    case acked(by: UInt32)
    /// Its queue was full; the packet goes again under this id.
    case renumbered(to: UInt32)
    /// A DM the firmware could not PKI-encrypt: it has no key for the destination node.
    case noPublicKey
    /// The firmware's own duty-cycle count refused it (DUTY_CYCLE_LIMIT): it never left.
    case dutyCycleRefused
    /// Refused or NAKed, with the reason as the user reads it.
    case failed(String)
    case notice(String)
}

/// The packets this process handed to the radio and has not heard the end of, and the
/// airtime granted to sends that have not yet reached the store's ledger. Fed the radio's news
/// with `now`; answers with what to record, what to send again and what to tell.
public struct FlightTable: Sendable {
    /// A stored message's packet.
    public struct MessageFlight: Equatable, Sendable {
        public var messageID: String
        /// Its time on air, booked in the ledger when the radio queues it (0: already booked).
        public var milliseconds: Double
        public var broadcast: Bool
        public init(messageID: String, milliseconds: Double, broadcast: Bool) {
            self.messageID = messageID; self.milliseconds = milliseconds; self.broadcast = broadcast
        }
    }

    /// A packet that is not a message of the outbox: a receipt, a contact frame, a chunk.
    public struct ControlFlight: Equatable, Sendable {
        public var packet: MeshPacket
        public var milliseconds: Double
        public init(packet: MeshPacket, milliseconds: Double) { self.packet = packet; self.milliseconds = milliseconds }
    }

    public enum Action: Equatable, Sendable {
        case recordAirtime(milliseconds: Double, at: Double)
        /// Move the message forward (the store's guard decides whether it really moves).
        case setState(messageID: String, packetID: UInt32, state: DeliveryState, failure: String?, ackedBy: UInt32?)
        case renumber(messageID: String, from: UInt32, to: UInt32)
        /// The radio had no key for the destination: the sealed envelope goes as a broadcast.
        case resendAsBroadcast(messageID: String)
        /// The radio's duty cycle refused it before it left: it goes again once the radio
        /// says it may send (its ClientNotification), still a first send.
        case sendAfterRadioSilence(messageID: String)
        case sendControl(MeshPacket)
        /// A control packet's waiter learns whether the radio took it.
        case taken(packetID: UInt32)
        case refused(packetID: UInt32, reason: String)
        /// A control packet now goes under another id: its waiter follows it.
        case controlRenumbered(from: UInt32, to: UInt32)
        case notice(String)
    }

    public struct Reservation: Equatable, Sendable {
        public var startedAt: Double
        public var milliseconds: Double
    }

    public private(set) var messages: [UInt32: MessageFlight] = [:]
    public private(set) var controls: [UInt32: ControlFlight] = [:]
    private var reserved: [Int: Reservation] = [:]
    private var nextToken = 0
    private var tokenOfPacket: [UInt32: Int] = [:]
    /// News that overtook the hand-over it belongs to (at most `earlyLimit` packets).
    private var early: [UInt32: [RadioNews]] = [:]
    static let earlyLimit = 64

    public init() {}

    // MARK: Airtime granted

    /// Books `milliseconds` from `now` until the packet sent with it is queued or refused.
    public mutating func reserve(milliseconds: Double, now: Double) -> Int {
        nextToken += 1
        reserved[nextToken] = Reservation(startedAt: now, milliseconds: milliseconds)
        return nextToken
    }

    /// The send it was granted for never reached the radio.
    public mutating func release(_ token: Int) { reserved[token] = nil }

    /// Granted and not yet in the store's ledger: every duty-cycle decision counts it.
    public var reservations: [Reservation] { Array(reserved.values) }

    // MARK: Hand-overs

    public func isInFlight(messageID: String) -> Bool { messages.values.contains { $0.messageID == messageID } }

    public func knows(_ packetID: UInt32) -> Bool { messages[packetID] != nil || controls[packetID] != nil }

    /// A message's packet went to the radio under `packetID`; news that came first is applied.
    public mutating func handedOver(_ packetID: UInt32, message: MessageFlight, reservation: Int?, now: Double) -> [Action] {
        messages[packetID] = message
        if let reservation { tokenOfPacket[packetID] = reservation }
        return replayEarly(packetID, now: now)
    }

    public mutating func handedOver(_ packetID: UInt32, control: ControlFlight, reservation: Int?, now: Double) -> [Action] {
        controls[packetID] = control
        if let reservation { tokenOfPacket[packetID] = reservation }
        return replayEarly(packetID, now: now)
    }

    /// A packet another process (or an earlier run) handed over, found in the store: its
    /// airtime was booked already.
    public mutating func adopt(_ packetID: UInt32, messageID: String, broadcast: Bool) {
        messages[packetID] = MessageFlight(messageID: messageID, milliseconds: 0, broadcast: broadcast)
    }

    /// News for a packet nobody knows yet: kept until it is handed over (or dropped, past the limit).
    public mutating func keepEarly(_ news: RadioNews, for packetID: UInt32) {
        guard early[packetID] != nil || early.count < Self.earlyLimit else { return }
        early[packetID, default: []].append(news)
    }

    /// The link went away: nothing in flight will be heard of again, and nothing granted will be sent.
    public mutating func disconnected() {
        messages.removeAll()
        reserved.removeAll()
        tokenOfPacket.removeAll()
    }

    // MARK: News

    /// nil: the packet is not known here (look it up, then `adopt` or `keepEarly`).
    public mutating func news(_ news: RadioNews, for packetID: UInt32, now: Double) -> [Action]? {
        // A reservation ends when the ledger has the airtime (queued) or the radio will not
        // send it; a renumbered packet keeps it.
        switch news {
        case .queued, .failed, .noPublicKey, .dutyCycleRefused:
            if let token = tokenOfPacket.removeValue(forKey: packetID) { reserved[token] = nil }
        case .renumbered(let newID):
            if let token = tokenOfPacket.removeValue(forKey: packetID) { tokenOfPacket[newID] = token }
        default: break
        }
        if let control = controls[packetID] { return controlNews(news, control, packetID, now: now) }
        guard let flight = messages[packetID] else { return nil }
        let id = flight.messageID
        switch news {
        case .queued:
            return (flight.milliseconds > 0 ? [.recordAirtime(milliseconds: flight.milliseconds, at: now)] : [])
                + [.setState(messageID: id, packetID: packetID, state: .queued, failure: nil, ackedBy: nil)]
        case .relayed:
            // A DM is followed on: its destination's own ACK comes after the implicit one.
            if flight.broadcast { messages[packetID] = nil }
            return [.setState(messageID: id, packetID: packetID, state: .relayed, failure: nil, ackedBy: nil)]
        case .acked(let by):
            messages[packetID] = nil
            return [.setState(messageID: id, packetID: packetID, state: .acked, failure: nil, ackedBy: by)]
        case .renumbered(let newID):
            messages[packetID] = nil
            messages[newID] = flight
            return [.renumber(messageID: id, from: packetID, to: newID)] + replayEarly(newID, now: now)
        case .noPublicKey where !flight.broadcast:
            // The envelope is sealed end to end anyway: a broadcast carries it just as safely.
            messages[packetID] = nil
            return [.resendAsBroadcast(messageID: id)]
        case .noPublicKey:
            messages[packetID] = nil
            return [.setState(messageID: id, packetID: packetID, state: .failed, failure: Self.noKeyText, ackedBy: nil)]
        case .dutyCycleRefused:
            messages[packetID] = nil
            return [.sendAfterRadioSilence(messageID: id)]
        case .failed(let why):
            messages[packetID] = nil
            return [.setState(messageID: id, packetID: packetID, state: .failed, failure: why, ackedBy: nil)]
        case .notice(let text):
            return [.notice(text)]
        }
    }

    static let noKeyText = "the radio has no public key for the destination node"
    static let dutyCycleText = "the regional duty cycle is used up"

    private mutating func controlNews(_ news: RadioNews, _ flight: ControlFlight, _ packetID: UInt32, now: Double) -> [Action] {
        switch news {
        case .queued:
            return [.recordAirtime(milliseconds: flight.milliseconds, at: now), .taken(packetID: packetID)]
        case .relayed:
            if flight.packet.to == MeshPacket.broadcast { controls[packetID] = nil }
            return []
        case .renumbered(let newID):
            controls[packetID] = nil
            controls[newID] = flight
            return [.controlRenumbered(from: packetID, to: newID)] + replayEarly(newID, now: now)
        case .noPublicKey where flight.packet.to != MeshPacket.broadcast:
            controls[packetID] = nil
            var again = flight.packet
            again.to = MeshPacket.broadcast
            again.id = 0
            return [.sendControl(again)]
        case .acked:
            controls[packetID] = nil
            return []
        case .noPublicKey:
            controls[packetID] = nil
            return [.refused(packetID: packetID, reason: Self.noKeyText)]
        case .dutyCycleRefused:
            controls[packetID] = nil
            return [.refused(packetID: packetID, reason: Self.dutyCycleText)]
        case .failed(let why):
            controls[packetID] = nil
            return [.refused(packetID: packetID, reason: why)]
        case .notice(let text):
            return [.notice(text)]
        }
    }

    private mutating func replayEarly(_ packetID: UInt32, now: Double) -> [Action] {
        var out: [Action] = []
        for n in early.removeValue(forKey: packetID) ?? [] { out += news(n, for: packetID, now: now) ?? [] }
        return out
    }
}
