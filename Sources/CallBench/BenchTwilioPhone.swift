import AsyncHTTPClient
import Foundation
import NIOCore
import ProviderFakes

/// A lightweight phone that dials exactly as Twilio does — signed voice webhook, TwiML
/// `<Connect><Stream>`, the Media Streams WebSocket with `X-Twilio-Signature`, `connected`/`start`/`media`
/// every 20 ms/`mark` echoes/`stop`, a real-time playback buffer with `clear` — its media stream a
/// ``BenchPhoneHandler`` on the socket's event loop, with stamped frames.
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
        var result = BenchPhoneHandler<BenchTwilioDialect>.Result()
        do {
            let stream = try await postVoiceWebhook(callSid: callSid)
            var parameters: [String: String] = [:]
            for parameter in stream.parameters { parameters[parameter.name] = parameter.value }
            let signature = FakeTwilioSigning.signature(url: stream.url, parameters: [], authToken: context.authToken)
            let dialect = BenchTwilioDialect(accountSid: context.accountSid, callSid: callSid, streamSid: streamSid, parameters: parameters)
            result = try await BenchMediaSocket.run(
                url: BenchPhoneContext.loopbackURL(stream.url), headers: [("X-Twilio-Signature", signature)], index: index, dialect: dialect,
                plan: plan, context: context, hangups: inputs)
        } catch {
            context.logger.debug("bench call \(index) failed: \(error)")
        }
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
