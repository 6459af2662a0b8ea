import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny scripted HTTP/1.1 server on 127.0.0.1 (ephemeral port) for REST client tests.
/// Each request gets the next scripted reply; requests are recorded in arrival order.
final class TelnyxLocalHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: String
    }

    enum Reply: Sendable {
        case respond(status: Int, body: String)
        /// Never answer (the client's deadline must fire).
        case silence
    }

    private struct State {
        var replies: [Reply]
        var requests: [Request] = []
    }

    private let state: Mutex<State>
    private let lock = Mutex<(any Channel)?>(nil)

    var port: Int {
        lock.withLock { $0?.localAddress?.port } ?? 0
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] { state.withLock { $0.requests } }

    private init(replies: [Reply]) {
        self.state = Mutex(State(replies: replies))
    }

    static func start(replies: [Reply]) async throws -> TelnyxLocalHTTPServer {
        let server = TelnyxLocalHTTPServer(replies: replies)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        server.lock.withLock { $0 = channel }
        return server
    }

    func shutdown() async throws {
        let channel = lock.withLock { $0 }
        try await channel?.close()
    }

    fileprivate func record(_ request: Request) -> Reply {
        state.withLock { state in
            state.requests.append(request)
            return state.replies.isEmpty ? .respond(status: 500, body: "no scripted reply") : state.replies.removeFirst()
        }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: TelnyxLocalHTTPServer
        var head: HTTPRequestHead?
        var body = ""

        init(server: TelnyxLocalHTTPServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = ""
            case .body(let buffer):
                body += String(buffer: buffer)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let reply = server.record(Request(method: head.method.rawValue, uri: head.uri, headers: headers, body: body))
                guard case .respond(let status, let text) = reply else { return }
                var responseHeaders = HTTPHeaders()
                responseHeaders.add(name: "Content-Type", value: "application/json")
                responseHeaders.add(name: "Content-Length", value: String(text.utf8.count))
                let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
