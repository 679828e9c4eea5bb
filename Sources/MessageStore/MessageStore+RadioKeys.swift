import Foundation
import GRDB

/// What lora-msg knows of a contact's radio key (migration "v12: a contact's radio key").
public struct ContactRadioKey: Equatable, Sendable {
    /// Their radio's public key, first heard in a NodeInfo from their node.
    public var key: [UInt8]?
    public var seenAt: Double?
    /// When their radio was last asked for its NodeInfo.
    public var askedAt: Double?
    /// When our radio refused a DM to their node for want of its key (and has not heard it since).
    public var refusedAt: Double?

    public init(key: [UInt8]? = nil, seenAt: Double? = nil, askedAt: Double? = nil, refusedAt: Double? = nil) {
        self.key = key; self.seenAt = seenAt; self.askedAt = askedAt; self.refusedAt = refusedAt
    }
}

/// What a NodeInfo heard from a contact's node did.
public enum RadioKeyNews: Equatable, Sendable {
    /// The first key heard for the contact's radio: kept.
    case learned(name: String, senderID: [UInt8])
    /// The key already kept, heard again (the radio still has it).
    case confirmed(name: String, senderID: [UInt8], wasRefused: Bool)
    /// A different key for the same node: not taken (a new radio is set by hand).
    case mismatch(name: String)
}

extension MessageStore {
    public func radioKey(senderID: [UInt8]) throws(StoreError) -> ContactRadioKey {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT radio_key, radio_key_seen_at, radio_key_asked_at, node_refused_at FROM contact WHERE sender_id = ?
                """, arguments: [Data(senderID)]) else { return ContactRadioKey() }
            let key: Data? = row["radio_key"]
            return ContactRadioKey(key: key.map { [UInt8]($0) }, seenAt: row["radio_key_seen_at"],
                                   askedAt: row["radio_key_asked_at"], refusedAt: row["node_refused_at"])
        }
    }

    /// A NodeInfo from `node` carried `key`: for each contact whose radio that is, the key is
    /// kept on first use, and a refusal of their node is over (our radio has the key now).
    public func noteRadioKey(node: UInt32, key: [UInt8], at time: Double) throws(StoreError) -> [RadioKeyNews] {
        guard key.count == 32 else { return [] }
        return try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT name, sender_id, radio_key, node_refused_at FROM contact WHERE node = ?",
                                        arguments: [Int64(node)])
            var news: [RadioKeyNews] = []
            for row in rows {
                let name: String = row["name"], sid: Data = row["sender_id"]
                let held: Data? = row["radio_key"]
                let wasRefused = (row["node_refused_at"] as Double?) != nil
                if let held, [UInt8](held) != key { news.append(.mismatch(name: name)); continue }
                try db.execute(sql: """
                    UPDATE contact SET radio_key = ?, radio_key_seen_at = ?, node_refused_at = NULL WHERE sender_id = ?
                    """, arguments: [Data(key), time, sid])
                news.append(held == nil ? .learned(name: name, senderID: [UInt8](sid))
                                        : .confirmed(name: name, senderID: [UInt8](sid), wasRefused: wasRefused))
            }
            return news
        }
    }

    public func noteRadioKeyAsked(senderID: [UInt8], at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE contact SET radio_key_asked_at = ? WHERE sender_id = ?", arguments: [time, Data(senderID)])
        }
    }

    /// Contacts with a node whose radio key lora-msg has not heard, not asked since `askedBefore`.
    public func contactsAwaitingRadioKey(askedBefore: Double) throws(StoreError) -> [Contact] {
        try read { db in
            try Contact.fetchAll(db, sql: """
                SELECT \(Self.withRowNumber) FROM contact
                WHERE node IS NOT NULL AND radio_key IS NULL AND (radio_key_asked_at IS NULL OR radio_key_asked_at < ?)
                ORDER BY name
                """, arguments: [askedBefore])
        }
    }
}
