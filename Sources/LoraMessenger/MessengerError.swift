import LoraCrypto
import MQTTLink
import MeshtasticWire
import MessageStore
import RadioLink

/// Everything the use cases can fail with, each still carrying the lower layer's own error so
/// the CLI can pick an exit code and print its sentence.
public enum MessengerError: Error, Equatable, Sendable, CustomStringConvertible {
    case identity(IdentityFileError)
    case crypto(LoraCryptoError)
    case store(StoreError)
    case radio(RadioLinkError)
    case unknownContact(name: String)
    /// No group of that name in this home.
    case unknownGroup(name: String)
    case emptyMessage
    case invalidNode(text: String)
    case invalidName(reason: String)
    /// The message is stored; sending now would break the regional duty cycle.
    case dutyCycleWait(seconds: Int, messageID: String)
    /// Longer than a whole hour's budget: it can never be sent in this region.
    case exceedsDutyCycle(milliseconds: Double)
    /// The radio or the mesh refused or gave up on the message.
    case deliveryFailed(reason: String, messageID: String)
    case timedOut(waitingFor: String, seconds: Double, messageID: String)
    /// The radio went away before it accepted the message; it stays in the outbox.
    case notSent(RadioLinkError, messageID: String)
    /// A combination of options that cannot work; the sentence says which.
    case usage(reason: String)
    /// `--wait ack` to a contact whose radio is unknown: a broadcast is never ACKed by them.
    case ackNeedsNode(contact: String)
    /// Text that is not valid (not UTF-8, say); the sentence says why.
    case invalidText(reason: String)
    /// Another `tail` holds this home's radio.
    case tailRunning(pid: Int32)
    case cannotCreate(reason: String)
    /// A contact request or answer that no radio took; nothing was sent.
    case frameNotSent(reason: String)
    /// No waiting contact request matches (or several do); the sentence says which.
    case noSuchRequest(reason: String)
    /// No position from gpsd (not running, no fix in time); the sentence says which.
    case gpsUnavailable(reason: String)
    /// The radio has no region set: the firmware refuses to transmit until it has one.
    case regionUnset(node: String)
    /// The MQTT broker: a bad address, TLS set-up, or not reachable.
    case broker(MQTTLinkError)
    /// The radio is not set up as a client-proxy gateway; these changes are needed.
    case gatewayNeedsSetup(node: String, changes: [String])
    /// A backup file that cannot be restored (named), and why.
    case backup(String, BackupSeal.Failure)

    public var description: String {
        switch self {
        case .identity(let e): return e.description
        case .crypto(let e): return e.description
        case .store(let e): return e.description
        case .radio(let e): return e.description
        case .unknownGroup(name: let name):
            return "no group named '#\(name)'; see 'lora-msg group list', or make one with 'lora-msg group create \(name) CONTACT…'"
        case .unknownContact(name: let name):
            return "no contact named '\(name)'; add one with 'lora-msg contact add \(name) KEY' (see 'lora-msg contact list')"
        case .emptyMessage:
            return "the message is empty; give the text as an argument or on stdin with '-'"
        case .invalidNode(text: let text):
            return "'\(text)' is not a node id; write it as Meshtastic shows it, e.g. !a1b2c3d4"
        case .invalidName(reason: let why):
            return "invalid contact name: \(why)"
        case let .dutyCycleWait(s, id):
            return "radio duty cycle: next slot in \(s) s; message \(Self.short(id)) stays in the outbox (run again without --no-wait, or 'lora-msg outbox retry' later)"
        case .exceedsDutyCycle(let ms):
            return "this message needs \(Int(ms.rounded())) ms on air, more than the region allows in a whole hour"
        case let .deliveryFailed(reason, id):
            return "message \(Self.short(id)) not delivered: \(reason); 'lora-msg outbox retry' sends it again"
        case let .timedOut(what, s, id):
            return "gave up waiting for \(what) for message \(Self.short(id)) after \(Int(s)) s; it may still arrive ('lora-msg history' shows its state)"
        case let .notSent(e, id):
            return "\(e.description); message \(Self.short(id)) is kept in the outbox and goes out with the next 'lora-msg tail' or 'lora-msg outbox retry'"
        case .usage(reason: let why):
            return why
        case .ackNeedsNode(contact: let name):
            return "'\(name)' has no known radio node, so the message goes as a broadcast, which only a neighbour's repeat confirms; give the node ('lora-msg contact set-node \(name) !xxxxxxxx') or use --wait relayed"
        case .invalidText(reason: let why):
            return why
        case .tailRunning(0):
            return "another 'lora-msg tail' is starting for this home; stop it first"
        case .tailRunning(let pid):
            return "'lora-msg tail' is already running for this home (pid \(pid)); stop it first"
        case .cannotCreate(reason: let why):
            return why
        case .frameNotSent(reason: let why):
            return "\(why); nothing was sent, try again"
        case .noSuchRequest(reason: let why):
            return why
        case .gpsUnavailable(reason: let why):
            return why
        case .broker(let e):
            return e.description
        case let .gatewayNeedsSetup(node, changes):
            return "the radio \(node) is not set up as a gateway; it needs: \(changes.joined(separator: "; ")). Run again with --configure to make these changes (the radio reboots once)"
        case .regionUnset(let node):
            return "the radio \(node) has no region set, and the firmware will not transmit without one; set it with 'lora-msg radio set region EU_868' (or your region: US, EU_433, ANZ, …)"
        case let .backup(file, failure):
            return "cannot restore \(file): \(failure.description); nothing was changed"
        }
    }

    static func short(_ id: String) -> String { String(id.prefix(8)) }
}
