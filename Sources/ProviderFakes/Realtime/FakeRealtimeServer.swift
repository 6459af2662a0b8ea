import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// Request context that keeps the connection's channel, so a fault can drop the TCP connection
/// without a WebSocket close frame.
public struct FakeRealtimeRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}

/// An HTTP error with OpenAI's JSON error body.
struct OpenAIHTTPError: HTTPResponseError {
    let status: HTTPResponse.Status
    let type: String
    let code: String?
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = RealtimeJSON.obj([
            "error": .obj(["message": .string(message), "type": .string(type), "param": .null, "code": .optional(code)])
        ]).serialized
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A protocol-faithful stand-in for the OpenAI Realtime GA WebSocket API on 127.0.0.1.
///
/// `ws://127.0.0.1:<port>/v1/realtime?model=<model>` with `Authorization: Bearer <anything>`, or
/// `…/v1/realtime?intent=transcription` for a transcription-only session (speech events and caller
/// transcripts from the script, never a response).
/// Run it with ``run()`` (a long-lived task or a ServiceGroup service; cancel to stop) and get the
/// address from ``port()`` / ``realtimeURL(model:)``, or use ``withRunning(script:options:logger:_:)``.
public final class FakeRealtimeServer: Sendable {
    /// Server switches.
    public struct Options: Sendable {
        /// Answer a handshake with `OpenAI-Beta: realtime=v1` by `beta_api_shape_disabled` + close 4000.
        public var rejectBetaHeader: Bool
        /// Record every server event type in the recorder (turn off for big benchmarks).
        public var recordServerEvents: Bool
        /// Sees every client frame and server event (the benchmark's clock); nil: nothing is called.
        public var probe: (any FakeRealtimeProbe)?

        public init(rejectBetaHeader: Bool = true, recordServerEvents: Bool = true, probe: (any FakeRealtimeProbe)? = nil) {
            self.rejectBetaHeader = rejectBetaHeader
            self.recordServerEvents = recordServerEvents
            self.probe = probe
        }
    }

    private enum PortState {
        case waiting([CheckedContinuation<Int, any Error>])
        case bound(Int)
        case failed(String)
    }

    /// The script every session plays.
    public let script: FakeAgentScript
    /// What the sessions received.
    public let recorder: FakeRealtimeRecorder
    public let host: String
    public let options: Options
    private let requestedPort: Int
    private let logger: Logger
    private let audio: RealtimeAudioChunks
    private let portState = Mutex(PortState.waiting([]))

    public init(
        script: FakeAgentScript = FakeAgentScript(), host: String = "127.0.0.1", port: Int = 0,
        options: Options = Options(), recorder: FakeRealtimeRecorder = FakeRealtimeRecorder(),
        logger: Logger = Logger(label: "fake-realtime")
    ) {
        self.script = script
        self.host = host
        self.requestedPort = port
        self.options = options
        self.recorder = recorder
        self.logger = logger
        self.audio = RealtimeAudioChunks(deltaMilliseconds: script.timing.deltaMilliseconds)
    }

    /// Errors of the fake server itself.
    public struct ServerError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The bound port; waits (at most `timeout`) until the server listens.
    public func port(timeout: Duration = .seconds(10)) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    let immediate: Result<Int, ServerError>? = self.portState.withLock { state in
                        switch state {
                        case .bound(let port): return .success(port)
                        case .failed(let reason): return .failure(ServerError(description: reason))
                        case .waiting(var list):
                            list.append(continuation)
                            state = .waiting(list)
                            return nil
                        }
                    }
                    if let immediate { continuation.resume(with: immediate) }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ServerError(description: "fake Realtime server did not start within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let port = try await group.next() else { throw ServerError(description: "no port") }
            return port
        }
    }

    /// `ws://host:port/v1/realtime?model=<model>`.
    public func realtimeURL(model: String = "gpt-realtime") async throws -> String {
        "ws://\(host):\(try await port())/v1/realtime?model=\(model)"
    }

