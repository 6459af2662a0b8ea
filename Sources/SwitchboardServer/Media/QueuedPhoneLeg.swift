import CallCore
import CallRuntime
import HummingbirdWebSocket
import Synchronization

/// Turns the session's phone commands into one carrier's media-stream text frames.
protocol MediaFrameEncoder: Sendable {
    func frame(for command: PhoneCommand) -> String
}

/// A carrier media stream's outbound side: commands are queued without blocking the call's loop and a
/// writer task (in the WebSocket handler) drains them to the socket. A queue that keeps growing means
/// the socket is not draining: the session hears `transmitStalled`; a failed write means it is gone:
/// `transmitDead`.
final class QueuedPhoneLeg<Encoder: MediaFrameEncoder>: PhoneLeg {
    enum Output: Sendable {
        case text(String)
        case close
    }

    let encoder: Encoder
    private let outputs: AsyncStream<Output>
    private let continuation: AsyncStream<Output>.Continuation
    private let queued = Atomic<Int>(0)
    private let stallReported = Atomic<Bool>(false)
    private let stallLimit: Int
    private let onTransmitProblem: @Sendable (CallEvent) -> Void

    init(encoder: Encoder, stallLimit: Int = 2_000, onTransmitProblem: @escaping @Sendable (CallEvent) -> Void) {
        self.encoder = encoder
        self.stallLimit = stallLimit
        self.onTransmitProblem = onTransmitProblem
        (outputs, continuation) = AsyncStream.makeStream(of: Output.self)
    }

    func send(_ command: PhoneCommand) {
        let text = encoder.frame(for: command)
        let depth = queued.wrappingAdd(1, ordering: .relaxed).newValue
        if depth > stallLimit, !stallReported.exchange(true, ordering: .relaxed) {
            onTransmitProblem(.transmitStalled)
        }
        continuation.yield(.text(text))
    }

    func close() {
        continuation.yield(.close)
        continuation.finish()
    }

    /// Ends the queue when the socket is gone.
    func finish() {
        continuation.finish()
    }

    /// Drains the queue to the socket until it is closed or finished; a refused write is `transmitDead`.
    func drain(to outbound: WebSocketOutboundWriter) async {
        for await output in outputs {
            switch output {
            case .text(let text):
                do {
                    try await outbound.write(.text(text))
                    queued.wrappingSubtract(1, ordering: .relaxed)
                } catch {
                    if !Task.isCancelled { onTransmitProblem(.transmitDead) }
                    continuation.finish()
                    return
                }
            case .close:
                try? await outbound.close(.normalClosure, reason: nil)
                return
            }
        }
    }
}
