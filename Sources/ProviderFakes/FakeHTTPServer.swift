import Hummingbird
import Logging
import NIOCore

/// The loopback HTTP server under the fakes of plain-HTTP APIs (Chat Completions, ElevenLabs, the
/// bench's carrier REST fakes): one POST route on 127.0.0.1, until cancelled.
public enum FakeHTTPServer {
    /// Serves `path` on 127.0.0.1:`port` (0: any) until cancelled; `onRunning` gets the bound port.
    public static func run(
        post path: RouterPath, port: Int, backlog: Int = 256, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void,
        handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response
    ) async throws {
        let router = Router()
        router.post(path) { request, context in try await handler(request, context) }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil, backlog: backlog),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [])
    }

    /// Runs `server` (a `run(port:onRunning:)`) in a child task, calls `body` with the port it bound, then
    /// stops it. Throws `FakeServerStartError(name:)` if the server ends without reporting a port.
    public static func withRunning<T: Sendable>(
        _ name: String, server: @escaping @Sendable (_ onRunning: @escaping @Sendable (Int) async -> Void) async throws -> Void,
        _ body: (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await server { continuation.yield($0) }
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw FakeServerStartError(name: name) }
            return try await body(port)
        }
    }

    /// A JSON response.
    public static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A fake server did not report its port.
public struct FakeServerStartError: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "\(name) server did not start" }
}
