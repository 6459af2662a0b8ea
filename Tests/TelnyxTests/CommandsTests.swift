import AsyncHTTPClient
import Foundation
import Testing
import LoopbackTestSupport

@testable import Telnyx

@Suite struct CommandsTests {
    static let callControlId = "v3:T02llQxIyaRkhfRK-_x"
    static let ok = #"{"data":{"result":"ok"}}"#
    static let ended = #"{"errors":[{"code":"90018","title":"Call has already ended","detail":"This call is no longer active and can't receive commands."}]}"#
    static let commandId = UUID(uuidString: "6F0E0000-1111-2222-3333-444455556666") ?? UUID()

    private func client(_ baseURL: String, attempts: Int = 3, timeout: Duration = .seconds(5)) -> TelnyxCallControlClient {
        TelnyxCallControlClient(
            httpClient: .shared,
            configuration: TelnyxCallControlConfiguration(
                apiKey: "KEY-secret", baseURL: baseURL, requestTimeout: timeout,
                retry: TelnyxRetryPolicy(maxAttempts: attempts, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40))))
    }

    private func withServer(_ replies: [TelnyxLocalHTTPServer.Reply], _ body: (TelnyxLocalHTTPServer) async throws -> Void) async throws {
        let server = try await TelnyxLocalHTTPServer.start(replies: replies)
        do {
            try await body(server)
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    private func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func answerWithBidirectionalStream() async throws {
        try await withServer([.respond(status: 200, body: Self.ok)]) { server in
            let result = await client(server.baseURL).answer(
                callControlId: Self.callControlId,
                stream: TelnyxStreamOptions(streamURL: "wss://example.com/telnyx/media"),
                clientState: #"{"s":"7f1c"}"#, commandId: Self.commandId)
            #expect(result == .done)
            let request = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(request.method == "POST")
            #expect(request.uri == "/v2/calls/v3:T02llQxIyaRkhfRK-_x/actions/answer")
            #expect(request.headers["authorization"] == "Bearer KEY-secret")
            #expect(request.headers["content-type"] == "application/json")
            let body = try json(request.body)
            #expect(body.count == 6)
            #expect(body["client_state"] as? String == "eyJzIjoiN2YxYyJ9")
            #expect(body["command_id"] as? String == "6f0e0000-1111-2222-3333-444455556666")
            #expect(body["stream_url"] as? String == "wss://example.com/telnyx/media")
            #expect(body["stream_track"] as? String == "inbound_track")
            #expect(body["stream_bidirectional_mode"] as? String == "rtp")
            #expect(body["stream_bidirectional_codec"] as? String == "PCMU")
        }
    }

    @Test func plainAnswerHasOnlyCommandId() async throws {
        try await withServer([.respond(status: 200, body: Self.ok)]) { server in
            #expect(await client(server.baseURL + "/").answer(callControlId: "v2:abc", commandId: Self.commandId) == .done)
            let request = try #require(server.requests.first)
            #expect(request.uri == "/v2/calls/v2:abc/actions/answer")
            let body = try json(request.body)
            #expect(Set(body.keys) == ["command_id"])
        }
    }

    @Test func streamingStartFields() async throws {
        let options = TelnyxStreamOptions(
            streamURL: "wss://example.com/telnyx/media", track: "both_tracks", bidirectionalSamplingRate: 16000,
            authToken: "tok", customParameters: [TelnyxCustomParameter(name: "session", value: "7f1c")])
        try await withServer([.respond(status: 200, body: Self.ok)]) { server in
            #expect(await client(server.baseURL).startStreaming(callControlId: Self.callControlId, stream: options) == .done)
            let request = try #require(server.requests.first)
            #expect(request.uri.hasSuffix("/actions/streaming_start"))
            let body = try json(request.body)
            #expect(body["stream_url"] as? String == "wss://example.com/telnyx/media")
            #expect(body["stream_track"] as? String == "both_tracks")
            #expect(body["stream_bidirectional_mode"] as? String == "rtp")
            #expect(body["stream_bidirectional_codec"] as? String == "PCMU")
            #expect(body["stream_bidirectional_sampling_rate"] as? Int == 16000)
            #expect(body["stream_auth_token"] as? String == "tok")
            #expect(body["client_state"] == nil)
            let parameters = try #require(body["custom_parameters"] as? [[String: String]])
            #expect(parameters == [["name": "session", "value": "7f1c"]])
            let commandId = try #require(body["command_id"] as? String)
            #expect(UUID(uuidString: commandId) != nil)
        }
    }

    @Test func hangUpAndTransferBodies() async throws {
        try await withServer([.respond(status: 200, body: Self.ok), .respond(status: 200, body: Self.ok)]) { server in
            let telnyx = client(server.baseURL)
            #expect(await telnyx.transfer(callControlId: Self.callControlId, to: "+15557654321", from: "+15550001111", timeoutSeconds: 20) == .done)
            #expect(await telnyx.hangUp(callControlId: Self.callControlId, commandId: Self.commandId) == .done)
            #expect(server.requests.count == 2)
            let transfer = try json(server.requests[0].body)
            #expect(server.requests[0].uri.hasSuffix("/actions/transfer"))
            #expect(transfer["to"] as? String == "+15557654321")
            #expect(transfer["from"] as? String == "+15550001111")
            #expect(transfer["timeout_secs"] as? Int == 20)
            let hangup = try json(server.requests[1].body)
            #expect(server.requests[1].uri == "/v2/calls/v3:T02llQxIyaRkhfRK-_x/actions/hangup")
            #expect(hangup.count == 1)
            #expect(hangup["command_id"] as? String == "6f0e0000-1111-2222-3333-444455556666")
        }
    }

    @Test func invalidTransferIsRejectedLocally() async throws {
        try await withServer([]) { server in
            let telnyx = client(server.baseURL)
            guard case .failed(nil, nil, _) = await telnyx.transfer(callControlId: Self.callControlId, to: "") else {
                Issue.record("empty target accepted")
                return
            }
            guard case .failed(nil, nil, _) = await telnyx.transfer(callControlId: Self.callControlId, to: "+1555", timeoutSeconds: 4) else {
                Issue.record("timeout 4 accepted")
                return
            }
            guard case .failed(nil, nil, _) = await telnyx.hangUp(callControlId: "") else {
                Issue.record("empty id accepted")
                return
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test func callIdIsPercentEncoded() async throws {
        try await withServer([.respond(status: 200, body: Self.ok)]) { server in
            #expect(await client(server.baseURL).hangUp(callControlId: "v3:a/b?c d") == .done)
            #expect(server.requests.first?.uri == "/v2/calls/v3:a%2Fb%3Fc%20d/actions/hangup")
        }
    }

    @Test func alreadyEnded90018() async throws {
        try await withServer([.respond(status: 422, body: Self.ended)]) { server in
            #expect(await client(server.baseURL).hangUp(callControlId: Self.callControlId) == .callEnded)
            #expect(server.requests.count == 1)
        }
    }

    @Test func other422IsFailedNotRetried() async throws {
        let body = #"{"errors":[{"code":"90015","title":"Invalid parameter","detail":"to is invalid","source":{"pointer":"/to"}}]}"#
        try await withServer([.respond(status: 422, body: body)]) { server in
            let result = await client(server.baseURL).transfer(callControlId: Self.callControlId, to: "+1")
            #expect(result == .failed(status: 422, code: "90015", detail: "to is invalid"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func code90018WithOtherStatusIsNotCallEnded() async throws {
        try await withServer([.respond(status: 400, body: Self.ended)]) { server in
            let result = await client(server.baseURL).hangUp(callControlId: Self.callControlId)
            #expect(result == .failed(status: 400, code: "90018", detail: "This call is no longer active and can't receive commands."))
        }
    }

    @Test func unauthorizedIsNotRetried() async throws {
        try await withServer([.respond(status: 401, body: #"{"errors":[{"code":"10009","title":"Authentication failed"}]}"#)]) { server in
            #expect(await client(server.baseURL).hangUp(callControlId: Self.callControlId) == .failed(status: 401, code: "10009", detail: "Authentication failed"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func serverErrorsRetriedWithSameCommandId() async throws {
        let unavailable = TelnyxLocalHTTPServer.Reply.respond(status: 503, body: "Service Unavailable")
        try await withServer([unavailable, unavailable, .respond(status: 200, body: Self.ok)]) { server in
            #expect(await client(server.baseURL).hangUp(callControlId: Self.callControlId) == .done)
            #expect(server.requests.count == 3)
            let ids = try server.requests.map { try json($0.body)["command_id"] as? String }
            #expect(Set(ids).count == 1)
            #expect(ids.first??.isEmpty == false)
        }
    }

    @Test func retriesAreBounded() async throws {
        let error = TelnyxLocalHTTPServer.Reply.respond(status: 500, body: #"{"errors":[{"code":"10007","title":"Unexpected error"}]}"#)
        try await withServer([error, error, error, error]) { server in
            let result = await client(server.baseURL, attempts: 2).hangUp(callControlId: Self.callControlId)
            guard case .failed(500, "10007", _) = result else {
                Issue.record("unexpected \(result)")
                return
            }
            #expect(server.requests.count == 2)
        }
    }

    @Test func timeoutThenSuccess() async throws {
        try await withServer([.silence, .respond(status: 200, body: Self.ok)]) { server in
            let result = await client(server.baseURL, timeout: .seconds(1)).hangUp(callControlId: Self.callControlId, commandId: Self.commandId)
            #expect(result == .done)
            #expect(server.requests.count == 2)
            #expect(server.requests.allSatisfy { $0.body.contains("6f0e0000-1111-2222-3333-444455556666") })
        }
    }

    @Test func connectionRefusedFailsAfterAttempts() async throws {
        // Bound, never listening: refused, and not taken over by a parallel test's server.
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let result = await client("http://127.0.0.1:\(refusing.port)", attempts: 2, timeout: .milliseconds(500)).hangUp(callControlId: Self.callControlId)
        guard case .failed(nil, nil, _) = result else {
            Issue.record("unexpected \(result)")
            return
        }
    }

    @Test func backoffDoublesAndCaps() {
        let policy = TelnyxRetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(300))
        #expect(policy.backoff(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 3) == .milliseconds(300))
        #expect(TelnyxRetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test func configurationRedactsKey() {
        let text = String(describing: TelnyxCallControlConfiguration(apiKey: "KEY-secret"))
        #expect(!text.contains("KEY-secret"))
        #expect(text.contains("https://api.telnyx.com"))
    }
}
