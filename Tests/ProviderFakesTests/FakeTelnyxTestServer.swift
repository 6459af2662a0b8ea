import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ProviderFakes
import Testing
import WSClient

/// One webhook the Telnyx stub server received.
struct TelnyxStubWebhook: Sendable {
    var eventType: String
    var id: String
    var attempt: Int
    var deliveredTo: String
    var payload: FakeTelnyxJSON
    /// Both headers present, timestamp within 300 s, Ed25519 signature valid over `timestamp|raw body`.
    var signatureValid: Bool
    var hadSignatureHeaders: Bool
}

/// What the stub saw.
actor TelnyxStubLog {
    var webhooks: [TelnyxStubWebhook] = []
    var socketMessages: [String] = []
    var socketAuthToken: String?
    var commandResults: [(action: String, status: Int, code: String?)] = []
    private var failuresLeft: [String: Int]
    private var handledIds: Set<String> = []

    init(failFirst: [String: Int]) { failuresLeft = failFirst }

    func webhook(_ webhook: TelnyxStubWebhook) { webhooks.append(webhook) }
    func socket(_ text: String) { socketMessages.append(text) }
    func authToken(_ token: String?) { socketAuthToken = token }
    func command(_ action: String, _ status: Int, _ code: String?) { commandResults.append((action, status, code)) }

    /// Consumes one injected 500 for `event`.
    func takeFailure(_ event: String) -> Bool {
        guard let left = failuresLeft[event], left > 0 else { return false }
        failuresLeft[event] = left - 1
        return true
    }

    /// True the first time `id` is seen (the stub dedupes on `data.id` like a server must).
    func firstDelivery(_ id: String) -> Bool { handledIds.insert(id).inserted }

    func events() -> [String] { webhooks.map(\.eventType) }
}

/// What a stub webhook handler can do: send Call Control commands like the server would.
struct TelnyxStubContext: Sendable {
    let apiURL: String
    let apiKey: String
    /// `127.0.0.1:PORT` of the stub.
    let authority: String
    let log: TelnyxStubLog

    @discardableResult
    func command(_ callControlId: String, _ action: String, _ body: [String: FakeTelnyxJSON] = [:]) async throws -> Int {
        var body = body
        body["command_id"] = .string(UUID().uuidString)
        let (status, json) = try await telnyxCommand(apiURL, callControlId, action, body: FakeTelnyxJSON.object(body).text, apiKey: apiKey)
        await log.command(action, status, telnyxErrorCode(json))
        return status
    }

    /// `streaming_start` the way the lead's server sends it (bidirectional rtp PCMU, loopback wss URL).
    func startStreaming(_ callControlId: String, bidirectional: Bool = true) async throws {
        var body: [String: FakeTelnyxJSON] = [
            "stream_url": .string("wss://\(authority)/telnyx/media"),
            "stream_track": .string("inbound_track"),
            "client_state": .string(Data("s-2".utf8).base64EncodedString()),
            "stream_auth_token": .string("tok-1"),
            "custom_parameters": .array([.object(["name": .string("switchboard_call_id"), "value": .string("call-1")])]),
        ]
        if bidirectional {
            body["stream_bidirectional_mode"] = .string("rtp")
            body["stream_bidirectional_codec"] = .string("PCMU")
        }
        try await command(callControlId, "streaming_start", body)
    }
}

typealias TelnyxStubHandler = @Sendable (TelnyxStubWebhook, TelnyxStubContext) async throws -> Void
typealias TelnyxStubBot = @Sendable (TelnyxBotConnection) async throws -> Void

/// The server side of the Telnyx media socket.
struct TelnyxBotConnection: Sendable {
    let inbound: WebSocketInboundStream
    let outbound: WebSocketOutboundWriter
    let context: TelnyxStubContext

    func next(_ iterator: inout WebSocketInboundMessageStream.AsyncIterator) async throws -> FakeTelnyxJSON? {
        while let message = try await iterator.next() {
            guard case .text(let text) = message else { continue }
            await context.log.socket(text)
            if let json = FakeTelnyxJSON.parse(text) { return json }
        }
        return nil
    }

    func waitFor(_ event: String, _ iterator: inout WebSocketInboundMessageStream.AsyncIterator) async throws -> FakeTelnyxJSON? {
        while let json = try await next(&iterator) {
            if json["event"]?.stringValue == event { return json }
        }
        return nil
    }

    func send(_ text: String) async throws { try await outbound.write(.text(text)) }

