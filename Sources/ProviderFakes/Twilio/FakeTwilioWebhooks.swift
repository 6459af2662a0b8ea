import AsyncHTTPClient
import Foundation
import Hummingbird

/// The HTTP requests Twilio makes to the server for one call: the voice webhook and the status callback,
/// form-encoded and signed over the public URL.
struct FakeTwilioWebhooks: Sendable {
    let configuration: FakeTwilioPhoneConfiguration
    let callSid: String
    let httpClient: HTTPClient
    let started: ContinuousClock.Instant

    private func url(base: String, path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// POSTs the voice webhook and parses the TwiML answer.
    func postVoiceWebhook() async throws -> FakeTwiMLStream {
        let params: [(String, String)] = [
            ("AccountSid", configuration.accountSid),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", callSid),
            ("CallStatus", "ringing"),
            ("Called", configuration.to),
            ("Caller", configuration.from),
            ("Direction", "inbound"),
            ("From", configuration.from),
            ("FromCountry", "US"),
            ("To", configuration.to),
            ("ToCountry", "US"),
        ]
        let (status, contentType, body) = try await post(path: configuration.voicePath, params: params)
        guard status == 200 else { throw FakeTwilioPhoneError.webhookStatus(status, body: body) }
        let type = contentType?.lowercased() ?? ""
        guard type.hasPrefix("text/xml") || type.hasPrefix("application/xml") else {
            throw FakeTwilioPhoneError.webhookNotXML(contentType: contentType)
        }
        do {
            return try FakeTwiMLParser.parseConnectStream(body)
        } catch {
            throw FakeTwilioPhoneError.invalidTwiML(error)
        }
    }

    /// POSTs the `completed` status callback; returns the HTTP status, nil if the request failed.
    func postCompleted() async -> Int? {
        let elapsed = ContinuousClock.now - started
        let seconds = Int(elapsed.components.seconds)
        let params: [(String, String)] = [
            ("AccountSid", configuration.accountSid),
            ("ApiVersion", "2010-04-01"),
            ("CallDuration", String(seconds)),
            ("CallSid", callSid),
            ("CallStatus", "completed"),
            ("CallbackSource", "call-progress-events"),
            ("Called", configuration.to),
            ("Caller", configuration.from),
            ("Direction", "inbound"),
            ("Duration", String(max(1, (seconds + 59) / 60))),
            ("From", configuration.from),
            ("SequenceNumber", "0"),
            ("Timestamp", FakeTwilioDates.rfc2822(Date())),
            ("To", configuration.to),
        ]
        return try? await post(path: configuration.statusPath, params: params).status
    }

    private func post(path: String, params: [(String, String)]) async throws -> (status: Int, contentType: String?, body: String) {
        var request = HTTPClientRequest(url: url(base: configuration.serverURL, path: path))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1")
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: UUID().uuidString.lowercased())
        if let token = configuration.authToken {
            let signed = url(base: configuration.publicURL ?? configuration.serverURL, path: path)
            request.headers.add(
                name: "X-Twilio-Signature", value: FakeTwilioSigning.signature(url: signed, parameters: params, authToken: token))
        }
        request.body = .bytes(ByteBuffer(string: FakeTwilioForm.encode(params)))
        let response = try await httpClient.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        let body = String(decoding: buffer.readableBytesView, as: UTF8.self)
        return (Int(response.status.code), response.headers.first(name: "Content-Type"), body)
    }
}
