import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import ProviderFakes
import WSClient

/// A lightweight phone that dials exactly as Twilio does — signed voice webhook, TwiML
/// `<Connect><Stream>`, the Media Streams WebSocket with `X-Twilio-Signature`, `connected`/`start`/`media`
/// every 20 ms/`mark` echoes/`stop`, a real-time playback buffer with `clear` — with one loop per call,
/// driven by the shared ticker, and stamped frames.
struct BenchTwilioPhone: Sendable {
    let index: Int
    let plan: BenchCallerPlan
    let context: BenchPhoneContext

    /// Places the call; returns whether it completed (ended by the carrier hangup after the goodbye).
    func run(salt: UInt64) async -> Bool {
        let callSid = BenchPhoneContext.id("CA", index, salt: salt)
        let streamSid = BenchPhoneContext.id("MZ", index, salt: salt)
        let (inputs, inbox) = AsyncStream.makeStream(of: BenchPhoneInput.self)
        context.calls.register(callSid: callSid, call: index, inbox: inbox)
        defer { context.calls.remove(callSid: callSid) }
        let outcome = LockedValue(BenchPhoneSession<BenchTwilioDialect>.Result())
        do {
            let stream = try await postVoiceWebhook(callSid: callSid)
            var parameters: [String: String] = [:]
            for parameter in stream.parameters { parameters[parameter.name] = parameter.value }
            var headers = HTTPFields()
            if let name = HTTPField.Name("X-Twilio-Signature") {
                headers[name] = FakeTwilioSigning.signature(url: stream.url, parameters: [], authToken: context.authToken)
            }
            let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers, closeTimeout: .seconds(2))
            let url = BenchPhoneContext.loopbackURL(stream.url)
            let dialect = BenchTwilioDialect(accountSid: context.accountSid, callSid: callSid, streamSid: streamSid, parameters: parameters)
            let session = BenchPhoneSession(index: index, dialect: dialect, plan: plan, context: context)
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
