import Logging
import ProviderFakes
import SwitchboardServer

extension ServerConfiguration {
    /// A server for one end-to-end test: a free port on 127.0.0.1 (also its public URL), SQLite at
    /// `databasePath`, a one-second drain. Carrier and agent settings are the test's.
    static func endToEnd(databasePath: String) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        let port = try LoopbackPort.free()
        configuration.host = "127.0.0.1"
        configuration.port = port
        configuration.publicURL = "http://127.0.0.1:\(port)"
        configuration.databaseURL = "sqlite:\(databasePath)"
        configuration.drainSeconds = 1
        return configuration
    }
}

/// Runs the server with `configuration` until `body` (given the server's URL) returns.
func withRunningServer<T: Sendable>(
    _ configuration: ServerConfiguration, logger: Logger, _ body: @escaping @Sendable (String) async throws -> T
) async throws -> T {
    let (serverPorts, serverContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    return try await withThrowingTaskGroup(of: T?.self) { inner in
        inner.addTask {
            defer { serverContinuation.finish() }
            try await SwitchboardApplication.run(configuration: configuration, logger: logger) { bound in
                serverContinuation.yield(bound)
            }
            return nil
        }
        var ports = serverPorts.makeAsyncIterator()
        guard let bound = await ports.next() else {
            inner.cancelAll()
            try await inner.waitForAll()
            throw E2EError("server did not start")
        }
        let result = try await body("http://127.0.0.1:\(bound)")
        inner.cancelAll()
        return result
    }
}
