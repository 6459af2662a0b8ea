import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The fake Realtime server's session machine hosted straight on SwiftNIO: the same handshake checks and
/// the same `FakeRealtimeSessionMachine` as ``FakeRealtimeServer``, but each session is a channel handler
/// that parses, decides and writes on its socket's event loop, without a task per session or per frame.
/// The capacity benchmark runs its agent on this, because a load side that costs more per frame than
/// the server it measures saturates first. Refusals answer with OpenAI's error shape.
public final class FakeRealtimeChannelServer: Sendable {
    public let script: FakeAgentScript
    public let recorder: FakeRealtimeRecorder
    public let options: FakeRealtimeServer.Options
    public let host: String
    private let requestedPort: Int
    private let audio: RealtimeAudioChunks
    private let group: any EventLoopGroup

    public init(
        script: FakeAgentScript = FakeAgentScript(), host: String = "127.0.0.1", port: Int = 0,
        options: FakeRealtimeServer.Options = .init(), recorder: FakeRealtimeRecorder = FakeRealtimeRecorder(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.script = script
        self.host = host
        self.requestedPort = port
        self.options = options
        self.recorder = recorder
        self.group = group
        self.audio = RealtimeAudioChunks(deltaMilliseconds: script.timing.deltaMilliseconds)
    }

    /// `ws://host:port/v1/realtime?model=…` for the port `run` reported.
    public func realtimeURL(port: Int, model: String = "gpt-realtime") -> String {
        "ws://\(host):\(port)/v1/realtime?model=\(model)"
    }

    /// Serves until the task is cancelled; `onRunning` gets the bound port (the fakes' `run(onRunning:)`
    /// convention, see `FakeHTTPServer.withRunning`).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 2048)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in self.initialize(channel) }
            .bind(host: host, port: requestedPort).get()
        await onRunning(channel.localAddress?.port ?? 0)
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    private func initialize(_ channel: any Channel) -> EventLoopFuture<Void> {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 24, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let refusal = FakeRealtimeHandshake.refusal(head)
                return channel.eventLoop.makeSucceededFuture(refusal == nil ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { [self] channel, head in
                let handshake = FakeRealtimeHandshake(head)
                let session = FakeRealtimeSessionHandler(
                    machine: FakeRealtimeSessionMachine(
                        script: script, audio: audio, recorder: recorder, model: handshake.model,
                        recordServerEvents: options.recordServerEvents, nowUnix: Int(Date().timeIntervalSince1970),
                        transcriptionOnly: handshake.transcription),
                    rejectsBeta: handshake.beta && options.rejectBetaHeader, expiresAfter: script.faults.sessionExpiresAfter,
                    probe: options.probe)
                return channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    // The refusal answers HTTP only; frames must not pass through it.
                    operations.removeHandler(context: try operations.context(name: FakeRealtimeRefusal.name), promise: nil)
                    try operations.addHandler(
                        NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 1_024, maxAccumulatedFrameSize: 16 << 20))
                    try operations.addHandler(session)
                }
            })
        return channel.pipeline.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
        ).flatMapThrowing {
            // Requests that are not (acceptable) upgrades get OpenAI's error answer.
            try channel.pipeline.syncOperations.addHandler(FakeRealtimeRefusal(), name: FakeRealtimeRefusal.name)
        }
    }
}

/// What the upgrade request asks for, and why it would be refused (`FakeRealtimeServer.checkHandshake`).
struct FakeRealtimeHandshake {
    let model: String
    let transcription: Bool
    let beta: Bool

    init(_ head: HTTPRequestHead) {
        let query = URLComponents(string: head.uri)?.queryItems ?? []
        transcription = query.first { $0.name == "intent" }?.value == "transcription"
        model = query.first { $0.name == "model" }?.value ?? (transcription ? "gpt-4o-mini-transcribe" : "gpt-realtime")
        beta = head.headers["OpenAI-Beta"].contains { $0.contains("realtime=v1") }
    }

    /// (status, type, code, message) of the refusal, or nil when the upgrade is acceptable.
    static func refusal(_ head: HTTPRequestHead) -> (HTTPResponseStatus, String, String?, String)? {
        let auth = head.headers["Authorization"].first ?? ""
        let token = auth.hasPrefix("Bearer ") ? auth.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces) : ""
        if token.isEmpty {
            return (.unauthorized, "invalid_request_error", nil,
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        }
        let query = URLComponents(string: head.uri)?.queryItems ?? []
        let transcription = query.first { $0.name == "intent" }?.value == "transcription"
        if !transcription && (query.first { $0.name == "model" }?.value ?? "").isEmpty {
            return (.badRequest, "invalid_request_error", "missing_model", "Missing required parameter: 'model'.")
        }
        if head.headers["Upgrade"].first?.lowercased() != "websocket" {
            return (.upgradeRequired, "invalid_request_error", nil, "WebSocket upgrade required.")
        }
        return nil
    }
}

