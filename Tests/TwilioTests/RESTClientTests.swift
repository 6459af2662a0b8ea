import AsyncHTTPClient
import Foundation
import LoopbackTestSupport
import Testing

@testable import Twilio

@Suite struct RESTClientTests {
    static let accountSid = "AC0123456789abcdef0123456789abcdef"
    static let callSid = "CA0123456789abcdef0123456789abcdef"
    static let path = "/2010-04-01/Accounts/\(accountSid)/Calls/\(callSid).json"
    static let ok = #"{"sid":"\#(callSid)","status":"completed"}"#
    static let notFound = #"{"code": 20404, "message": "The requested resource was not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}"#
    static let notInProgress = #"{"code": 21220, "message": "Call is not in-progress. Cannot redirect.", "more_info": "https://www.twilio.com/docs/errors/21220", "status": 400}"#

    private func client(_ baseURL: String, attempts: Int = 3, timeout: Duration = .seconds(5)) -> TwilioRESTClient {
        TwilioRESTClient(
            httpClient: .shared,
            configuration: TwilioRESTConfiguration(
                accountSid: Self.accountSid, authToken: "secret-token", baseURL: baseURL, requestTimeout: timeout,
                retry: TwilioRetryPolicy(maxAttempts: attempts, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40))))
    }

    private func withServer(_ replies: [LocalHTTPServer.Reply], _ body: (LocalHTTPServer) async throws -> Void) async throws {
        let server = try await LocalHTTPServer.start(replies: replies)
        do {
            try await body(server)
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test func hangUpDone() async throws {
        try await withServer([.respond(status: 200, body: Self.ok)]) { server in
            let result = await client(server.baseURL).hangUp(callSid: Self.callSid)
            #expect(result == .done)
            let request = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(request.method == "POST")
            #expect(request.uri == Self.path)
            let credentials = Data("\(Self.accountSid):secret-token".utf8).base64EncodedString()
            #expect(request.headers["authorization"] == "Basic \(credentials)")
            #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(try FormBody(parsing: request.body).fields == [FormField("Status", "completed")])
        }
    }

    @Test func transferSendsTwiml() async throws {
        let twiml = try TwiML.dial(number: "+15557654321", callerId: "+15550001111")
        try await withServer([.respond(status: 200, body: Self.ok)]) { server in
            #expect(await client(server.baseURL + "/").transfer(callSid: Self.callSid, twiml: twiml) == .done)
            let request = try #require(server.requests.first)
            #expect(request.uri == Self.path)
            #expect(try FormBody(parsing: request.body).fields == [FormField("Twiml", twiml)])
        }
    }

    @Test func notFound20404IsAlreadyEnded() async throws {
        try await withServer([.respond(status: 404, body: Self.notFound)]) { server in
            #expect(await client(server.baseURL).hangUp(callSid: Self.callSid) == .alreadyEnded)
            #expect(server.requests.count == 1)
        }
    }

    @Test func badRequest21220IsAlreadyEnded() async throws {
        try await withServer([.respond(status: 400, body: Self.notInProgress)]) { server in
            #expect(await client(server.baseURL).transfer(callSid: Self.callSid, twiml: "<Response/>") == .alreadyEnded)
            #expect(server.requests.count == 1)
        }
    }

    @Test func serviceUnavailableTwiceThenDone() async throws {
        let unavailable = LocalHTTPServer.Reply.respond(status: 503, body: #"{"code": 20503, "message": "Service unavailable"}"#)
        try await withServer([unavailable, unavailable, .respond(status: 200, body: Self.ok)]) { server in
            #expect(await client(server.baseURL).hangUp(callSid: Self.callSid) == .done)
            #expect(server.requests.count == 3)
            #expect(server.requests.allSatisfy { $0.body == "Status=completed" && $0.uri == Self.path })
        }
    }

    @Test func serverErrorsExhaustAttempts() async throws {
        let failure = LocalHTTPServer.Reply.respond(status: 500, body: "oops")
        try await withServer([failure, failure, failure, .respond(status: 200, body: Self.ok)]) { server in
            let result = await client(server.baseURL).hangUp(callSid: Self.callSid)
            guard case .failed(500, nil, _) = result else {
                Issue.record("expected failed(500), got \(result)")
                return
            }
            #expect(server.requests.count == 3)
        }
    }

    @Test func otherClientErrorFailsWithoutRetry() async throws {
        let body = #"{"code": 21201, "message": "No 'To' number is specified", "status": 400}"#
        try await withServer([.respond(status: 400, body: body), .respond(status: 200, body: Self.ok)]) { server in
            let result = await client(server.baseURL).hangUp(callSid: Self.callSid)
            #expect(result == .failed(status: 400, code: 21201, message: "No 'To' number is specified"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func notFoundWithoutTwilioCodeIsFailure() async throws {
        try await withServer([.respond(status: 404, body: "<html>nope</html>")]) { server in
            #expect(await client(server.baseURL).hangUp(callSid: Self.callSid) == .failed(status: 404, code: nil, message: "HTTP 404"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func timeoutIsRetriedThenFails() async throws {
        try await withServer([.silence, .silence]) { server in
            // 1 s, not less: under a loaded test run the second attempt's connect alone took over 200 ms, so the
            // server never saw its request.
            let result = await client(server.baseURL, attempts: 2, timeout: .seconds(1)).hangUp(callSid: Self.callSid)
            guard case .failed(nil, nil, _) = result else {
                Issue.record("expected failed without status, got \(result)")
                return
            }
            #expect(server.requests.count == 2)
        }
    }

    @Test func connectionRefusedIsRetriedThenFails() async throws {
        // A port bound but never listening refuses connections, and stays ours for the whole test (a closed
        // server's port was taken over by a parallel test's server, which answered 404).
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let result = await client("http://127.0.0.1:\(refusing.port)", attempts: 2, timeout: .milliseconds(500)).hangUp(callSid: Self.callSid)
        guard case .failed(nil, nil, let message) = result else {
            Issue.record("expected failed without status, got \(result)")
            return
        }
        #expect(message.contains("after 2 attempts"))
    }

    @Test func invalidCallSidIsRejectedWithoutRequest() async throws {
        try await withServer([.respond(status: 200, body: Self.ok)]) { server in
            let result = await client(server.baseURL).hangUp(callSid: "CA1/../../x")
            #expect(result == .failed(status: nil, code: nil, message: "invalid CallSid"))
            #expect(server.requests.isEmpty)
        }
    }

    @Test func oversizedTwimlIsRejectedWithoutRequest() async throws {
        try await withServer([.respond(status: 200, body: Self.ok)]) { server in
            let result = await client(server.baseURL).transfer(callSid: Self.callSid, twiml: String(repeating: "x", count: 4001))
            guard case .failed(nil, 32018, _) = result else {
                Issue.record("expected failed(32018), got \(result)")
                return
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test func backoffDoubles() {
        let policy = TwilioRetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(200), maxBackoff: .milliseconds(1000))
        #expect(policy.backoff(afterAttempt: 1) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 2) == .milliseconds(400))
        #expect(policy.backoff(afterAttempt: 3) == .milliseconds(800))
        #expect(policy.backoff(afterAttempt: 4) == .milliseconds(1000))
        #expect(TwilioRetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}

