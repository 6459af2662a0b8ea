import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// What the loopback server saw, shared with the test.
final class ServerRecord: Sendable {
    private let state = Mutex<(authorization: [String], beta: [String], messages: [String], unmaskedFrames: Int, pongs: [String], closeCodes: [Int])>(([], [], [], 0, [], []))

    func recordHandshake(_ headers: HTTPHeaders) {
        state.withLock {
            $0.authorization.append(contentsOf: headers["Authorization"])
            $0.beta.append(contentsOf: headers["OpenAI-Beta"])
        }
    }
    func recordMessage(_ text: String) { state.withLock { $0.messages.append(text) } }
    func recordUnmaskedFrame() { state.withLock { $0.unmaskedFrames += 1 } }
    func recordPong(_ text: String) { state.withLock { $0.pongs.append(text) } }
    func recordClose(_ code: Int) { state.withLock { $0.closeCodes.append(code) } }
    /// Close codes of the close frames the client sent.
    var closeCodes: [Int] { state.withLock { $0.closeCodes } }
    /// Client frames that arrived without a masking key (RFC 6455 §5.3: a client must mask every frame).
    var unmaskedFrames: Int { state.withLock { $0.unmaskedFrames } }
    var pongs: [String] { state.withLock { $0.pongs } }
    var authorization: [String] { state.withLock { $0.authorization } }
    var betaHeaders: [String] { state.withLock { $0.beta } }
    var messages: [String] { state.withLock { $0.messages } }
}

/// Script of the minimal Realtime peer.
enum FakeServerMode: Sendable {
    /// session.created; session.update → session.updated; then the server closes with 1000.
    case handshakeThenClose
    /// session.created; session.update → session.updated; then waits for the client to close.
    case handshakeThenWait
    /// The retired-beta answer: `error` beta_api_shape_disabled, then close 4000.
    case betaRetired
    /// A ping, then session.created split over three frames (text + continuations); waits for the client.
    case pingThenFragmentedGreeting
}

/// A tiny NIO WebSocket server on 127.0.0.1, port 0, that requires `Authorization: Bearer <key>`.
struct FakeRealtimeWebSocketServer {
    let channel: any Channel
    let record: ServerRecord
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(mode: FakeServerMode, expectedKey: String) async throws -> FakeRealtimeWebSocketServer {
        let record = ServerRecord()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 20,
                    shouldUpgrade: { channel, head in
                        record.recordHandshake(head.headers)
                        let authorized = head.headers["Authorization"] == ["Bearer \(expectedKey)"]
                        return channel.eventLoop.makeSucceededFuture(authorized ? HTTPHeaders() : nil)
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            channel.pipeline.syncOperations.removeHandler(name: "reject", promise: nil)
                            try channel.pipeline.syncOperations.addHandler(FakeRealtimeHandler(mode: mode, record: record))
                        }
                    }
                )
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                    try channel.pipeline.syncOperations.addHandler(RejectHandler(), name: "reject")
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        return FakeRealtimeWebSocketServer(channel: channel, record: record)
    }

    func stop() async {
        try? await channel.close()
    }
}

private final class FakeRealtimeHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let mode: FakeServerMode
    let record: ServerRecord
    var sentClose = false

    init(mode: FakeServerMode, record: ServerRecord) {
        self.mode = mode
        self.record = record
    }

    func handlerAdded(context: ChannelHandlerContext) {
        switch mode {
        case .betaRetired:
            sendText(
                #"{"type":"error","event_id":"event_1","error":{"type":"invalid_request_error","code":"beta_api_shape_disabled","message":"The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.","param":null}}"#,
                context: context
            )
            sendClose(code: .unknown(4000), reason: "beta retired", context: context)
        case .pingThenFragmentedGreeting:
            context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(string: "are-you-there"))), promise: nil)
            let greeting = Self.sessionCreated
            let third = greeting.count / 3
            let parts = [greeting.prefix(third), greeting.dropFirst(third).prefix(third), greeting.dropFirst(2 * third)]
            for (index, part) in parts.enumerated() {
                let frame = WebSocketFrame(
                    fin: index == parts.count - 1, opcode: index == 0 ? .text : .continuation,
                    data: context.channel.allocator.buffer(string: String(part)))
                context.write(wrapOutboundOut(frame), promise: nil)
            }
            context.flush()
        case .handshakeThenClose, .handshakeThenWait:
            sendText(
                #"{"type":"session.created","event_id":"event_0","session":{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","output_modalities":["audio"],"audio":{"input":{"format":{"type":"audio/pcm","rate":24000}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"alloy"}},"tools":[]}}"#,
                context: context
            )
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.maskKey == nil { record.recordUnmaskedFrame() }
        switch frame.opcode {
        case .pong:
            var payload = frame.unmaskedData
            record.recordPong(payload.readString(length: payload.readableBytes) ?? "")
        case .text:
            var payload = frame.unmaskedData
            let text = payload.readString(length: payload.readableBytes) ?? ""
            record.recordMessage(text)
            if text.contains(#""type":"session.update""#) {
                sendText(
                    #"{"type":"session.updated","event_id":"event_2","session":{"type":"realtime","id":"sess_1","model":"gpt-realtime","audio":{"input":{"format":{"type":"audio/pcmu"}},"output":{"format":{"type":"audio/pcmu"},"voice":"alloy"}},"tools":[{"type":"function","name":"end_call"},{"type":"function","name":"transfer_call"}]}}"#,
                    context: context
                )
                if case .handshakeThenClose = mode {
                    sendClose(code: .normalClosure, reason: "done", context: context)
                }
            }
        case .connectionClose:
            var closeData = frame.unmaskedData
            record.recordClose(closeData.readWebSocketErrorCode().map { Int(UInt16(webSocketErrorCode: $0)) } ?? 1005)
            if !sentClose {
                // Echo the client's close, then end the TCP connection (the server closes first).
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode() ?? .normalClosure
                sendClose(code: code, reason: nil, context: context)
            }
            context.close(promise: nil)
        default:
            break
        }
    }

    static let sessionCreated =
        #"{"type":"session.created","event_id":"event_0","session":{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","output_modalities":["audio"],"audio":{"input":{"format":{"type":"audio/pcm","rate":24000}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"alloy"}},"tools":[]}}"#

    private func sendText(_ text: String, context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    private func sendClose(code: WebSocketErrorCode, reason: String?, context: ChannelHandlerContext) {
        sentClose = true
        var buffer = context.channel.allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        buffer.write(webSocketErrorCode: code)
        if let reason { buffer.writeString(reason) }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer)), promise: nil)
    }
}

/// Accepts TCP connections and never answers: a peer that hangs at the HTTP upgrade.
struct SilentTCPServer {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start() async throws -> SilentTCPServer {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
        return SilentTCPServer(channel: try await bootstrap.bind(host: "127.0.0.1", port: 0).get())
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Answers a refused upgrade (bad key) with 401, as the real service answers an HTTP error.
private final class RejectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "0")
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: .unauthorized, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [context] _ in
            context.close(promise: nil)
        }
    }
}
