import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import OpenAIRealtime

/// Dials a load phone's media stream on SwiftNIO directly: TCP to the server, the HTTP/1.1 WebSocket
/// upgrade with the carrier's headers (`X-Twilio-Signature`, `x-telnyx-streaming-auth-token`), then NIO's
/// WebSocket codec, fragment reassembly and the phone's ``BenchPhoneHandler``.
enum BenchMediaSocket {
    /// Runs the stream to its end. `hangups` carries the carrier's REST hangup from the bench's fake.
    static func run<Dialect: BenchMediaDialect>(
        url: String, headers: [(String, String)], index: Int, dialect: Dialect, plan: BenchCallerPlan, context: BenchPhoneContext,
        hangups: AsyncStream<BenchPhoneInput>
    ) async throws -> BenchPhoneHandler<Dialect>.Result {
        guard let endpoint = try? RealtimeEndpoint(parsing: url), !endpoint.usesTLS else {
            throw BenchError("media stream URL \(url): expected ws://host:port/path on loopback")
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let finished = loop.makePromise(of: BenchPhoneHandler<Dialect>.Result.self)
        let requestHeaders = HTTPHeaders([("Host", endpoint.hostHeader)] + headers)

        let upgrade: EventLoopFuture<NIOLoopBound<BenchPhoneHandler<Dialect>>?>
        let upgraded: NIOLoopBound<BenchPhoneHandler<Dialect>>?
        do {
            upgrade = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<NIOLoopBound<BenchPhoneHandler<Dialect>>?>(
                        maxFrameSize: 1 << 20, enableAutomaticErrorHandling: true
                    ) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            let operations = channel.pipeline.syncOperations
                            try operations.addHandler(
                                NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1_024, maxAccumulatedFrameSize: 1 << 20))
                            let handler = BenchPhoneHandler(index: index, dialect: dialect, plan: plan, context: context, finished: finished)
                            try operations.addHandler(handler)
                            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
                        }
                    }
                    let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: endpoint.target, headers: requestHeaders)
                    var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
                        upgradeConfiguration: NIOTypedHTTPClientUpgradeConfiguration<NIOLoopBound<BenchPhoneHandler<Dialect>>?>(
                            upgradeRequestHead: request, upgraders: [upgrader],
                            notUpgradingCompletionHandler: { channel in
                                channel.close(promise: nil)
                                return channel.eventLoop.makeSucceededFuture(nil)
                            }))
                    configuration.leftOverBytesStrategy = .forwardBytes
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
                }
            }
            upgraded = try await upgrade.get()
        } catch {
            finished.fail(error)  // no handler was added to complete it
            throw error
        }
        guard let handler = upgraded else {
            let refused = BenchError("media stream \(url): the server refused the WebSocket upgrade")
            finished.fail(refused)
            throw refused
        }
        loop.execute { handler.value.begin() }
        return await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in hangups {  // `.hangup`, the only input
                        loop.execute { handler.value.carrierHungUp() }
                        return
                    }
                }
                let result = (try? await finished.futureResult.get()) ?? .init()
                group.cancelAll()
                return result
            }
        } onCancel: {
            loop.execute { handler.value.abandon() }
        }
    }
}
