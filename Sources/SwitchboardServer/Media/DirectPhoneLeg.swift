import CallCore
import CallRuntime
import EventLoopExecution
import NIOCore
import NIOWebSocket
import Synchronization

/// Turns the session's phone commands into one carrier's media-stream text frames.
protocol MediaFrameEncoder: Sendable {
    func frame(for command: PhoneCommand) -> String
}

/// A carrier media stream's outbound side, written straight to the upgraded socket: commands are
/// encoded on the call's loop and queued in an ``EventLoopWriteQueue`` that the socket's event loop
/// drains, every queued frame with one flush — no writer task, no async writer in between. The socket
/// not keeping up (more than its high-water mark unwritten) is `transmitStalled`; a socket that is
/// gone when a frame is due is `transmitDead`. Closing drains the queue first, then hands the close
/// handshake to the socket's ``MediaStreamHandler`` (a ``MediaStreamCloseRequest``).
final class DirectPhoneLeg<Encoder: MediaFrameEncoder>: PhoneLeg {
    private enum Outgoing: Sendable {
        case text(String)
        case close
    }

    /// Shared with the queue's writer: reports each transmit problem to the session once.
    private final class LegSignals: Sendable {
        let stallReported = Atomic(false)
        let deathReported = Atomic(false)
        let report: @Sendable (CallEvent) -> Void
        init(report: @escaping @Sendable (CallEvent) -> Void) { self.report = report }

        func stalled() {
            if !stallReported.exchange(true, ordering: .relaxed) { report(.transmitStalled) }
        }

        func dead() {
            if !deathReported.exchange(true, ordering: .relaxed) { report(.transmitDead) }
        }
    }

    let encoder: Encoder
    private let channel: any Channel
    private let queue: EventLoopWriteQueue<Outgoing>
    private let signals: LegSignals

    /// - Parameters:
    ///   - channel: The upgraded media-stream connection (NIO's WebSocket codec, then ``MediaStreamHandler``).
    ///   - queueLimit: Most frames between two drains of the socket's loop.
    init(encoder: Encoder, channel: any Channel, queueLimit: Int = 4_096, onTransmitProblem: @escaping @Sendable (CallEvent) -> Void) {
        self.encoder = encoder
        self.channel = channel
        let signals = LegSignals(report: onTransmitProblem)
        self.signals = signals
        queue = EventLoopWriteQueue(limit: queueLimit) { outgoing, channel in
            switch outgoing {
            case .text(let text):
                guard channel.isActive else { return signals.dead() }
                var buffer = channel.allocator.buffer(capacity: text.utf8.count)
                buffer.writeString(text)
                channel.write(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil)
            case .close:
                channel.triggerUserOutboundEvent(MediaStreamCloseRequest(), promise: nil)
            }
        }
        queue.open(on: channel)
    }

    func send(_ command: PhoneCommand) {
        if !channel.isWritable { signals.stalled() }
        do {
            try queue.append(.text(encoder.frame(for: command)))
        } catch .full {
            signals.stalled()
        } catch {
            // The stream already ended: the session hears `streamStopped` from the reader.
        }
    }

    func close() {
        queue.appendLast(.close)
    }

    /// Ends the queue when the socket is gone.
    func finish() {
        queue.finish()
    }
}
