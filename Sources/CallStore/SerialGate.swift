import Synchronization

/// A FIFO async mutex: at most one holder at a time, waiters served in arrival order.
///
/// Waiting ignores task cancellation on purpose: a holder always finishes a bounded database operation
/// and releases, and a store operation abandoned half-way (e.g. between BEGIN and COMMIT) would be worse.
final class SerialGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state = Mutex(State())

    /// Runs `body` while holding the gate.
    func withGate<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { s -> Bool in
                if !s.busy {
                    s.busy = true
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.head < s.waiters.count else {
                s.busy = false
                s.waiters.removeAll(keepingCapacity: true)
                s.head = 0
                return nil
            }
            let next = s.waiters[s.head]
            s.head += 1
            return next  // stays busy: ownership passes to `next`
        }
        next?.resume()
    }
}