/// Answers a request that was not upgraded with OpenAI's JSON error, then closes.
final class FakeRealtimeRefusal: ChannelInboundHandler, RemovableChannelHandler {
    static let name = "fake-realtime-refusal"
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return context.close(promise: nil) }
            let (status, type, code, message) =
                FakeRealtimeHandshake.refusal(head) ?? (.badRequest, "invalid_request_error", nil, "Invalid WebSocket upgrade request.")
            let body = RealtimeJSON.obj([
                "error": .obj(["message": .string(message), "type": .string(type), "param": .null, "code": .optional(code)])
            ]).serialized
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Connection", "close")])
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// One Realtime session on its socket's event loop: client frames into the machine, its actions out.
final class FakeRealtimeSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var machine: FakeRealtimeSessionMachine
    private let rejectsBeta: Bool
    private let expiresAfter: Duration?
    private let probe: (any FakeRealtimeProbe)?
    private var context: ChannelHandlerContext?
    private var closing = false
    /// The session-expiry timer (the only long one): cancelled with the session.
    private var expiry: Scheduled<Void>?

    init(machine: FakeRealtimeSessionMachine, rejectsBeta: Bool, expiresAfter: Duration?, probe: (any FakeRealtimeProbe)?) {
        self.machine = machine
        self.rejectsBeta = rejectsBeta
        self.expiresAfter = expiresAfter
        self.probe = probe
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if rejectsBeta {
            machine.rejectBeta()
        } else {
            machine.start()
        }
        if let expiresAfter {
            expiry = after(expiresAfter, on: context.eventLoop) { $0.handle(.expire) }
        }
        perform()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        expiry?.cancel()
        self.context = nil  // ticks still due (at most one delta interval) find no context: they do nothing
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let text = String(buffer: frame.unmaskedData)
            probe?.received(text, session: machine.recordIndex)
            handle(.client(text))
        case .binary:
            handle(.binary)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            if !closing {
                // The client closes first: echo its code, then the connection ends.
                var data = frame.unmaskedData
                let code = data.readInteger(as: UInt16.self) ?? 1000
                closing = true
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(Self.closeFrame(code: code, reason: "", allocator: context.channel.allocator)))
                    .whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)  // the reply to our close
            }
            machine.handle(.clientClosed)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        expiry?.cancel()
        machine.handle(.clientClosed)
        context.fireChannelInactive()
    }

    private func handle(_ input: FakeRealtimeInput) {
        machine.handle(input)
        perform()
    }

    /// Executes the machine's actions, with one flush.
    private func perform() {
        guard let context else { return }
        var wrote = false
        for action in machine.takeActions() {
            switch action {
            case .send(let text):
                guard !closing else { continue }
                let text = probe?.sending(text, session: machine.recordIndex) ?? text
                context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))), promise: nil)
                wrote = true
            case .tick(let delay, let generation):
                after(delay, on: context.eventLoop) { $0.handle(.tick(generation)) }
            case .close(let code, let reason):
                guard !closing else { continue }
                closing = true
                context.write(wrapOutboundOut(Self.closeFrame(code: code, reason: reason, allocator: context.channel.allocator)), promise: nil)
                wrote = true
                // The client's reply closes the connection; if none comes, 2 s later.
                after(.seconds(2), on: context.eventLoop) { $0.context?.close(promise: nil) }
            case .abort:
                context.close(promise: nil)
                return
            }
        }
        if wrote { context.flush() }
    }

    @discardableResult
    private func after(
        _ delay: Duration, on loop: any EventLoop, _ body: @escaping @Sendable (FakeRealtimeSessionHandler) -> Void
    ) -> Scheduled<Void> {
        let handler = NIOLoopBound(self, eventLoop: loop)
        return loop.scheduleTask(in: TimeAmount(delay)) { body(handler.value) }
    }

    static func closeFrame(code: UInt16, reason: String, allocator: ByteBufferAllocator) -> WebSocketFrame {
        var data = allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(code)
        data.writeString(reason)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }
}
