import CallCore
import CallRuntime
import EventLoopExecution
import HummingbirdWebSocket
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
/// handshake to the WebSocket handler (``runCloser(outbound:)``).
final class DirectPhoneLeg<Encoder: MediaFrameEncoder>: PhoneLeg {
    private enum Outgoing: Sendable {
        case text(String)
        case close
    }

    /// Shared with the queue's writer: reports each transmit problem to the session once, notes when the close came due.
    private final class LegSignals: Sendable {
        let stallReported = Atomic(false)
        let deathReported = Atomic(false)
        let closeReached = Atomic(false)
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
    private let closeRequests: AsyncStream<Void>
    private let closeRequested: AsyncStream<Void>.Continuation
    private let signals: LegSignals

    /// - Parameters:
    ///   - channel: The upgraded media-stream connection (its pipeline ends in NIO's WebSocket codec).
    ///   - queueLimit: Most frames between two drains of the socket's loop.
    init(encoder: Encoder, channel: any Channel, queueLimit: Int = 4_096, onTransmitProblem: @escaping @Sendable (CallEvent) -> Void) {
        self.encoder = encoder
        self.channel = channel
        let signals = LegSignals(report: onTransmitProblem)
        self.signals = signals
        let (closeRequests, closeRequested) = AsyncStream.makeStream(of: Void.self)
        self.closeRequests = closeRequests
        self.closeRequested = closeRequested
        queue = EventLoopWriteQueue(limit: queueLimit) { outgoing, channel in
            switch outgoing {
            case .text(let text):
                guard channel.isActive else { return signals.dead() }
                var buffer = channel.allocator.buffer(capacity: text.utf8.count)
                buffer.writeString(text)
                channel.write(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil)
            case .close:
                closeRequested.yield()
                closeRequested.finish()
                signals.closeReached.store(true, ordering: .relaxed)
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

    /// Whether the loop reached `close()` in the queue (every frame before it is written).
    var closeWasRequested: Bool { signals.closeReached.load(ordering: .relaxed) }

    /// Ends the queue when the socket is gone.
    func finish() {
        queue.finish()
        closeRequested.finish()
    }

    /// Waits for `close()` — after every frame queued before it is on the socket — and sends the
    /// WebSocket close (1000) through the handler that owns the close handshake. Returns at once when the
    /// stream ends without a close. A carrier that does not answer the close within `closeTimeout` has
    /// its socket closed (this task is cancelled first when the stream ends in time).
    func runCloser(outbound: WebSocketOutboundWriter, closeTimeout: Duration) async {
        for await _ in closeRequests {
            try? await outbound.close(.normalClosure, reason: nil)
            do {
                try await Task.sleep(for: closeTimeout)
            } catch {
                return
            }
            try? await channel.close()
            return
        }
    }
}
