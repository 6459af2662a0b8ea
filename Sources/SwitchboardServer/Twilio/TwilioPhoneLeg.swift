import CallCore
import CallRuntime
import Synchronization
import Twilio

/// The Twilio media stream's outbound side: commands are queued without blocking the call's loop and a
/// writer task (in the WebSocket handler) drains them to the socket as `media` / `mark` / `clear` JSON.
/// A queue that keeps growing means the socket is not draining: the session hears `transmitStalled`; a
/// failed write means it is gone: `transmitDead`.
final class TwilioPhoneLeg: PhoneLeg {
    enum Output: Sendable {
        case text(String)
        case close
    }

    let streamSid: String
    let outputs: AsyncStream<Output>
    private let continuation: AsyncStream<Output>.Continuation
    private let queued = Atomic<Int>(0)
    private let stallReported = Atomic<Bool>(false)
    private let stallLimit: Int
    private let onTransmitProblem: @Sendable (CallEvent) -> Void

    init(streamSid: String, stallLimit: Int = 2_000, onTransmitProblem: @escaping @Sendable (CallEvent) -> Void) {
        self.streamSid = streamSid
        self.stallLimit = stallLimit
        self.onTransmitProblem = onTransmitProblem
        (outputs, continuation) = AsyncStream.makeStream(of: Output.self)
    }

    func send(_ command: PhoneCommand) {
        let text: String
        switch command {
        case .audio(let audio): text = TwilioOutboundMessage.mediaJSON(streamSid: streamSid, payload: audio.base64)
        case .mark(let name): text = TwilioOutboundMessage.markJSON(streamSid: streamSid, name: name)
        case .clear: text = TwilioOutboundMessage.clearJSON(streamSid: streamSid)
        }
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

    /// Called by the writer after each message left the queue.
    func written() {
        queued.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Called by the writer when the socket refused a write.
    func failed() {
        onTransmitProblem(.transmitDead)
        continuation.finish()
    }

    /// Ends the queue when the socket is gone.
    func finish() {
        continuation.finish()
    }
}
