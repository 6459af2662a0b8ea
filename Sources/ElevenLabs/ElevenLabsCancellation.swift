import Synchronization

/// An explicit stop for one or more syntheses (barge-in, hang-up). After `cancel()` returns, no further audio
/// callback starts and the HTTP request is closed. Cancelling the task that runs `synthesize` does the same.
public final class ElevenLabsCancellation: Sendable {
    private struct State {
        var cancelled = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// True once `cancel()` was called.
    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Cancels; idempotent.
    public func cancel() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.cancelled else { return [] }
            state.cancelled = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when `cancel()` is called or the current task is cancelled, whichever comes first.
    func wait() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.cancelled || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
