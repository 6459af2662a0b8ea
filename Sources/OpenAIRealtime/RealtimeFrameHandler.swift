import Logging
import NIOCore
import NIOWebSocket

/// The last handler of an upgraded Realtime socket, on the channel's event loop: decodes every text
/// frame and hands it to `onInbound` right there (no reader task, no stream in between), answers pings,
/// and completes the connection's end when the socket closes, with the server's close code.
final class RealtimeFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let writer: RealtimeSocketWriter
    private let onInbound: @Sendable (RealtimeInbound) -> Void
    private let ended: EventLoopPromise<RealtimeConnectionEnd>
    private let logger: Logger
    private var serverClose: RealtimeConnectionEnd?

    init(writer: RealtimeSocketWriter, onInbound: @escaping @Sendable (RealtimeInbound) -> Void, ended: EventLoopPromise<RealtimeConnectionEnd>, logger: Logger) {
        self.writer = writer
        self.onInbound = onInbound
        self.ended = ended
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let text = String(buffer: frame.unmaskedData)
            onInbound(Result { () throws(RealtimeDecodingError) in try RealtimeServerEvent.decode(text) })
        case .binary:
            onInbound(.failure(.binaryFrame(byteCount: frame.length)))
        case .ping:
            writer.writeControl(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData), on: context.channel)
        case .connectionClose:
            var payload = frame.unmaskedData
            let code = payload.readWebSocketErrorCode()
            let reason = payload.readableBytes > 0 ? payload.readString(length: payload.readableBytes) : nil
            serverClose = RealtimeConnectionEnd(closeCode: code.map { Int(UInt16(webSocketErrorCode: $0)) } ?? 1005, reason: reason)
            // Echo the close (unless ours already went out), then end the connection.
            var echo = context.channel.allocator.buffer(capacity: 2)
            echo.write(webSocketErrorCode: code ?? .normalClosure)
            writer.writeControl(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo), on: context.channel, isCloseReply: true)
            context.close(promise: nil)
        case .pong, .continuation:
            break
        default:
            logger.debug("Realtime socket: reserved opcode \(frame.opcode) ignored")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        writer.finished()
        ended.succeed(serverClose ?? RealtimeConnectionEnd(closeCode: nil, reason: nil))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("Realtime socket error: \(error)")
        // NIO's protocol-error handler already sends the close for codec errors and then closes.
        if error is NIOWebSocketError { return }
        if let aggregation = error as? NIOWebSocketFrameAggregator.Error {
            var payload = context.channel.allocator.buffer(capacity: 2)
            payload.write(webSocketErrorCode: aggregation == .accumulatedFrameSizeIsTooLarge ? .messageTooLarge : .protocolError)
            writer.writeControl(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: payload), on: context.channel, isCloseReply: true)
        }
        context.close(promise: nil)
    }
}
