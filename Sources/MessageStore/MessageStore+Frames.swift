import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    // MARK: Frame outbox

    public func queueFrame(_ f: OutgoingFrame) throws(StoreError) {
        try write { db in
            // Sent frames are kept a day for `wait`, then forgotten.
            try db.execute(sql: "DELETE FROM frame_outbox WHERE sent_at < ?", arguments: [f.createdAt - 86_400])
            try f.insert(db)
        }
    }

    public func unsentFrames() throws(StoreError) -> [OutgoingFrame] {
        try read { db in try OutgoingFrame.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM frame_outbox WHERE sent_at IS NULL ORDER BY created_at") }
    }

    public func frame(id: String) throws(StoreError) -> OutgoingFrame? {
        try read { db in try OutgoingFrame.fetchOne(db, sql: "SELECT \(Self.withRowNumber) FROM frame_outbox WHERE id = ?", arguments: [id]) }
    }

    public func markFrameSent(id: String, packetID: UInt32, at time: Double) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE frame_outbox SET sent_at = ?, packet_id = ? WHERE id = ?", arguments: [time, Int64(packetID), id])
        }
    }

    public func deleteFrame(id: String) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM frame_outbox WHERE id = ?", arguments: [id]) }
    }
}
