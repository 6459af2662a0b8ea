import Synchronization

/// A thread-safe, append-only list of records with waiters: tests wait for a condition on the records
/// (already true, or true after a later append) without polling. Bounded by the caller's timeout.
public final class FakeWaitableLog<Record: Sendable>: Sendable {
    private struct Waiter {
        let id: Int
        let predicate: @Sendable ([Record]) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var records: [Record] = []
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Snapshot, in append order.
    public var records: [Record] { state.withLock { $0.records } }

    /// Appends a record; returns its index.
    @discardableResult
    public func append(_ record: Record) -> Int {
        update { records in
            records.append(record)
            return records.count - 1
        }
    }

    /// Changes record `index` in place.
    public func modify(_ index: Int, _ body: (inout Record) -> Void) {
        update { records in
            if records.indices.contains(index) { body(&records[index]) }
        }
    }

    private func update<T>(_ body: (inout [Record]) -> T) -> T {
        let (value, ready) = state.withLock { s -> (T, [Waiter]) in
            let value = body(&s.records)
            let records = s.records
            let ready = s.waiters.filter { $0.predicate(records) }
            s.waiters.removeAll { $0.predicate(records) }
            return (value, ready)
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
        return value
    }

    /// Waits until `predicate` holds for the records, at most `timeout`; returns whether it held.
    public func wait(timeout: Duration = .seconds(5), until predicate: @escaping @Sendable ([Record]) -> Bool) async -> Bool {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let already = self.state.withLock { s -> Bool in
                        if predicate(s.records) { return true }
                        s.waiters.append(Waiter(id: id, predicate: predicate, continuation: continuation))
                        return false
                    }
                    if already { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resolve(id)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            self.resolve(id)
            return first
        }
    }

    private func resolve(_ id: Int) {
        let waiter = state.withLock { s -> Waiter? in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: false)
    }
}
