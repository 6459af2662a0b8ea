import Synchronization

/// A call's inbox without a task of its own. Whoever delivers an input while nobody is applying inputs
/// becomes the *applier*: it applies every queued input, in delivery order, on its own thread, then
/// steps down. Inputs delivered meanwhile — from other threads, or from inside the applier's own
/// actions — are queued and applied after the current one. So the call still has one owner at a time
/// (DESIGN, principle 1) and inputs are applied one by one in order, but a media frame read on a socket's
/// event loop reaches the machine on that loop, without waking a task.
///
/// Lifecycle: inputs delivered before `open()` wait in the queue; after `close()` every input is dropped.
///
/// The applier applies whatever other threads queue meanwhile, without a cap: one call's inputs are a
/// few per 20 ms, each applied in microseconds, so a turn is short; a call whose inputs arrived faster
/// than they are applied would hold its deliverer's thread until the queue is empty.
public final class SerialInbox<Input: Sendable>: Sendable {
    private struct State: ~Copyable {
        var pending: [Input] = []
        var head = 0
        /// Someone is applying inputs (or the closer owns the call for its teardown).
        var applying = false
        var opened = false
        var closed = false
        var idleWaiter: CheckedContinuation<Void, Never>?

        /// Closed: every queued input dropped, and every later one.
        mutating func close() {
            closed = true
            pending.removeAll()
            head = 0
        }
    }
    private let state = Mutex(State())

    public init() {}

    /// Queues `input`. Returns true when the caller became the applier and must now call `next()`
    /// until it returns nil.
    public func enqueue(_ input: Input) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.pending.append(input)
            guard state.opened, !state.applying else { return false }
            state.applying = true
            return true
        }
    }

    /// Starts applying. Returns true when inputs were waiting and the caller became their applier.
    public func open() -> Bool {
        state.withLock { state in
            guard !state.opened, !state.closed else { return false }
            state.opened = true
            guard state.head < state.pending.count, !state.applying else { return false }
            state.applying = true
            return true
        }
    }

    /// The applier's next input, or nil: then the applier has stepped down (the queue is empty, or the
    /// inbox was closed, whose waiter is now resumed).
    public func next() -> Input? {
        let (input, waiter) = state.withLock { state -> (Input?, CheckedContinuation<Void, Never>?) in
            if state.closed {
                state.applying = false
                let waiter = state.idleWaiter
                state.idleWaiter = nil
                return (nil, waiter)
            }
            guard state.head < state.pending.count else {
                state.pending.removeAll(keepingCapacity: state.pending.capacity <= 8)
                state.head = 0
                state.applying = false
                return (nil, nil)
            }
            let input = state.pending[state.head]
            state.head += 1
            if state.head > 64 && state.head * 2 > state.pending.count {
                // A call that never pauses: drop the applied inputs (and the audio they hold) now and then.
                state.pending.removeFirst(state.head)
                state.head = 0
            }
            return (input, nil)
        }
        waiter?.resume()
        return input
    }

    /// Drops every queued and future input. Callable from inside the applier (then it steps down at its
    /// next `next()`).
    public func close() {
        state.withLock { $0.close() }
    }

    /// Closes the inbox and returns once no applier is running; from then on the caller alone owns the
    /// call's state. Must not be called from inside the applier.
    public func closeAndWaitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                state.close()
                guard state.applying else {
                    state.applying = true  // the caller owns the state from now on; nobody else can apply
                    return true
                }
                state.idleWaiter = continuation
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
