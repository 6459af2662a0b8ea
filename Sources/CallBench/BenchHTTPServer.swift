import Hummingbird
import Logging
import NIOCore

/// The loopback HTTP server under the bench's carrier REST fakes: one POST route, JSON answers.
enum BenchHTTPServer {
    /// Serves `path` on 127.0.0.1:`port` (0: any) until cancelled; `onRunning` gets the bound port.
    static func run(
        post path: RouterPath, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void,
        handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response
    ) async throws {
        let router = Router()
        router.post(path) { request, context in try await handler(request, context) }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil, backlog: 1024),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [])
    }

    /// A JSON response.
    static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
