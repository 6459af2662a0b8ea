import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Synchronization

/// Settings for one Realtime WebSocket connection.
public struct RealtimeConnectionConfiguration: Sendable {
    /// The production endpoint for the default model.
    public static let defaultURL = "wss://api.openai.com/v1/realtime?model=gpt-realtime"

    /// `wss://…` (TLS) or `ws://…` (tests against a local fake).
    public var url: String
    /// Sent as `Authorization: Bearer <apiKey>`. No `OpenAI-Beta` header is ever sent (GA only).
    public var apiKey: String
    /// Optional `OpenAI-Safety-Identifier` header (stable end-user id).
    public var safetyIdentifier: String?
    /// Largest single WebSocket frame accepted or sent. Audio events are large.
    public var maxFrameSize: Int
    /// Largest reassembled message accepted.
    public var maxMessageSize: Int
    /// Most events waiting for the socket (before it opens, or between two drains of its loop); 50 audio
    /// appends ≈ 1 s of caller audio. Once open, audio appends are also dropped while more than
    /// 512 KiB are unwritten (the server is not reading).
    public var outboundQueueLimit: Int
    /// Bound on waiting for the server's close reply, and on the WebSocket close handshake.
    public var closeTimeout: Duration
    /// Bound on TCP connect plus the HTTP upgrade (a server that accepts and never answers).
    public var handshakeTimeout: Duration

    /// Creates a configuration.
    public init(
        url: String = RealtimeConnectionConfiguration.defaultURL,
        apiKey: String,
        safetyIdentifier: String? = nil,
        maxFrameSize: Int = 1 << 23,
        maxMessageSize: Int = 1 << 24,
        outboundQueueLimit: Int = 1024,
        closeTimeout: Duration = .seconds(5),
        handshakeTimeout: Duration = .seconds(10)
    ) {
        self.url = url
        self.apiKey = apiKey
        self.safetyIdentifier = safetyIdentifier
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
        self.outboundQueueLimit = outboundQueueLimit
        self.closeTimeout = closeTimeout
        self.handshakeTimeout = handshakeTimeout
    }
}

/// How a connection ended.
public struct RealtimeConnectionEnd: Sendable, Equatable {
    /// WebSocket close code (1000 normal, 4000 beta retired, …); `nil` if the socket dropped without a close frame.
    public var closeCode: Int?
    /// Close reason text, if any.
    public var reason: String?

    public init(closeCode: Int?, reason: String?) {
        self.closeCode = closeCode
        self.reason = reason
    }
}

/// Connection-level failures of ``RealtimeConnection/run(_:)``.
public enum RealtimeConnectionError: Error, Sendable, Equatable {
    /// `run` was called a second time on the same connection.
    case alreadyStarted
    /// Authorization header value could not be built (invalid characters in the key).
    case invalidAPIKey
    /// The URL is not `ws://host[:port]/path` or `wss://…`.
    case invalidURL(String)
    /// The server answered the WebSocket upgrade with something other than `101` (e.g. 401: bad key).
    case upgradeRefused
    /// The server did not answer the upgrade within the handshake timeout.
    case handshakeTimedOut
}

/// One inbound item: a decoded server event, or why a frame could not be decoded.
public typealias RealtimeInbound = Result<RealtimeServerEvent, RealtimeDecodingError>

/// A client connection to the OpenAI Realtime API (GA interface), on SwiftNIO directly.
///
/// Create it, hand ``outbound`` to whoever sends (the call loop), and call ``run(_:)`` from a child
/// task of the call's task group:
/// ```swift
/// let connection = RealtimeConnection(configuration: .init(apiKey: key), logger: logger)
/// try connection.outbound.send(.sessionUpdate(config))   // queued until the socket is open
/// group.addTask {
///     let end = try await connection.run { inbound in inbox.yield(.agent(inbound)) }
///     inbox.yield(.agentClosed(end))
/// }
/// ```
/// The hot path has no task in it: inbound frames are decoded on the socket's event loop and handed to
/// `onInbound` there; outbound events are queued by the sender and written by the loop, many per flush
/// (``RealtimeSocketWriter``). The socket is opened on the caller's event loop when it runs on one, so
/// a call whose loop is the socket's loop writes without crossing threads. `run` returns when the
/// socket closes (server close, ``RealtimeOutbound/close()``, or task cancellation, which closes it).
public final class RealtimeConnection: Sendable {
    /// Non-blocking writer; usable before, during and after `run` (then it throws `.closed`).
    public let outbound: RealtimeOutbound
    private let writer: RealtimeSocketWriter
    private let configuration: RealtimeConnectionConfiguration
    private let logger: Logger
    private let started = Mutex(false)

