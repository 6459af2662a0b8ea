import EventLoopExecution
import NIOCore
import NIOWebSocket
import Synchronization

/// The outbound side of one Realtime WebSocket: encoded events in an ``EventLoopWriteQueue`` that the
/// socket's loop drains (all queued frames per flush), masked as a client must. Events sent before the
/// socket is open wait in the same queue; after `close()` nothing more is accepted and the close frame
/// (1000) follows the last queued event.
final class RealtimeSocketWriter: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        case close
    }

    /// Set once a close frame (ours or our reply) is written: at most one goes out. Holds the timer that
    /// ends the connection if the server never answers our close.
    private final class CloseFlag: Sendable {
        let sent = Atomic(false)
        let timer = Mutex<Scheduled<Void>?>(nil)
    }

    /// This socket's masking keys, drawn from the kernel in batches (taken on the socket's loop only,
    /// so the lock is never contended).
    private final class MaskingKeys: Sendable {
        private let entropy = Mutex(BufferedEntropy())
        func next() -> WebSocketMaskingKey {
            entropy.withLock { WebSocketMaskingKey.random(using: &$0) }
        }
    }

    private let queue: EventLoopWriteQueue<Outgoing>
    private let closeFlag = CloseFlag()
    private let masks = MaskingKeys()

    init(queueLimit: Int, closeTimeout: Duration) {
        let closeFlag = closeFlag
        let masks = masks
        queue = EventLoopWriteQueue(limit: queueLimit) { outgoing, channel in
            switch outgoing {
            case .text(let text):
                var buffer = channel.allocator.buffer(capacity: text.utf8.count)
                buffer.writeString(text)
                channel.write(WebSocketFrame(fin: true, opcode: .text, maskKey: masks.next(), data: buffer), promise: nil)
            case .close:
                guard !closeFlag.sent.exchange(true, ordering: .relaxed) else { return }
                var payload = channel.allocator.buffer(capacity: 2)
                payload.write(webSocketErrorCode: .normalClosure)
                channel.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masks.next(), data: payload), promise: nil)
                // The server answers with its close frame and ends the connection; bounded if it does not.
                let timer = channel.eventLoop.scheduleTask(in: TimeAmount(closeTimeout)) { channel.close(promise: nil) }
                closeFlag.timer.withLock { $0 = timer }
            }
        }
    }

    /// Queues one text frame. `droppable` frames (audio appends) are refused with `.bufferFull` while
    /// the socket is not writable (the peer is not reading); every frame at the queue's limit.
    func send(_ text: String, droppable: Bool) throws(RealtimeSendError) {
        do {
            try queue.append(.text(text), droppable: droppable)
        } catch .full {
            throw .bufferFull
        } catch {
            throw .closed
        }
    }

    /// Stops accepting events; queued events are written, then the close frame.
    func close() {
        queue.appendLast(.close)
    }

    /// Whether our close frame went out (so a server close is the reply, not a request).
    var closeFrameSent: Bool { closeFlag.sent.load(ordering: .relaxed) }

    /// The upgrade succeeded: queued events go out now. Called on the channel's loop.
    func opened(_ channel: any Channel) {
        queue.open(on: channel)
    }

    /// The socket is gone (or never opened): every later `send` throws `.closed`.
    func finished() {
        queue.finish()
        closeFlag.timer.withLock { $0 }?.cancel()
    }

    /// Writes a control frame (pong, close reply) on the loop, after everything queued so far. A close
    /// reply is not sent if our own close already went out.
    func writeControl(_ frame: WebSocketFrame, on channel: any Channel, isCloseReply: Bool = false) {
        queue.drainNow(channel)
        if isCloseReply, closeFlag.sent.exchange(true, ordering: .relaxed) { return }
        channel.writeAndFlush(frame, promise: nil)
    }
}
