import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    // MARK: Contact requests

    public struct RequestLimits: Sendable {
        /// Requests kept waiting at most.
        public var maxPending = 32
        /// New keys admitted per hour.
        public var maxNewPerHour = 8
        /// Unanswered requests are forgotten after this many seconds.
        public var lifetime: Double = 7 * 86_400
        public init() {}
    }

    /// Keeps a request for the user, within `limits`: a stranger cannot fill the disk or the
    /// screen. The same key again refreshes its time and count, never its node or name: a
    /// request carries no proof, so a forged copy of it must not re-point the waiting one.
    public func admitRequest(_ r: ContactRequestRecord, limits: RequestLimits = RequestLimits()) throws(StoreError) -> RequestAdmission {
        try write { db in
            try db.execute(sql: "DELETE FROM contact_request WHERE received_at < ?", arguments: [r.receivedAt - limits.lifetime])
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM contact_request WHERE public_key = ?)", arguments: [Data(r.publicKey)]) == true {
                try db.execute(
                    sql: "UPDATE contact_request SET node = COALESCE(node, ?), answer = max(answer, ?), received_at = ?, count = count + 1 WHERE public_key = ?",
                    arguments: [r.node.map { Int64($0) }, r.isAnswer, r.receivedAt, Data(r.publicKey)])
                return .repeated
            }
            let pending = try Int.fetchOne(db, sql: "SELECT count(*) FROM contact_request") ?? 0
            if pending >= limits.maxPending { return .dropped("\(pending) requests are already waiting") }
            let lastHour = try Int.fetchOne(db, sql: "SELECT count(*) FROM contact_request WHERE received_at > ?", arguments: [r.receivedAt - 3600]) ?? 0
            if lastHour >= limits.maxNewPerHour { return .dropped("\(lastHour) new requests arrived in the last hour") }
            try r.insert(db)
            return .new
        }
    }

    /// Forgets every waiting request; returns how many.
    @discardableResult
    public func removeAllRequests() throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM contact_request")
            return db.changesCount
        }
    }

    /// Waiting requests, newest first; expired ones are forgotten first.
    public func requests(now: Double, limits: RequestLimits = RequestLimits()) throws(StoreError) -> [ContactRequestRecord] {
        try write { db in
            try db.execute(sql: "DELETE FROM contact_request WHERE received_at < ?", arguments: [now - limits.lifetime])
            return try ContactRequestRecord.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM contact_request ORDER BY received_at DESC")
        }
    }

    public func removeRequest(publicKey: [UInt8]) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM contact_request WHERE public_key = ?", arguments: [Data(publicKey)]) }
    }
}
