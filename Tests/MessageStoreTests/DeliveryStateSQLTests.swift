import GRDB
import MessageStore
import Testing

/// The store's guard is generated from `DeliveryState.accepts`; SQLite must agree with it on
/// every pair of states, with and without a finished resend.
struct DeliveryStateSQLTests {
    @Test func theSQLGuardIsTheTransitionTable() throws {
        let db = try DatabaseQueue()
        let condition = DeliveryState.acceptsSQL(stateColumn: "state", resendingOverSQL: "over = 1")
        for current in DeliveryState.allCases where current != .received {
            for next in DeliveryState.allCases where next != .received {
                for over in [false, true] {
                    let sql = "SELECT CASE WHEN \(condition) THEN 1 ELSE 0 END FROM (SELECT ? AS state, ? AS over)"
                    let verdict = try db.read { try Int.fetchOne($0, sql: sql, arguments: [next.rank, next.rawValue, current.rawValue, over ? 1 : 0]) }
                    #expect((verdict == 1) == current.accepts(next, resendingOver: over), "\(current) → \(next), over \(over)")
                }
            }
        }
    }
}