    /// Receive buffers grow with bursts of audio deltas up to this, not NIO's default 64 KiB: a live
    /// call keeps its buffer, so the cap is memory per call.
    static let receiveBufferLimit = 8 * 1024
    /// Above this many unwritten bytes the socket is "not writable" and audio appends are dropped.
    static let writeHighWaterMark = 512 * 1024

    /// Creates a connection; nothing happens on the network until ``run(_:)``.
    public init(configuration: RealtimeConnectionConfiguration, logger: Logger) {
        self.writer = RealtimeSocketWriter(queueLimit: configuration.outboundQueueLimit, closeTimeout: configuration.closeTimeout)
        self.outbound = RealtimeOutbound(writer: writer)
        self.configuration = configuration
        self.logger = logger
    }

    /// Connects, writes queued events, and calls `onInbound` for every frame in arrival order, on the
    /// socket's event loop (keep it short: it delays the next frame).
    ///
    /// - Returns: The close code and reason once the socket is closed (`nil` code: dropped without a close frame).
    /// - Throws: ``RealtimeConnectionError`` (bad URL or key, upgrade refused, handshake timeout), or NIO's
    ///   connect and TLS errors.
    public func run(_ onInbound: @escaping @Sendable (RealtimeInbound) -> Void) async throws -> RealtimeConnectionEnd {
        let alreadyStarted = started.withLock { value in
            defer { value = true }
            return value
        }
        if alreadyStarted { throw RealtimeConnectionError.alreadyStarted }
        defer { writer.finished() }
        let endpoint = try RealtimeEndpoint(parsing: configuration.url)
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.hostHeader)
        guard HTTPField.isValidValue("Bearer \(configuration.apiKey)") else { throw RealtimeConnectionError.invalidAPIKey }
        headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
        if let id = configuration.safetyIdentifier, HTTPField.isValidValue(id) {
            headers.add(name: "OpenAI-Safety-Identifier", value: id)
        }
        let tls = try endpoint.usesTLS ? NIOSSLContext(configuration: .makeClientConfiguration()) : nil

        let eventLoop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        let ended = eventLoop.makePromise(of: RealtimeConnectionEnd.self)
        let setup = RealtimeChannelSetup(
            endpoint: endpoint, headers: headers, tls: tls, configuration: configuration,
            writer: writer, onInbound: onInbound, ended: ended, logger: logger)
        let upgrade: EventLoopFuture<RealtimeUpgradeOutcome>
        do {
            upgrade = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(configuration.handshakeTimeout))
                .channelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 512, initial: 2_048, maximum: Self.receiveBufferLimit))
                .channelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: Self.writeHighWaterMark / 2, high: Self.writeHighWaterMark))
                .connect(host: endpoint.host, port: endpoint.port) { channel in setup.configure(channel) }
        } catch {
            ended.succeed(RealtimeConnectionEnd(closeCode: nil, reason: nil))
            throw error
        }
        let outcome: RealtimeUpgradeOutcome
        do {
            outcome = try await withTaskCancellationHandler {
                try await upgrade.get()
            } onCancel: { [writer] in
                upgrade.whenSuccess { if case .upgraded(let channel) = $0 { Self.closePolitely(channel, writer: writer) } }
            }
        } catch {
            ended.succeed(RealtimeConnectionEnd(closeCode: nil, reason: nil))
            throw error
        }
        switch outcome {
        case .notUpgraded(let channel, let timedOut):
            channel.close(promise: nil)
            ended.succeed(RealtimeConnectionEnd(closeCode: nil, reason: nil))
            throw timedOut ? RealtimeConnectionError.handshakeTimedOut : RealtimeConnectionError.upgradeRefused
        case .upgraded(let channel):
            return try await withTaskCancellationHandler {
                try await ended.futureResult.get()
            } onCancel: { [writer] in
                Self.closePolitely(channel, writer: writer)
            }
        }
    }

    /// Cancellation: promptly, but politely — the close frame (after what is queued) goes out, then the
    /// socket closes, without waiting for the server's reply.
    static func closePolitely(_ channel: any Channel, writer: RealtimeSocketWriter) {
        writer.close()
        channel.eventLoop.execute { channel.close(promise: nil) }
    }

}
