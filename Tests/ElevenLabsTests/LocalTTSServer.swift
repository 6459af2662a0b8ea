import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A scripted HTTP/1.1 server on 127.0.0.1 (ephemeral port) standing in for the ElevenLabs streaming endpoint.
/// Records requests and reports every connection close, so tests can prove a cancel closed the request.
final class LocalTTSServer: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: [UInt8]
    }

    enum Reply: Sendable {
        /// JSON error (or any body) with Content-Length.
        case respond(status: Int, body: String)
        /// 200 with chunked audio; `hold` keeps the response open after the chunks (never ends it),
        /// `drop` closes the connection after the chunks without ending the body.
        case stream(chunks: [[UInt8]], headers: [(String, String)] = [], hold: Bool = false, drop: Bool = false)
        /// Never answer.
        case silence
    }

    private struct State {
        var replies: [Reply]
        var requests: [Request] = []
        var closes = 0
        var nextWaiterID = 0
        var closeWaiters: [Int: (Int, CheckedContinuation<Void, Never>)] = [:]
    }

    private let state: Mutex<State>
    private let channelBox = Mutex<(any Channel)?>(nil)

    var port: Int { channelBox.withLock { $0?.localAddress?.port } ?? 0 }
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { state.withLock { $0.requests } }
    var connectionCloses: Int { state.withLock { $0.closes } }

    private init(replies: [Reply]) { state = Mutex(State(replies: replies)) }

    static func start(replies: [Reply]) async throws -> LocalTTSServer {
        let server = LocalTTSServer(replies: replies)
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
        server.channelBox.withLock { $0 = channel }
        return server
    }

    func shutdown() async throws {
        let channel = channelBox.withLock { $0 }
        try await channel?.close()
    }

    /// Returns once at least `count` connections have closed, or when the task is cancelled.
    func waitForCloses(_ count: Int) async {
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.closes >= count || Task.isCancelled { return true }
                    state.closeWaiters[id] = (count, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.closeWaiters.removeValue(forKey: id) }?.1.resume()
        }
    }

    fileprivate func record(_ request: Request) -> Reply {
        state.withLock { state in
            state.requests.append(request)
            return state.replies.isEmpty ? .respond(status: 500, body: "no scripted reply") : state.replies.removeFirst()
        }
    }

    fileprivate func connectionClosed() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closes += 1
            let due = state.closeWaiters.filter { $0.value.0 <= state.closes }
            for key in due.keys { state.closeWaiters.removeValue(forKey: key) }
            return due.values.map(\.1)
        }
        for waiter in waiters { waiter.resume() }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: LocalTTSServer
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(server: LocalTTSServer) { self.server = server }

        func channelInactive(context: ChannelHandlerContext) {
            server.connectionClosed()
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                body += Array(buffer.readableBytesView)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let reply = server.record(Request(method: head.method.rawValue, uri: head.uri, headers: headers, body: body))
                switch reply {
                case .silence:
                    return
                case .respond(let status, let text):
                    var responseHeaders = HTTPHeaders()
                    responseHeaders.add(name: "Content-Type", value: "application/json")
                    responseHeaders.add(name: "Content-Length", value: String(text.utf8.count))
                    context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders))), promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                case .stream(let chunks, let extra, let hold, let drop):
                    var responseHeaders = HTTPHeaders()
                    responseHeaders.add(name: "Content-Type", value: "audio/basic")
                    responseHeaders.add(name: "Transfer-Encoding", value: "chunked")
                    for (name, value) in extra { responseHeaders.add(name: name, value: value) }
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: responseHeaders))), promise: nil)
                    for chunk in chunks {
                        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: chunk)))), promise: nil)
                    }
                    if drop {
                        context.close(promise: nil)
                    } else if !hold {
                        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                    }
                }
            }
        }
    }
}
