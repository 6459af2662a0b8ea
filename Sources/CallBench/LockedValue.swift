import Synchronization

/// A value shared between tasks behind a lock (a class, so closures can capture it).
final class LockedValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }

    var value: Value { storage.withLock { $0 } }
}
