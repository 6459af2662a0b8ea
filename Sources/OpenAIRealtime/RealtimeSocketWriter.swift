import NIOCore
import NIOWebSocket
import Synchronization

/// The outbound side of one Realtime WebSocket: a FIFO of encoded events that the socket's event loop
/// drains, all queued frames at once with one flush (one `writev`) per drain. Senders never block and
/// never hop tasks: `send` appends under a lock and, when the queue was empty, schedules one drain on
/// the channel's loop. Events sent before the socket is open wait in the same queue.
///
/// Invariants: frames reach the socket in `send` order (one queue, drained only on the loop); after
/// `close()` nothing more is accepted and the close frame follows the last queued event.
final class RealtimeSocketWriter: Sendable {
    private struct State {
        var queue: [String] = []
        var channel: (any Channel)?
        var drainScheduled = false
        var closeRequested = false
        var closeSent = false
        var finished = false
    }

    private let state = Mutex(State())
    /// Most events held while the socket is not open or not draining (audio appends beyond it are dropped).
    private let queueLimit: Int
    private let closeTimeout: Duration

    init(queueLimit: Int, closeTimeout: Duration) {
        self.queueLimit = max(1, queueLimit)
        self.closeTimeout = closeTimeout
    }

    /// Queues one text frame. `droppable` frames (audio appends) are refused with `.bufferFull` while
    /// the socket is not writable (the peer is not reading) or the queue is at its limit; other events
    /// are refused only at the limit.
    func send(_ text: String, droppable: Bool) throws(RealtimeSendError) {
        let schedule: (any Channel)? = try state.withLock { state throws(RealtimeSendError) in
            if state.closeRequested || state.finished { throw .closed }
            if state.queue.count >= queueLimit { throw .bufferFull }
            if droppable, let channel = state.channel, !channel.isWritable { throw .bufferFull }
            state.queue.append(text)
            return claimDrain(&state)
        }
        if let schedule { scheduleDrain(on: schedule) }
    }

    /// Stops accepting events; queued events are written, then a close frame (1000).
    func close() {
        let schedule: (any Channel)? = state.withLock { state in
            guard !state.closeRequested, !state.finished else { return nil }
            state.closeRequested = true
            return claimDrain(&state)
        }
        if let schedule { scheduleDrain(on: schedule) }
    }

    /// Whether `close()` was called (or the socket ended).
    var isClosed: Bool { state.withLock { $0.closeRequested || $0.finished } }

    /// The upgrade succeeded: queued events go out now. Called on the channel's loop.
    func opened(_ channel: any Channel) {
        let schedule: (any Channel)? = state.withLock { state in
            guard !state.finished else { return nil }
            state.channel = channel
            return claimDrain(&state)
        }
        if let schedule { scheduleDrain(on: schedule) }
    }

    /// The socket is gone (or never opened): every later `send` throws `.closed`.
    func finished() {
        state.withLock { state in
            state.finished = true
            state.channel = nil
            state.queue.removeAll()
        }
    }

    /// Whether our close frame was already sent (so a server close is the reply, not a request).
    var closeFrameSent: Bool { state.withLock { $0.closeSent } }

    /// Writes a control frame (pong, close reply) on the loop, after what is queued now.
    func writeControl(_ frame: WebSocketFrame, on channel: any Channel, markCloseSent: Bool = false) {
        channel.eventLoop.assertInEventLoop()
        drain(channel)
        if markCloseSent {
            let alreadySent = state.withLock { state in
                defer { state.closeSent = true }
                return state.closeSent
            }
            if alreadySent { return }
        }
        channel.writeAndFlush(frame, promise: nil)
    }

    /// Takes the right to schedule a drain: only when the socket is open, something is pending and no
    /// drain is already scheduled.
    private func claimDrain(_ state: inout State) -> (any Channel)? {
        guard let channel = state.channel, !state.drainScheduled else { return nil }
        guard !state.queue.isEmpty || (state.closeRequested && !state.closeSent) else { return nil }
        state.drainScheduled = true
        return channel
    }

    private func scheduleDrain(on channel: any Channel) {
        channel.eventLoop.execute { self.drain(channel) }
    }

    /// Runs on the loop: every queued frame, then (if requested) the close frame, then one flush.
    private func drain(_ channel: any Channel) {
        let (texts, sendClose) = state.withLock { state -> ([String], Bool) in
            state.drainScheduled = false
            let texts = state.queue
            state.queue.removeAll(keepingCapacity: true)
            let sendClose = state.closeRequested && !state.closeSent
            if sendClose { state.closeSent = true }
            return (texts, sendClose)
        }
        guard !texts.isEmpty || sendClose else { return }
        for text in texts {
            var buffer = channel.allocator.buffer(capacity: text.utf8.count)
            buffer.writeString(text)
            channel.write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer), promise: nil)
        }
        if sendClose {
            var reason = channel.allocator.buffer(capacity: 2)
            reason.write(webSocketErrorCode: .normalClosure)
            channel.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: reason), promise: nil)
            // The server answers with its close frame and ends the connection; bounded if it does not.
            let timeout = TimeAmount.nanoseconds(Int64(closeTimeout.components.seconds) * 1_000_000_000 + closeTimeout.components.attoseconds / 1_000_000_000)
            channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        }
        channel.flush()
    }
}
