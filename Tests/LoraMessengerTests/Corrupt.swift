import Foundation
import GRDB

/// Damages a stored envelope in place, bypassing the store's API, as a disk or an editor would.
enum Corrupt {
    static func flipEnvelopeByte(db path: String, messageNonce: [UInt8], at index: Int) throws {
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            guard let data = try Data.fetchOne(db, sql: "SELECT envelope FROM message WHERE nonce = ?", arguments: [Data(messageNonce)]) else {
                throw DatabaseError(message: "no such message")
            }
            var bytes = [UInt8](data)
            bytes[index] ^= 0x01
            try db.execute(sql: "UPDATE message SET envelope = ? WHERE nonce = ?", arguments: [Data(bytes), Data(messageNonce)])
        }
        try q.close()
    }
}

/// memchr + memcmp: the generic `Data.contains` is far too slow in a debug build for
/// megabytes of WAL.
enum ByteSearch {
    static func contains(_ haystack: Data, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        return haystack.withUnsafeBytes { h -> Bool in
            guard let base = h.baseAddress, h.count >= needle.count else { return false }
            var offset = 0
            while offset <= h.count - needle.count {
                guard let hit = memchr(base + offset, Int32(first), h.count - needle.count + 1 - offset) else { return false }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, needle, needle.count) == 0 { return true }
                offset = at + 1
            }
            return false
        }
    }
}
