import Foundation
import Hummingbird
import Logging
import NIOCore
import ProviderFakes

/// Twilio's call-update REST endpoint (`POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`,
/// HTTP Basic auth, form body) for the bench: a hangup (`Status=completed`) is timed on arrival and
/// handed to the call's phone, which then ends the stream as Twilio does. Lighter than
/// `FakeTwilioREST` (no request log), and it stamps the hangup on the bench clock.
struct BenchTwilioREST: Sendable {
    let accountSid: String
    let authToken: String
    let calls: BenchCallTable
    let collector: BenchCollector
    let logger: Logger

    func run(port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        try await FakeHTTPServer.run(post: "/2010-04-01/Accounts/:accountSid/Calls/:callFile", port: port, backlog: 1024, logger: logger, onRunning: onRunning) { request, context in
            try await handle(request, context: context)
        }
    }

    private func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let now = collector.clock.micros()
        let expected = "Basic " + Data("\(accountSid):\(authToken)".utf8).base64EncodedString()
        guard request.headers[.authorization] == expected else {
            return FakeHTTPServer.json(401, #"{"code":20003,"message":"Authenticate","status":401}"#)
        }
        let file = context.parameters.get("callFile") ?? ""
        guard context.parameters.get("accountSid") == accountSid, file.hasSuffix(".json") else {
            return FakeHTTPServer.json(404, #"{"code":20404,"message":"The requested resource was not found","status":404}"#)
        }
        let callSid = String(file.dropLast(5))
        var request = request
        let body = try await request.collectBody(upTo: 1 << 16)
        let form = FakeTwilioForm.decode(String(buffer: body)) ?? []
        guard form.contains(where: { $0.0 == "Status" && $0.1 == "completed" }) else {
            return FakeHTTPServer.json(400, #"{"code":20001,"message":"bench fake supports Status=completed only","status":400}"#)
        }
        guard let live = calls.lookup(callSid: callSid) else {
            return FakeHTTPServer.json(404, #"{"code":20404,"message":"The requested resource was not found","status":404}"#)
        }
        collector.hangupRequested(call: live.call, at: now)
        live.inbox.yield(.hangup)
        return FakeHTTPServer.json(200, #"{"sid":"\#(callSid)","account_sid":"\#(accountSid)","status":"completed"}"#)
    }
}
