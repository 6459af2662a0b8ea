import AsyncHTTPClient
import HTTPTypes
import Foundation
import Logging
import NIOCore
import ProviderFakes
import WSClient

/// An input of one load phone's loop.
enum BenchPhoneInput: Sendable {
    case tick
    case message(String)
    case hangup
    case closed
}

/// What every load phone shares.
struct BenchPhoneContext: Sendable {
    let serverURL: String
    let accountSid: String
    let authToken: String
    let collector: BenchCollector
    let ticker: BenchTicker
    let calls: BenchCallTable
    let httpClient: HTTPClient
    let frames: BenchFrames
    let maxCallDuration: Duration
    let logger: Logger
}

/// Pre-rendered caller audio: the base64 of bytes 15…159 of a loud and a silent 20 ms frame; a frame is
/// its 20-character stamp followed by one of them.
struct BenchFrames: Sendable {
    let speechTail: String
    let silenceTail: String

    init() {
        let tone = MuLaw.tone(milliseconds: 20, amplitude: 8000)
        speechTail = String(decoding: Base64Lite.encode(tone[FrameStamp.byteCount...]), as: UTF8.self)
        silenceTail = String(decoding: Base64Lite.encode(MuLaw.silence(milliseconds: 20)[FrameStamp.byteCount...]), as: UTF8.self)
    }
}

/// A lightweight phone that dials exactly as Twilio does — signed voice webhook, TwiML
/// `<Connect><Stream>`, the Media Streams WebSocket with `X-Twilio-Signature`, `connected`/`start`/`media`
/// every 20 ms/`mark` echoes/`stop`, a real-time playback buffer with `clear` — with one loop per call,
/// driven by the shared ticker, and stamped frames.
struct BenchPhone: Sendable {
    let index: Int
    let plan: BenchCallerPlan
    let context: BenchPhoneContext

    static func sid(_ prefix: String, _ index: Int, salt: UInt64) -> String {
        prefix + String(format: "%016llx%016llx", salt, UInt64(index))
    }

    /// Places the call; returns whether it completed (ended by the carrier hangup after the goodbye).
    func run(salt: UInt64) async -> Bool {
        let callSid = Self.sid("CA", index, salt: salt)
        let streamSid = Self.sid("MZ", index, salt: salt)
        let (inputs, inbox) = AsyncStream.makeStream(of: BenchPhoneInput.self)
        context.calls.register(callSid: callSid, call: index, inbox: inbox)
        defer { context.calls.remove(callSid: callSid) }
        let outcome = LockedValue(BenchPhoneSession.Result())
        do {
            let stream = try await postVoiceWebhook(callSid: callSid)
            var parameters: [String: String] = [:]
            for parameter in stream.parameters { parameters[parameter.name] = parameter.value }
            var headers = HTTPFields()
            if let name = HTTPField.Name("X-Twilio-Signature") {
                headers[name] = FakeTwilioSigning.signature(url: stream.url, parameters: [], authToken: context.authToken)
            }
            let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers, closeTimeout: .seconds(2))
            let url = Self.loopbackURL(stream.url)
            let session = BenchPhoneSession(
                index: index, callSid: callSid, streamSid: streamSid, parameters: parameters, plan: plan, context: context)
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: context.logger) { inbound, outbound, _ in
                let result = await session.run(inbound: inbound, outbound: outbound, inputs: inputs, inbox: inbox)
                outcome.withLock { $0 = result }
            }
        } catch {
            context.logger.debug("bench call \(index) failed: \(error)")
        }
        context.ticker.unsubscribe(call: index)
        let result = outcome.value
        context.collector.callEnded(call: index, completed: result.completed, cutoff: result.cutoff)
        await postStatusCallback(callSid: callSid)
        return result.completed
    }

    /// `wss://127.0.0.1:…` on loopback is dialled as plain `ws://`.
    static func loopbackURL(_ url: String) -> String {
        url.hasPrefix("wss://") ? "ws://" + url.dropFirst("wss://".count) : url
    }

    private func webhookParameters(callSid: String, status: String) -> [(String, String)] {
        [
            ("AccountSid", context.accountSid), ("ApiVersion", "2010-04-01"), ("CallSid", callSid), ("CallStatus", status),
            ("Called", "+15550000001"), ("Caller", "+15550000002"), ("Direction", "inbound"), ("From", "+15550000002"),
            ("To", "+15550000001"),
        ]
    }

    private func post(path: String, parameters: [(String, String)]) async throws -> (Int, String) {
        let url = context.serverURL + path
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(
            name: "X-Twilio-Signature", value: FakeTwilioSigning.signature(url: url, parameters: parameters, authToken: context.authToken))
        request.body = .bytes(ByteBuffer(string: FakeTwilioForm.encode(parameters)))
        let response = try await context.httpClient.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1 << 16)
        return (Int(response.status.code), String(buffer: body))
    }

    private func postVoiceWebhook(callSid: String) async throws -> FakeTwiMLStream {
        let (status, body) = try await post(path: "/twilio/voice", parameters: webhookParameters(callSid: callSid, status: "ringing"))
        guard status == 200 else { throw BenchError("voice webhook answered \(status): \(body.prefix(200))") }
        return try FakeTwiMLParser.parseConnectStream(body)
    }

    private func postStatusCallback(callSid: String) async {
        _ = try? await post(path: "/twilio/status", parameters: webhookParameters(callSid: callSid, status: "completed"))
    }
}

/// A bench failure with a message.
public struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    /// An error with a message.
    public init(_ description: String) { self.description = description }
}
