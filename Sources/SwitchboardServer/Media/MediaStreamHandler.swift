import NIOCore
import NIOWebSocket

/// A carrier's media-stream protocol, run on the socket's event loop: every whole text frame in order,
/// then the end. Loop-confined; it talks to the call only through `CallSession.deliver`.
protocol MediaStreamReader: AnyObject, SendableMetatype {
    /// Handles one text frame; returns false when the stream must end now (`stop`, a refused `start`).
    func receive(_ text: String) -> Bool
    /// A binary frame arrived (carriers send JSON text only): log it with the call id; it is dropped.
    func rejectBinaryFrame()
    /// The socket failed (a broken or oversized frame, a reset): log it with the call id; the stream ends.
    func streamReadFailed(_ error: any Error)
    /// The stream is over (after its last frame, or the socket went away): tell the call, end the leg.
    /// Called exactly once.
    func streamEnded()
}

/// Sent down an upgraded media stream's pipeline (`channel.triggerUserOutboundEvent`) to close it: the
/// close frame goes after every frame written before the event. ``DirectPhoneLeg`` sends it when the call
/// closes its leg.
struct MediaStreamCloseRequest: Sendable {}

/// The whole WebSocket side of an upgraded carrier media stream, on the socket's event loop, after NIO's
/// frame decoder and fragment aggregator: each text frame goes to the carrier's ``MediaStreamReader``
/// as it is read — read → decode → call machine → agent socket in one pass, no task woken — pings are
/// answered, and the close handshake is run here (RFC 6455 §5.5.1, §7).
///
/// Closing: the carrier's close ends the stream first, then is answered (1000) and the socket closed, so
/// no frame of the call's follows the close reply on the wire. Our close (``MediaStreamCloseRequest``, or
/// the reader ending the stream) sends 1000 and gives the carrier `closeTimeout` to answer before the
/// socket is closed; data frames written after it are dropped. A protocol error (reserved bits, an
/// unknown opcode, a broken fragment sequence) closes with 1002, an oversized message with 1009.
final class MediaStreamHandler<Reader: MediaStreamReader>: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Where the close handshake stands.
    private enum CloseState {
        case open
        /// Our close frame is written; the carrier has until the timer to answer.
        case closeSent(Scheduled<Void>)
        /// Both closes are exchanged, or the socket is closing.
        case closed
    }

    private let reader: Reader
    private let closeTimeout: TimeAmount
    private var closeState = CloseState.open
    private var streamEnded = false

    init(reader: Reader, closeTimeout: TimeAmount = .seconds(5)) {
        self.reader = reader
        self.closeTimeout = closeTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.reservedBits.isEmpty else {
            return failConnection(context: context, code: .protocolError)  // no extension is negotiated
        }
        switch frame.opcode {
        case .text:
            guard !streamEnded else { return }
            if !reader.receive(String(buffer: frame.unmaskedData)) {
                endStream()
                startClose(context: context)
            }
        case .binary:
            if !streamEnded { reader.rejectBinaryFrame() }
        case .ping:
            guard case .open = closeState else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            carrierClosed(context: context)
        default:
            failConnection(context: context, code: .protocolError)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .open = closeState else {
            promise?.fail(ChannelError.outputClosed)  // nothing follows our close frame
            return
        }
        context.write(data, promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is MediaStreamCloseRequest else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        startClose(context: context)
        promise?.succeed(())
    }

    func channelInactive(context: ChannelHandlerContext) {
        endStream()
        if case .closeSent(let timer) = closeState { timer.cancel() }
        closeState = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !streamEnded { reader.streamReadFailed(error) }
        switch error {
        case is NIOWebSocketError:
            // NIO's protocol error handler, before this one, has written the close (1002 / 1009) and closes.
            endStream()
            closeState = .closed
        case let error as NIOWebSocketFrameAggregator.Error:
            failConnection(context: context, code: error == .accumulatedFrameSizeIsTooLarge ? .messageTooLarge : .protocolError)
        default:
            endStream()
            closeState = .closed
            context.close(promise: nil)
        }
    }

    /// Ends the stream once (the reader's `streamEnded`); later frames are dropped.
    private func endStream() {
        guard !streamEnded else { return }
        streamEnded = true
        reader.streamEnded()
    }

    /// The carrier's close: the stream ends, then our answer (if we had not closed first) and the socket.
    private func carrierClosed(context: ChannelHandlerContext) {
        endStream()
        switch closeState {
        case .open:
            closeState = .closed
            let context = context.loopBound
            context.value.writeAndFlush(wrapOutboundOut(Self.closeFrame(.normalClosure, context: context.value))).whenComplete { _ in
                context.value.close(promise: nil)
            }
        case .closeSent(let timer):
            timer.cancel()
            closeState = .closed
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    /// Our close (1000): the carrier answers with its own, or the socket is closed after `closeTimeout`.
    private func startClose(context: ChannelHandlerContext) {
        guard case .open = closeState else { return }
        context.writeAndFlush(wrapOutboundOut(Self.closeFrame(.normalClosure, context: context)), promise: nil)
        let loopContext = context.loopBound
        closeState = .closeSent(context.eventLoop.scheduleTask(in: closeTimeout) {
            loopContext.value.close(promise: nil)
        })
    }

    /// A protocol violation: close with `code` at once, without waiting for an answer (RFC 6455 §7.1.7).
    private func failConnection(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        endStream()
        let state = closeState
        closeState = .closed
        switch state {
        case .closed:
            return
        case .closeSent(let timer):
            timer.cancel()
            return context.close(promise: nil)  // our close is already on the wire
        case .open:
            break
        }
        let loopContext = context.loopBound
        context.writeAndFlush(wrapOutboundOut(Self.closeFrame(code, context: context))).whenComplete { _ in
            loopContext.value.close(promise: nil)
        }
    }

    private static func closeFrame(_ code: WebSocketErrorCode, context: ChannelHandlerContext) -> WebSocketFrame {
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }
}
