import MessageStore

/// One idiom for the writes below the commands: a write that moves state either throws to its
/// caller, or, where the caller's answer must go on without it, is `remember`ed: its failure
/// becomes a line the user sees, never silence.
extension Messenger {
    /// Runs a write whose failure must not stop the caller; a failure is kept, named by `what`.
    func remember(_ what: String, _ write: () throws(StoreError) -> Void) {
        do { try write() } catch {
            storeProblems.withLock { $0.append("could not record \(what) in the database: \(error.description)") }
        }
    }

    /// The same for a use case's step whose failure must not stop the caller (a frame queued
    /// on the side, the ratchet learning from a receipt).
    func remember(_ what: String, _ step: () throws(MessengerError) -> Void) {
        do { try step() } catch {
            storeProblems.withLock { $0.append("could not \(what): \(error.description)") }
        }
    }

    /// The writes that failed since the last call, oldest first.
    public func takeStoreProblems() -> [String] {
        storeProblems.withLock { p in defer { p.removeAll() }; return p }
    }
}

/// A store call inside a use case, its error re-wrapped as the use case's:
/// `let x = try stored(try store.contacts())`. The one re-wrap of `StoreError`.
func stored<T>(_ call: @autoclosure () throws(StoreError) -> T) throws(MessengerError) -> T {
    do { return try call() } catch { throw .store(error) }
}
