import LoRaPHY
import LoraCrypto
import MessageStore
import RadioLink

/// What `chat` shows besides the messages: read from the same store and radio the other
/// commands use, so it cannot disagree with `history` or `send`.
public struct ChatStatus: Equatable, Sendable {
    public var node: String
    public var region: String
    public var preset: String
    /// Airtime this home's radio used in the last hour, and what the region allows (nil: no limit).
    public var airtimeUsedSeconds: Double
    public var airtimeBudgetSeconds: Double?
    public var outbox: Int
}

extension Messenger {
    /// The most a chat line can hold as one frame (a long text goes with `send`).
    public static var chatLimitBytes: Int { LoraEnvelope.maxPlaintextBytes }

    public func chatStatus(radio: RadioInfo) throws(MessengerError) -> ChatStatus {
        let settings = RadioSettings(radio)
        let used: Double
        do { used = try store.airtime(since: now - AirtimeLedger.windowSeconds).reduce(0) { $0 + $1.milliseconds } / 1000 } catch {
            throw .store(error)
        }
        return ChatStatus(node: radio.nodeID, region: settings.region.name, preset: settings.presetName,
                          airtimeUsedSeconds: used,
                          airtimeBudgetSeconds: settings.region.hasDutyCycle ? settings.region.hourlyBudgetMilliseconds / 1000 : nil,
                          outbox: try outbox().count)
    }

    /// Stores a chat line for `name` (a contact, or "#group") in the outbox; the running
    /// listener sends it.
    public func queueChatLine(_ text: String, to name: String) throws(MessengerError) -> String {
        guard !text.isEmpty else { throw .emptyMessage }
        let limit = try chatLimit(for: name)
        guard text.utf8.count <= limit else {
            throw .crypto(.messageTooLong(bytes: text.utf8.count, limit: limit))
        }
        if name.hasPrefix("#") { return try composePost(text, to: name).id }
        return try compose(to: name, text: text).id
    }

    /// The bytes one frame holds for this conversation: a group's post carries a tag per member;
    /// a contact whose node is unknown gets broadcasts, which fit a signed frame.
    public func chatLimit(for name: String) throws(MessengerError) -> Int {
        guard name.hasPrefix("#") else {
            return Self.goesAsBroadcast(to: try contact(named: name), forced: false) ? LoraEnvelope.maxSignedBroadcastPlaintextBytes : Self.chatLimitBytes
        }
        let g = try group(named: name)
        let members: Int
        members = try stored(try store.groupMembers(groupID: g.id).count)
        return GroupPost.maxPlaintextBytes(members: max(2, members)) - 1
    }

    /// Every conversation `chat` can show: contacts by name, then groups as "#name".
    public func conversations() throws(MessengerError) -> [String] {
        let groups: [ChatGroup]
        groups = try stored(try store.groups())
        return try contacts().map(\.name) + groups.filter { $0.standing == .member }.map { "#" + $0.name }
    }

    /// A contact's conversation, or a group's ("#name").
    public func conversation(_ name: String, limit: Int, markingShown: Bool = true) throws(MessengerError) -> [HistoryEntry] {
        name.hasPrefix("#") ? try groupHistory(name, limit: limit, markingShown: markingShown)
                            : try history(with: name, limit: limit, markingShown: markingShown)
    }

    /// Posts or messages no terminal has shown yet.
    public func unreadCount(in name: String) throws(MessengerError) -> Int {
        guard name.hasPrefix("#") else { return try unreadCount(from: name) }
        let g = try group(named: name)
        return try stored(try store.unseenCount(peer: g.id))
    }
}