    func sendAudio(milliseconds: Int) async throws {
        let frame = Data(MuLaw.tone(milliseconds: 20, frequency: 440)).base64EncodedString()
        for _ in 0..<(milliseconds / 20) { try await send(#"{"event":"media","media":{"payload":"\#(frame)"}}"#) }
    }

    func sendMark(_ name: String) async throws { try await send(#"{"event":"mark","mark":{"name":"\#(name)"}}"#) }
}

/// The usual server behaviour: answer on `call.initiated`, `streaming_start` on `call.answered`.
let telnyxStubAnswerThenStream: TelnyxStubHandler = { webhook, context in
    let id = webhook.payload["call_control_id"]?.stringValue ?? ""
    switch webhook.eventType {
    case FakeTelnyxEvent.callInitiated:
        try await context.command(id, "answer", ["client_state": .string(Data("s-1".utf8).base64EncodedString())])
    case FakeTelnyxEvent.callAnswered:
        try await context.startStreaming(id)
    default:
        break
    }
}

/// Runs the fake Telnyx API and a tiny Switchboard-like server on 127.0.0.1: `POST /telnyx/webhook`
/// (signature checked with swift-crypto, 401 if invalid; dedupe on `data.id`; `failFirst` injects 500s),
/// WebSocket `/telnyx/media` running `bot`. `body` gets the stub's URL and log. Bounded by 45 s.
func withTelnyxStub<T: Sendable>(
    _ telnyx: FakeTelnyx,
    failFirst: [String: Int] = [:],
    onWebhook: @escaping TelnyxStubHandler = telnyxStubAnswerThenStream,
    bot: @escaping TelnyxStubBot,
    _ body: @escaping @Sendable (String, TelnyxStubLog) async throws -> T
) async throws -> T {
    let log = TelnyxStubLog(failFirst: failFirst)
    let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: Data(base64Encoded: telnyx.publicKeyBase64) ?? Data())
    let keyBytes = publicKey.rawRepresentation
    let apiKey = telnyx.apiKey
    return try await telnyx.withRunningServer { apiURL in
        let router = Router(context: BasicWebSocketRequestContext.self)
        let ports = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        router.post("/telnyx/webhook") { request, _ -> Response in
            var request = request
            let authority = request.head.authority ?? "127.0.0.1"
            let raw = Array(try await request.collectBody(upTo: 1 << 20).readableBytesView)
            let signature = request.headers.first { $0.name.canonicalName == "telnyx-signature-ed25519" }?.value
            let timestamp = request.headers.first { $0.name.canonicalName == "telnyx-timestamp" }?.value
            var valid = false
            if let signature, let timestamp, let seconds = Int64(timestamp), let bytes = Data(base64Encoded: signature), bytes.count == 64,
                abs(Int64(Date().timeIntervalSince1970) - seconds) <= 300,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
            {
                valid = key.isValidSignature(bytes, for: Data(timestamp.utf8) + Data("|".utf8) + Data(raw))
            }
            let json = FakeTelnyxJSON.parse(raw) ?? .null
            let webhook = TelnyxStubWebhook(
                eventType: json["data"]?["event_type"]?.stringValue ?? "?", id: json["data"]?["id"]?.stringValue ?? "?",
                attempt: json["meta"]?["attempt"]?.intValue ?? 0, deliveredTo: json["meta"]?["delivered_to"]?.stringValue ?? "",
                payload: json["data"]?["payload"] ?? .null, signatureValid: valid, hadSignatureHeaders: signature != nil || timestamp != nil)
            await log.webhook(webhook)
            guard valid else { return Response(status: .unauthorized) }
            if await log.takeFailure(webhook.eventType) { return Response(status: .internalServerError) }
            if await log.firstDelivery(webhook.id) {
                try await onWebhook(webhook, TelnyxStubContext(apiURL: apiURL, apiKey: apiKey, authority: authority, log: log))
            }
            return Response(status: .ok)
        }
        router.ws("/telnyx/media") { request, _ in
            await log.authToken(request.headers.first { $0.name.canonicalName == "x-telnyx-streaming-auth-token" }?.value)
            return .upgrade()
        } onUpgrade: { inbound, outbound, context in
            let authority = context.request.head.authority ?? "127.0.0.1"
            try await bot(
                TelnyxBotConnection(
                    inbound: inbound, outbound: outbound,
                    context: TelnyxStubContext(apiURL: apiURL, apiKey: apiKey, authority: authority, log: log)))
        }
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ports.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "telnyx-stub") { _ in SwiftLogNoOpLogHandler() }
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(45))
                throw StubError.timeout
            }
            var iterator = ports.stream.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw StubError.noPort }
            group.addTask { try await body("http://127.0.0.1:\(port)", log) }
            while let value = try await group.next() {
                if let value {
                    group.cancelAll()
                    return value
                }
            }
            throw StubError.timeout
        }
    }
}

/// A quiet fake Telnyx for tests.
func quietTelnyx() throws -> FakeTelnyx {
    try FakeTelnyx(apiKey: "KEY_test", logger: Logger(label: "fake-telnyx") { _ in SwiftLogNoOpLogHandler() })
}

/// The stub's socket messages, parsed.
func telnyxSocketMessages(_ log: TelnyxStubLog) async -> [FakeTelnyxJSON] {
    await log.socketMessages.compactMap { FakeTelnyxJSON.parse($0) }
}
