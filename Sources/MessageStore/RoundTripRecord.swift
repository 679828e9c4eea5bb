import Foundation
import GRDB

/// A contact's learned round trip (send to receipt), one row of `round_trip`.
public struct RoundTripRecord: Equatable, Sendable {
    public var peer: [UInt8]
    public var smoothed: Double
    public var variation: Double
    public var samples: Int
    public var updatedAt: Double

    public init(peer: [UInt8], smoothed: Double, variation: Double, samples: Int, updatedAt: Double) {
        self.peer = peer; self.smoothed = smoothed; self.variation = variation; self.samples = samples; self.updatedAt = updatedAt
    }
}

extension RoundTripRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "round_trip"

    public init(row: Row) throws {
        let r = DecodedRow(row: row, table: Self.databaseTableName)
        self.init(peer: try r.bytes("peer"), smoothed: try r("smoothed"), variation: try r("variation"),
                  samples: try r("samples"), updatedAt: try r("updated_at"))
    }

    public func encode(to container: inout PersistenceContainer) {
        container["peer"] = Data(peer)
        container["smoothed"] = smoothed
        container["variation"] = variation
        container["samples"] = samples
        container["updated_at"] = updatedAt
    }
}
