import NIOCore
import Synchronization

/// Outbound items of one channel, written by the channel's event loop in append order: every item
/// pending when a drain runs goes out with one flush (one `writev`). Appending never blocks and never
/// hops tasks — it takes a lock and, when nothing was pending, schedules one drain on the loop. Items
/// appended before the channel is known wait until ``open(on:)``.
///
/// Invariants: items reach `write` in append order, only on the channel's loop; after
/// ``appendLast(_:)`` or ``finish()`` nothing more is accepted.
public final class EventLoopWriteQueue<Element: Sendable>: Sendable {
    /// Why an item was not queued.
    public enum Refusal: Error, Sendable, Equatable {
        /// At the limit, or (for droppable items) the channel is not writable: the peer is not reading.
        case full
        /// After ``appendLast(_:)`` or ``finish()``.
        case closed
    }

    private struct State {
        var pending: [Element] = []
        var channel: (any Channel)?
        var drainScheduled = false
        var closed = false
    }

    private let state = Mutex(State())
    private let limit: Int
    private let write: @Sendable (Element, any Channel) -> Void

    /// - Parameters:
    ///   - limit: Most items pending at once (before the channel opens, or between two drains).
    ///   - write: Writes one item to the channel (without flushing); runs on the channel's loop.
    public init(limit: Int, write: @escaping @Sendable (Element, any Channel) -> Void) {
        self.limit = max(1, limit)
        self.write = write
    }

    /// Queues `element`. A `droppable` one is refused while the open channel is not writable.
    public func append(_ element: Element, droppable: Bool = false) throws(Refusal) {
        let channel: (any Channel)? = try state.withLock { state throws(Refusal) in
            if state.closed { throw .closed }
            if state.pending.count >= limit { throw .full }
            if droppable, let channel = state.channel, !channel.isWritable { throw .full }
            state.pending.append(element)
            return Self.claimDrain(&state)
        }
        if let channel { scheduleDrain(on: channel) }
    }

    /// Queues a last element (a close), whatever the limit; later appends are refused.
    /// - Returns: `false` if the queue was already closed.
    @discardableResult
    public func appendLast(_ element: Element) -> Bool {
        let (accepted, channel): (Bool, (any Channel)?) = state.withLock { state in
            if state.closed { return (false, nil) }
            state.closed = true
            state.pending.append(element)
            return (true, Self.claimDrain(&state))
        }
        if let channel { scheduleDrain(on: channel) }
        return accepted
    }

    /// The channel is ready: pending items go out now.
    public func open(on channel: any Channel) {
        let schedule: (any Channel)? = state.withLock { state in
            state.channel = channel
            return Self.claimDrain(&state)
        }
        if let schedule { scheduleDrain(on: schedule) }
    }

    /// The channel is gone: pending items are dropped and every later append is refused.
    public func finish() {
        state.withLock { state in
            state.closed = true
            state.channel = nil
            state.pending.removeAll()
        }
    }

    /// Whether appends are refused now.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Writes and flushes what is pending now. Call on the channel's loop before writing something that
    /// must follow everything queued so far (a pong, a close reply).
    public func drainNow(_ channel: any Channel) {
        channel.eventLoop.preconditionInEventLoop()
        drain(channel)
    }

    private static func claimDrain(_ state: inout State) -> (any Channel)? {
        guard let channel = state.channel, !state.drainScheduled, !state.pending.isEmpty else { return nil }
        state.drainScheduled = true
        return channel
    }

    private func scheduleDrain(on channel: any Channel) {
        channel.eventLoop.execute { self.drain(channel) }
    }

    private func drain(_ channel: any Channel) {
        let elements = state.withLock { state -> [Element] in
            state.drainScheduled = false
            var taken: [Element] = []
            swap(&taken, &state.pending)
            return taken
        }
        guard !elements.isEmpty else { return }
        for element in elements { write(element, channel) }
        channel.flush()
    }
}
