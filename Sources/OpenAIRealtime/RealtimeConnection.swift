import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import WSClient

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
    /// Capacity of the outbound queue, in events (50 audio appends ≈ 1 s of caller audio).
    public var outboundQueueLimit: Int
    /// Bound on waiting for the server's close reply, and on the WebSocket close handshake.
    public var closeTimeout: Duration

    /// Creates a configuration.
    public init(
        url: String = RealtimeConnectionConfiguration.defaultURL,
        apiKey: String,
        safetyIdentifier: String? = nil,
        maxFrameSize: Int = 1 << 23,
        maxMessageSize: Int = 1 << 24,
        outboundQueueLimit: Int = 1024,
        closeTimeout: Duration = .seconds(5)
    ) {
        self.url = url
        self.apiKey = apiKey
        self.safetyIdentifier = safetyIdentifier
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
        self.outboundQueueLimit = outboundQueueLimit
        self.closeTimeout = closeTimeout
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
}

/// One inbound item: a decoded server event, or why a frame could not be decoded.
public typealias RealtimeInbound = Result<RealtimeServerEvent, RealtimeDecodingError>

/// A client connection to the OpenAI Realtime API (GA interface).
///
/// Create it, hand ``outbound`` to whoever sends (the call loop), and call ``run(_:)`` from a child
/// task of the call's task group:
/// ```swift
/// let connection = RealtimeConnection(configuration: .init(apiKey: key), logger: logger)
/// try connection.outbound.send(.sessionUpdate(config))   // queued until the socket is open
/// group.addTask {
///     let end = try await connection.run { inbound in await inbox.send(.agent(inbound)) }
///     await inbox.send(.agentClosed(end))
/// }
/// ```
/// `run` returns when the socket closes (server close, ``RealtimeOutbound/close()``, or task
/// cancellation, which closes the socket).
public final class RealtimeConnection: Sendable {
    /// Non-blocking writer; usable before, during and after `run` (then it throws `.closed`).
    public let outbound: RealtimeOutbound
    private let outboundStream: AsyncStream<String>
    private let configuration: RealtimeConnectionConfiguration
    private let logger: Logger
    private let started = Mutex(false)

    /// Creates a connection; nothing happens on the network until ``run(_:)``.
    public init(configuration: RealtimeConnectionConfiguration, logger: Logger) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: String.self,
            bufferingPolicy: .bufferingOldest(max(1, configuration.outboundQueueLimit))
        )
        self.outboundStream = stream
        self.outbound = RealtimeOutbound(continuation: continuation)
        self.configuration = configuration
        self.logger = logger
    }

    /// Connects, writes queued events, and calls `onInbound` for every frame in arrival order
    /// (one at a time, awaiting it: backpressure instead of an unbounded buffer).
    ///
    /// - Returns: The close code and reason once the socket is closed.
    /// - Throws: ``RealtimeConnectionError``, or WSClient errors (e.g. the upgrade was refused: bad key).
    public func run(
        _ onInbound: @escaping @Sendable (RealtimeInbound) async -> Void
    ) async throws -> RealtimeConnectionEnd {
        let alreadyStarted = started.withLock { value in
            defer { value = true }
            return value
        }
        if alreadyStarted { throw RealtimeConnectionError.alreadyStarted }
        defer { outbound.close() }

        var headers = HTTPFields()
        guard HTTPField.isValidValue("Bearer \(configuration.apiKey)") else { throw RealtimeConnectionError.invalidAPIKey }
        headers[.authorization] = "Bearer \(configuration.apiKey)"
        if let id = configuration.safetyIdentifier, let name = HTTPField.Name("OpenAI-Safety-Identifier"),
            HTTPField.isValidValue(id)
        {
            headers[name] = id
        }
        let wsConfiguration = WebSocketClientConfiguration(
            maxFrameSize: configuration.maxFrameSize,
            additionalHeaders: headers,
            closeTimeout: configuration.closeTimeout
        )

        let handler: WebSocketDataHandler<WebSocketClient.Context> = { [outboundStream, configuration] inbound, writer, context in
            try await Self.pump(
                inbound: inbound, writer: writer, outboundStream: outboundStream,
                configuration: configuration, logger: context.logger, onInbound: onInbound
            )
        }

        // Note: WSClient cannot be interrupted while it awaits the HTTP upgrade response; a server
        // that accepts TCP but never answers keeps this call waiting (TCP connect itself is bounded
        // by NIO's 10 s connect timeout).
        let client = WebSocketClient(url: configuration.url, configuration: wsConfiguration, logger: logger, handler: handler)
        let closeFrame = try await client.run()
        return RealtimeConnectionEnd(
            closeCode: closeFrame.map { Int(UInt16(webSocketErrorCode: $0.closeCode)) },
            reason: closeFrame?.reason
        )
    }

    /// Runs the reader and the writer until either side ends the session.
    private static func pump(
        inbound: WebSocketInboundStream,
        writer: WebSocketOutboundWriter,
        outboundStream: AsyncStream<String>,
        configuration: RealtimeConnectionConfiguration,
        logger: Logger,
        onInbound: @escaping @Sendable (RealtimeInbound) async -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Reader: ends when the server closes or the channel is closed.
            group.addTask {
                for try await message in inbound.messages(maxSize: configuration.maxMessageSize) {
                    switch message {
                    case .text(let text):
                        await onInbound(Result { () throws(RealtimeDecodingError) in try RealtimeServerEvent.decode(text) })
                    case .binary(let buffer):
                        await onInbound(.failure(.binaryFrame(byteCount: buffer.readableBytes)))
                    }
                }
            }
            // Writer: drains the queue in order; after `close()`, sends a close frame and gives the
            // server `closeTimeout` to answer before ending the session.
            group.addTask {
                do {
                    for await text in outboundStream {
                        try await writer.writeTextMessage(text)
                    }
                    if Task.isCancelled { return }
                    try await writer.close(.normalClosure, reason: nil)
                } catch {
                    if Task.isCancelled { return }
                    logger.debug("Realtime write failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: configuration.closeTimeout)
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }
}

