import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdWebSocket
import ProviderFakes
import Testing
import WSClient

/// What the tiny test server saw.
actor StubLog {
    var voiceWebhooks: [[String: String]] = []
    var statusCallbacks: [[String: String]] = []
    var signaturesValid: [Bool] = []
    var socketMessages: [String] = []
    var socketSignatureValid: Bool?
    var notes: [String] = []

    func voice(_ params: [String: String], valid: Bool) { voiceWebhooks.append(params); signaturesValid.append(valid) }
    func status(_ params: [String: String], valid: Bool) { statusCallbacks.append(params); signaturesValid.append(valid) }
    func socket(_ text: String) { socketMessages.append(text) }
    func socketSignature(_ valid: Bool) { socketSignatureValid = valid }
    func note(_ text: String) { notes.append(text) }
}

/// The bot side of the test server's media WebSocket.
typealias StubBot = @Sendable (BotConnection) async throws -> Void

/// Reads and writes Twilio Media Streams JSON on the server side of the socket.
struct BotConnection: Sendable {
    let inbound: WebSocketInboundStream
    let outbound: WebSocketOutboundWriter
    let log: StubLog

    /// Next parsed message from the phone (nil when the socket closed), logged.
    func next(_ iterator: inout WebSocketInboundMessageStream.AsyncIterator) async throws -> [String: Any]? {
        while let message = try await iterator.next() {
            guard case .text(let text) = message else { continue }
            await log.socket(text)
            if let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] { return object }
        }
        return nil
    }

    /// Skips messages until one with `event` arrives.
    func waitFor(_ event: String, _ iterator: inout WebSocketInboundMessageStream.AsyncIterator) async throws -> [String: Any]? {
        while let object = try await next(&iterator) {
            if object["event"] as? String == event { return object }
        }
        return nil
    }

    func send(_ text: String) async throws { try await outbound.write(.text(text)) }

    func sendAudio(streamSid: String, milliseconds: Int) async throws {
        let frame = Data(MuLaw.tone(milliseconds: 20, frequency: 440)).base64EncodedString()
        for _ in 0..<(milliseconds / 20) {
            try await send(#"{"event":"media","streamSid":"\#(streamSid)","media":{"payload":"\#(frame)"}}"#)
        }
    }

    func sendMark(streamSid: String, _ name: String) async throws {
        try await send(#"{"event":"mark","streamSid":"\#(streamSid)","mark":{"name":"\#(name)"}}"#)
    }
}

enum StubError: Error { case noPort, timeout }

/// Runs a tiny Switchboard-like app on 127.0.0.1:0: `/twilio/voice` answers TwiML, `/twilio/status` logs,
/// `/twilio/media` runs `bot`. `streamURL` builds the `<Stream url>` from the server's `host:port`.
func withStubServer<T: Sendable>(
    authToken: String?,
    streamURL: @escaping @Sendable (String) -> String = { "wss://\($0)/twilio/media" },
    bot: @escaping StubBot,
    _ body: @escaping @Sendable (String, StubLog) async throws -> T
) async throws -> T {
    let log = StubLog()
    let router = Router(context: BasicWebSocketRequestContext.self)
    let ports = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    @Sendable func form(_ request: inout Request) async throws -> ([(String, String)], String?) {
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let pairs = FakeTwilioForm.decode(String(decoding: buffer.readableBytesView, as: UTF8.self)) ?? []
        let signature = request.headers.first { $0.name.canonicalName == "x-twilio-signature" }?.value
        return (pairs, signature)
    }
    @Sendable func valid(_ url: String, _ pairs: [(String, String)], _ signature: String?) -> Bool {
        guard let authToken else { return signature == nil }
        return signature == FakeTwilioSigning.signature(url: url, parameters: pairs, authToken: authToken)
    }
    router.post("/twilio/voice") { request, _ -> Response in
        var request = request
        let authority = request.head.authority ?? "127.0.0.1"
        let (pairs, signature) = try await form(&request)
        await log.voice(
            Dictionary(pairs, uniquingKeysWith: { a, _ in a }), valid: valid("http://\(authority)/twilio/voice", pairs, signature))
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Response><Connect><Stream url="\(streamURL(authority))"><Parameter name="session" value="s-1"/></Stream></Connect></Response>
            """
        return Response(status: .ok, headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: xml)))
    }
    router.post("/twilio/status") { request, _ -> Response in
        var request = request
        let authority = request.head.authority ?? "127.0.0.1"
        let (pairs, signature) = try await form(&request)
        await log.status(
            Dictionary(pairs, uniquingKeysWith: { a, _ in a }), valid: valid("http://\(authority)/twilio/status", pairs, signature))
        return Response(status: .noContent)
    }
    router.ws("/twilio/media") { request, _ in
        let signature = request.headers.first { $0.name.canonicalName == "x-twilio-signature" }?.value
        let authority = request.head.authority ?? "127.0.0.1"
        await log.socketSignature(valid("wss://\(authority)/twilio/media", [], signature))
        return .upgrade()
    } onUpgrade: { inbound, outbound, _ in
        try await bot(BotConnection(inbound: inbound, outbound: outbound, log: log))
    }
    let app = Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: router),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in ports.continuation.yield(channel.localAddress?.port ?? 0) }
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

/// Parsed socket messages the stub received, in order.
func parsedMessages(_ log: StubLog) async -> [[String: Any]] {
    await log.socketMessages.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}
