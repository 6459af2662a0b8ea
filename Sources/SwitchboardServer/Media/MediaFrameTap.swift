import NIOCore
import NIOWebSocket

/// A carrier's media-stream protocol, run on the socket's event loop: every whole text frame in order,
/// then the end. Loop-confined; it talks to the call only through `CallSession.deliver`.
protocol MediaStreamReader: AnyObject, SendableMetatype {
    /// Handles one text frame; returns false when the stream must end now (`stop`, a refused `start`).
    func receive(_ text: String) -> Bool
    /// A binary frame arrived (carriers send JSON text only): log it with the call id; it is dropped.
    func rejectBinaryFrame()
    /// Reading the socket failed (an oversized or broken frame): log it with the call id; the stream ends.
    func streamReadFailed(_ error: any Error)
    /// The stream is over (after its last frame, or the socket went away): tell the call, end the leg.
    /// Called exactly once.
    func streamEnded()
}

/// Sits in an upgraded media stream's pipeline right after the WebSocket frame decoder (and NIO's
/// fragment aggregator) and hands each text frame to the carrier's ``MediaStreamReader`` on the event
/// loop — so a caller frame goes read → decode → call machine → agent socket in one pass, with no task
/// woken. Ping, pong and close still go on to the WebSocket handler, which owns the close handshake; a
/// close from the carrier ends the stream first.
///
/// Hand-over without a race: frames read before the tap was added already sit in the WebSocket handler's
/// buffer. On being added the tap sends a *live* marker after them and holds new text frames; the
/// handler's task passes the buffered ones back (`receiveEarly`) until it reaches the marker, then calls
/// `goLive()`. When the reader ends the stream the tap sends an *end* marker, on which the task returns.
final class MediaFrameTap<Reader: MediaStreamReader>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    /// Payloads of the two markers (binary frames, which carriers never send and the tap drops).
    static var liveMarker: [UInt8] { Array("switchboard.media-tap.live".utf8) }
    static var endMarker: [UInt8] { Array("switchboard.media-tap.end".utf8) }

    /// A frame held until the hand-over is complete: text for the reader, or a binary frame to reject.
    private enum HeldFrame {
        case text(String)
        case binary
    }

    private let reader: Reader
    /// Frames that arrived before `goLive()`, in order (a binary frame is rejected in its place, after
    /// the `start` before it has named the call); nil once live.
    private var held: [HeldFrame]? = []
    private var ended = false
    /// The carrier closed (or the socket went away) before the hand-over finished: the stream ends once
    /// the frames before the close are applied.
    private var endPending = false
    private var context: ChannelHandlerContext?

    init(reader: Reader) {
        self.reader = reader
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        fireMarker(Self.liveMarker, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.reservedBits.isEmpty else {
            return context.fireChannelRead(data)  // no extension is negotiated: the handler fails it (1002)
        }
        switch frame.opcode {
        case .text:
            let text = String(buffer: frame.unmaskedData)
            if held != nil {
                held?.append(.text(text))
            } else {
                apply(text)
            }
        case .binary:
            if held != nil {
                held?.append(.binary)
            } else {
                rejectBinary()
            }
        case .connectionClose:
            // The carrier closed: the stream ends here, before the handler's task replies, so no frame of
            // the call's can follow the close reply on the wire (RFC 6455 §5.5.1).
            end()
            context.fireChannelRead(data)
        default:
            context.fireChannelRead(data)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end()
        context.fireChannelInactive()
    }

    /// A text frame that was read before the tap was added (passed back by the handler's task, in order).
    func receiveEarly(_ text: String) {
        apply(text)
    }

    /// A binary frame that was read before the tap was added (rejected by the reader, with the call id).
    func rejectEarlyBinaryFrame() {
        rejectBinary()
    }

    /// The handler's task could not read the socket; the reader logs it with the call id.
    func readFailed(_ error: any Error) {
        reader.streamReadFailed(error)
    }

    /// Every early frame is applied: apply the held ones and every later one as it arrives.
    func goLive() {
        guard let pending = held else { return }
        held = nil
        for frame in pending {
            switch frame {
            case .text(let text): apply(text)
            case .binary: rejectBinary()
            }
        }
        if endPending { end() }
    }

    /// Ends the stream once (the reader's `streamEnded`); later frames are dropped. Before the hand-over
    /// is complete the end waits for it (`goLive()`), unless `now` (the handler's task is done with the
    /// stream, so nothing earlier can still come).
    func end(now: Bool = false) {
        guard !ended else { return }
        guard now || held == nil else {
            endPending = true
            return
        }
        ended = true
        held = nil
        reader.streamEnded()
    }

    private func apply(_ text: String) {
        guard !ended else { return }
        if !reader.receive(text) {
            end(now: true)
            if let context { fireMarker(Self.endMarker, context: context) }
        }
    }

    private func rejectBinary() {
        if !ended { reader.rejectBinaryFrame() }
    }

    private func fireMarker(_ payload: [UInt8], context: ChannelHandlerContext) {
        let frame = WebSocketFrame(fin: true, opcode: .binary, data: context.channel.allocator.buffer(bytes: payload))
        context.fireChannelRead(wrapInboundOut(frame))
        context.fireChannelReadComplete()
    }
}
