import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    // MARK: Contacts

    /// Adds a contact. The same name with the same key is a no-op (returns false); a different
    /// key under a taken name, or a key already known under another name, is refused.
    @discardableResult
    public func addContact(_ c: Contact) throws(StoreError) -> Bool {
        try write { db in
            if let existing = try Contact.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM contact WHERE name = ?", arguments: [c.name]) {
                if existing.publicKey == c.publicKey { return false }
                throw StoreError.nameTaken(existing.name)
            }
            if let other = try String.fetchOne(db, sql: "SELECT name FROM contact WHERE public_key = ?", arguments: [Data(c.publicKey)]) {
                throw StoreError.keyTaken(byName: other)
            }
            try c.insert(db)
            return true
        }
    }

    public func contacts() throws(StoreError) -> [Contact] {
        try read { db in try Contact.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM contact ORDER BY name") }
    }

    public func contact(named name: String) throws(StoreError) -> Contact? {
        try read { db in try Contact.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM contact WHERE name = ?", arguments: [name]) }
    }

    public func contact(senderID: [UInt8]) throws(StoreError) -> Contact? {
        try read { db in
            try Contact.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM contact WHERE sender_id = ?", arguments: [Data(senderID)])
        }
    }

    /// Removes the contact; their stored envelopes stay (unreadable without the key, and back
    /// if the same key is added again). Their unsent messages fail: nobody is left to send to.
    public func removeContact(named name: String, at time: Double) throws(StoreError) {
        let n = try write { db in
            guard let c = try Contact.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM contact WHERE name = ?", arguments: [name]) else { return 0 }
            try db.execute(
                sql: "UPDATE message SET state = 'failed', failure = 'contact removed', updated_at = ? WHERE direction = 'out' AND state = 'pending' AND peer = ?",
                arguments: [time, Data(c.senderID)])
            try db.execute(sql: "DELETE FROM node_seen WHERE sender_id = ?", arguments: [Data(c.senderID)])
            try db.execute(sql: "DELETE FROM contact WHERE name = ?", arguments: [name])
            return db.changesCount
        }
        if n == 0 { throw StoreError.noSuchContact(name) }
    }

    public func markVerified(named name: String, at time: Double) throws(StoreError) {
        let n = try write { db in
            try db.execute(sql: "UPDATE contact SET verified_at = ? WHERE name = ?", arguments: [time, name])
            return db.changesCount
        }
        if n == 0 { throw StoreError.noSuchContact(name) }
    }

    /// Sets the contact's node as the user's choice (nil: none, messages go as broadcasts).
    public func setNode(named name: String, to node: UInt32?, at time: Double = 0) throws(StoreError) {
        let n = try write { db in
            // Another radio by the user's word: what was known of the old one's key goes.
            try db.execute(sql: """
                UPDATE contact SET node = ?, node_given = ?, node_bound_at = ?, node_refused_at = NULL,
                  radio_key = NULL, radio_key_seen_at = NULL, radio_key_asked_at = NULL
                WHERE name = ?
                """, arguments: [node.map { Int64($0) }, node != nil, time, name])
            return db.changesCount
        }
        if n == 0 { throw StoreError.noSuchContact(name) }
    }

    /// An authenticated message of this contact arrived in a packet from `node`. The mesh
    /// `from` is not authenticated (whoever re-sends their envelope picks it), so it never
    /// sets the contact's node; a node other than theirs is recorded as seen.
    public func noteHeard(senderID: [UInt8], node: UInt32?, at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE contact SET last_heard_at = ? WHERE sender_id = ?", arguments: [time, Data(senderID)])
            guard let node, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM contact WHERE sender_id = ?)", arguments: [Data(senderID)]) == true
            else { return }
            let own = try Int64.fetchOne(db, sql: "SELECT node FROM contact WHERE sender_id = ?", arguments: [Data(senderID)])
            guard own != Int64(node) else { return }
            try db.execute(
                sql: """
                    INSERT INTO node_seen (sender_id, node, first_seen, last_seen) VALUES (?, ?, ?, ?)
                    ON CONFLICT (sender_id, node) DO UPDATE SET last_seen = excluded.last_seen, count = count + 1
                    """,
                arguments: [Data(senderID), Int64(node), time, time])
        }
    }

    /// The contact said, in data only they could authenticate (a receipt, an accept), that
    /// their radio is `node`. Returns true when that changed the contact's node.
    /// `evidenceSentAt`: when the message that data answers was made. A node the user set by
    /// hand is not moved, unless the radio has since refused a DM to it for lack of its key (a
    /// radio renumbered by firmware 2.8); nor one bound after that message (a replayed old receipt).
    @discardableResult
    public func bindNode(senderID: [UInt8], node: UInt32, evidenceSentAt: Double, at time: Double) throws(StoreError) -> Bool {
        guard node != 0, node != UInt32.max else { return false }
        return try write { db in
            try db.execute(sql: """
                UPDATE contact SET node = ?, node_given = 0, node_bound_at = ?, node_refused_at = NULL
                WHERE sender_id = ? AND (node IS NULL OR node != ?) AND (node_given = 0 OR node_refused_at IS NOT NULL)
                  AND (node_bound_at IS NULL OR node_bound_at < ?)
                """, arguments: [Int64(node), time, Data(senderID), Int64(node), evidenceSentAt])
            let changed = db.changesCount > 0
            // Their own radio is no longer an "other" node.
            try db.execute(sql: "DELETE FROM node_seen WHERE sender_id = ? AND node = ?", arguments: [Data(senderID), Int64(node)])
            return changed
        }
    }

    /// The radio refused a DM to this contact's node: it holds no key for that number.
    public func noteNodeRefused(senderID: [UInt8], at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE contact SET node_refused_at = ? WHERE sender_id = ? AND node_refused_at IS NULL", arguments: [time, Data(senderID)])
        }
    }

    /// Other nodes the contact's envelopes came from, most recent first.
    public func otherNodes(senderID: [UInt8]) throws(StoreError) -> [NodeSighting] {
        try read { db in
            try NodeSighting.fetchAll(
                db, sql: "SELECT \(Self.withRowNumber) FROM node_seen WHERE sender_id = ? ORDER BY last_seen DESC",
                arguments: [Data(senderID)])
        }
    }
}
