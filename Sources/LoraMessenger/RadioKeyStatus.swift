/// What lora-msg knows of a contact's radio key, which firmware 2.8 needs for every DM.
public enum RadioKeyStatus: Equatable, Sendable {
    /// A NodeInfo from their node told our radio the key (kept on first use). On firmware 2.8
    /// the node number is the key's CRC32; a 2.7 radio's is not.
    case known(key: [UInt8], seenAt: Double, nodeIsItsCRC32: Bool)
    /// Our radio refused a DM to their node for want of the key.
    case missing(refusedAt: Double, askedAt: Double?)
    /// Their radio was asked for its NodeInfo; no answer heard yet.
    case asked(at: Double)
    /// Nothing heard or asked yet.
    case notHeard
    /// No node for the contact: messages go as broadcasts, which need no key.
    case noNode

    /// One word for JSON.
    public var word: String {
        switch self {
        case .known: "known"
        case .missing: "missing"
        case .asked: "asked"
        case .notHeard: "not-heard"
        case .noNode: "no-node"
        }
    }
}
