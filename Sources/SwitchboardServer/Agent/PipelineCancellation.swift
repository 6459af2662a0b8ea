import Synchronization

/// A one-shot stop signal for one pipeline operation (an LLM reply). `cancel()` is idempotent and safe
/// from any task; ``run(_:)`` cancels the work it runs as soon as the signal fires.
final class PipelineCancellation: Sendable {
    private struct State {
        var cancelled = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func cancel() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard !s.cancelled else { return [] }
            s.cancelled = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once cancelled, or when the current task is cancelled.
    private func wait() async {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.cancelled || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Runs `work` as a child task that is cancelled when this signal fires; throws `CancellationError`
    /// then (whatever `work` was doing: an HTTP request is closed by its task's cancellation).
    func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        if isCancelled { throw CancellationError() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                await self.wait()
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw CancellationError() }
            return value
        }
    }
}
