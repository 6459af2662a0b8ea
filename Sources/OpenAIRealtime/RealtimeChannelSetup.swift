import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket

/// How the upgrade of a Realtime socket ended.
enum RealtimeUpgradeOutcome: Sendable {
    /// `101 Switching Protocols`: the channel now speaks WebSocket, ``RealtimeFrameHandler`` last.
    case upgraded(any Channel)
    /// Any other answer (401 for a bad key), or none within the handshake timeout.
    case notUpgraded(any Channel, timedOut: Bool)
}

/// The pipeline of one Realtime socket: TLS for `wss`, the HTTP/1.1 upgrade request (with the
/// `Authorization` header; no `OpenAI-Beta`), then NIO's WebSocket codec, fragment reassembly up to
/// `maxMessageSize`, and ``RealtimeFrameHandler``.
struct RealtimeChannelSetup: Sendable {
    let endpoint: RealtimeEndpoint
    let headers: HTTPHeaders
    let tls: NIOSSLContext?
    let configuration: RealtimeConnectionConfiguration
    let writer: RealtimeSocketWriter
    let onInbound: @Sendable (RealtimeInbound) -> Void
    let ended: EventLoopPromise<RealtimeConnectionEnd>
    let logger: Logger

    func configure(_ channel: any Channel) -> EventLoopFuture<EventLoopFuture<RealtimeUpgradeOutcome>> {
        channel.eventLoop.makeCompletedFuture {
            let upgrader = NIOTypedWebSocketClientUpgrader<RealtimeUpgradeOutcome>(
                maxFrameSize: configuration.maxFrameSize,
                enableAutomaticErrorHandling: true
            ) { [writer, onInbound, ended, logger, configuration] channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let aggregator = NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1_024,
                        maxAccumulatedFrameSize: configuration.maxMessageSize)
                    try channel.pipeline.syncOperations.addHandler(aggregator)
                    try channel.pipeline.syncOperations.addHandler(
                        RealtimeFrameHandler(writer: writer, onInbound: onInbound, ended: ended, logger: logger))
                    return .upgraded(channel)
                }
            }
            let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: endpoint.target, headers: headers)
            let upgradeConfiguration = NIOTypedHTTPClientUpgradeConfiguration<RealtimeUpgradeOutcome>(
                upgradeRequestHead: request, upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(.notUpgraded(channel, timedOut: false)) })
            var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
            pipeline.leftOverBytesStrategy = .forwardBytes
            if let tls {
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: endpoint.isIPAddress ? nil : endpoint.host), position: .first)
            }
            let upgrade = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
            // A server that accepts TCP and never answers the upgrade: give up after the handshake timeout.
            let promise = channel.eventLoop.makePromise(of: RealtimeUpgradeOutcome.self)
            let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.handshakeTimeout)) {
                promise.succeed(.notUpgraded(channel, timedOut: true))
            }
            upgrade.whenComplete { [writer] result in
                deadline.cancel()
                // NIO's upgrade handler forwards writes from here on (it fails them while upgrading),
                // and delivers the frames it buffered right after: the writer opens first.
                switch result {
                case .success(.upgraded(let channel)): writer.opened(channel)
                case .success(.notUpgraded): break  // closed by `run`
                case .failure: channel.close(promise: nil)  // a bad 101 (wrong accept key…): NIO leaves the socket open
                }
                promise.completeWith(result)
            }
            return promise.futureResult
        }
    }
}
