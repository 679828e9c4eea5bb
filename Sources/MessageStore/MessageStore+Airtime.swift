import Delivery
import Foundation
import GRDB
import Glibc

extension MessageStore {
    // MARK: Airtime

    public func recordAirtime(_ r: AirtimeRecord) throws(StoreError) {
        try write { db in
            try r.insert(db)
            // Nothing older than a day is ever needed for an hourly duty cycle.
            try db.execute(sql: "DELETE FROM airtime WHERE started_at < ?", arguments: [r.startedAt - 86_400])
        }
    }

    public func airtime(since: Double) throws(StoreError) -> [AirtimeRecord] {
        try read { db in
            try AirtimeRecord.fetchAll(db, sql: "SELECT \(Self.withRowNumber) FROM airtime WHERE started_at > ? ORDER BY started_at", arguments: [since])
        }
    }
}