    /// `ws://host:port/v1/realtime?intent=transcription`.
    public func transcriptionURL() async throws -> String {
        "ws://\(host):\(try await port())/v1/realtime?intent=transcription"
    }

    private func settlePort(_ result: Result<Int, ServerError>) {
        let waiters: [CheckedContinuation<Int, any Error>] = portState.withLock { state in
            guard case .waiting(let list) = state else { return [] }
            switch result {
            case .success(let port): state = .bound(port)
            case .failure(let error): state = .failed(error.description)
            }
            return list
        }
        for waiter in waiters { waiter.resume(with: result.mapError { $0 as any Error }) }
    }

    /// Runs the server until the task is cancelled (or a ServiceGroup shuts it down).
    public func run() async throws {
        let router = Router(context: FakeRealtimeRequestContext.self)
        router.ws("/v1/realtime") { request, _ in
            try Self.checkHandshake(request)
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            await self.serve(inbound: inbound, outbound: outbound, context: context)
        }
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: router,
                configuration: .init(ws: .init(maxFrameSize: 1 << 24, closeTimeout: .seconds(2)))),
            configuration: .init(address: .hostname(host, port: requestedPort), serverName: nil, backlog: 2048),
            onServerRunning: { channel in
                self.settlePort(.success(channel.localAddress?.port ?? 0))
            },
            logger: logger
        )
        do {
            // No signal handlers: the host (e.g. `switchboard serve`) owns SIGTERM and keeps the local
            // agent running while its calls drain; cancelling the task stops the server.
            try await app.runService(gracefulShutdownSignals: [])
            settlePort(.failure(ServerError(description: "fake Realtime server stopped")))
        } catch {
            settlePort(.failure(ServerError(description: "fake Realtime server failed: \(error)")))
            throw error
        }
    }

    /// Runs a server for the duration of `body`, then stops it.
    public static func withRunning<T: Sendable>(
        script: FakeAgentScript = FakeAgentScript(), options: Options = Options(),
        logger: Logger = Logger(label: "fake-realtime"),
        _ body: @Sendable (FakeRealtimeServer) async throws -> T
    ) async throws -> T {
        let server = FakeRealtimeServer(script: script, options: options, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await server.run()
                return nil
            }
            defer { group.cancelAll() }
            _ = try await server.port()
            return try await body(server)
        }
    }

    static func checkHandshake(_ request: Request) throws {
        let auth = request.headers[.authorization] ?? ""
        let token = auth.hasPrefix("Bearer ") ? auth.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces) : ""
        guard !token.isEmpty else {
            throw OpenAIHTTPError(
                status: .unauthorized, type: "invalid_request_error", code: nil,
                message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        }
        // A transcription session (`?intent=transcription`) names its model inside the session.
        let transcription = request.uri.queryParameters["intent"] == "transcription"
        guard transcription || !(request.uri.queryParameters["model"] ?? "").isEmpty else {
            throw OpenAIHTTPError(
                status: .badRequest, type: "invalid_request_error", code: "missing_model",
                message: "Missing required parameter: 'model'.")
        }
        guard request.headers[.upgrade]?.lowercased() == "websocket" else {
            throw OpenAIHTTPError(status: .upgradeRequired, type: "invalid_request_error", code: nil, message: "WebSocket upgrade required.")
        }
    }

    /// One WebSocket session: a reader, a pacing ticker and (optionally) an expiry timer feed one
    /// ordered input stream; a single loop applies them to the session machine and writes its output.
    private func serve(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        context: WebSocketRouterContext<FakeRealtimeRequestContext>
    ) async {
        let transcription = context.request.uri.queryParameters["intent"] == "transcription"
        let model = context.request.uri.queryParameters["model"].map(String.init) ?? (transcription ? "gpt-4o-mini-transcribe" : "gpt-realtime")
        let beta = context.request.headers.contains {
            $0.name.canonicalName == "openai-beta" && $0.value.contains("realtime=v1")
        }
        var machine = FakeRealtimeSessionMachine(
            script: script, audio: audio, recorder: recorder, model: model,
            recordServerEvents: options.recordServerEvents, nowUnix: Int(Date().timeIntervalSince1970),
            transcriptionOnly: transcription)
        let (inputs, inputSink) = AsyncStream.makeStream(of: FakeRealtimeInput.self)
        let (tickRequests, tickSink) = AsyncStream.makeStream(of: (Duration, UInt64).self)
        let channel = context.requestContext.channel
        let expiry = script.faults.sessionExpiresAfter
        let logger = self.logger
        let probe = options.probe
        let sessionIndex = machine.recordIndex

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 16 << 20) {
                        switch message {
                        case .text(let text):
                            probe?.received(text, session: sessionIndex)
                            inputSink.yield(.client(text))
                        case .binary: inputSink.yield(.binary)
                        }
                    }
                } catch {
                    logger.debug("fake realtime: read ended", metadata: ["error": "\(error)"])
                }
                inputSink.yield(.clientClosed)
            }
            group.addTask {
                for await (delay, generation) in tickRequests {
                    if delay > .zero {
                        do { try await Task.sleep(for: delay) } catch { return }
                    }
                    inputSink.yield(.tick(generation))
                }
            }
            if let expiry {
                group.addTask {
                    do { try await Task.sleep(for: expiry) } catch { return }
                    inputSink.yield(.expire)
                }
            }

            if beta && options.rejectBetaHeader {
                machine.rejectBeta()
                // Give the client a moment to start reading after the 101 before the close frame
                // (frames racing the upgrade response were observed to stall the WSClient handshake).
                var actions = machine.takeActions()
                if let first = actions.first, case .send = first {
                    _ = await perform([first], outbound: outbound, channel: channel, ticks: tickSink)
                    actions.removeFirst()
                    try? await Task.sleep(for: .milliseconds(50))
                }
                _ = await perform(actions, outbound: outbound, channel: channel, ticks: tickSink)
            } else {
                machine.start()
            }
            var clientGone = false
            var done = await perform(machine.takeActions(), outbound: outbound, channel: channel, ticks: tickSink, session: sessionIndex)
            if !done {
                for await input in inputs {
                    if case .clientClosed = input { clientGone = true }
                    machine.handle(input)
                    done = await perform(machine.takeActions(), outbound: outbound, channel: channel, ticks: tickSink, session: sessionIndex)
                    if done || machine.finished { break }
                }
            }
            recorder.record(machine.recordIndex) { $0.closed = true }
            // Let the reader see the client's close reply (or the dropped connection) instead of
            // cancelling it mid-handshake; bounded by a 2 s drain deadline.
            if !clientGone {
                tickSink.yield((.seconds(2), Self.drainGeneration))
                for await input in inputs {
                    if case .clientClosed = input { break }
                    if case .tick(Self.drainGeneration) = input { break }
                }
            }
            tickSink.finish()
            inputSink.finish()
            group.cancelAll()
        }
    }

    private static let drainGeneration = UInt64.max

    /// Executes actions; returns true when the session is over.
    private func perform(
        _ actions: [FakeRealtimeAction], outbound: WebSocketOutboundWriter, channel: any Channel,
        ticks: AsyncStream<(Duration, UInt64)>.Continuation, session: Int? = nil
    ) async -> Bool {
        for action in actions {
            switch action {
            case .send(let text):
                let text = session.flatMap { options.probe?.sending(text, session: $0) } ?? text
                do { try await outbound.write(.text(text)) } catch { return true }
            case .tick(let delay, let generation):
                ticks.yield((delay, generation))
            case .close(let code, let reason):
                try? await outbound.close(.init(codeNumber: Int(code)), reason: reason)
                return true
            case .abort:
                try? await channel.close()
                return true
            }
        }
        return false
    }
}
