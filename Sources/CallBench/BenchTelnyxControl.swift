import Foundation
import Hummingbird
import Logging
import NIOCore
import ProviderFakes

/// Telnyx Call Control for the bench (`POST /v2/calls/{call_control_id}/actions/{action}`, Bearer auth,
/// JSON body with `command_id`; telephony.md §4.3): `answer`, `streaming_start` and `hangup` are handed to
/// the call's phone, which sends the webhooks and opens the stream as Telnyx does. A hangup is timed on
/// arrival. After the call has ended every command is 422 / 90018, as on Telnyx.
struct BenchTelnyxControl: Sendable {
    let apiKey: String
    let calls: BenchCallTable
    let collector: BenchCollector
    let logger: Logger

    func run(port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        try await FakeHTTPServer.run(post: "/v2/calls/:callControlId/actions/:action", port: port, backlog: 1024, logger: logger, onRunning: onRunning) { request, context in
            try await handle(request, context: context)
        }
    }

    private func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let now = collector.clock.micros()
        guard request.headers[.authorization] == "Bearer \(apiKey)" else {
            return Self.error(401, code: "10009", title: "Authentication failed", detail: "The API key is invalid.")
        }
        let id = context.parameters.get("callControlId")?.removingPercentEncoding ?? ""
        let action = context.parameters.get("action") ?? ""
        var request = request
        let body = try await request.collectBody(upTo: 1 << 16)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else {
            return Self.error(400, code: "10015", title: "Invalid JSON", detail: "The request body is not a JSON object.")
        }
        guard let entry = calls.lookup(callSid: id), let commands = entry.commands else {
            return Self.error(422, code: "90018", title: "Call has already ended", detail: "This call is no longer active and can't receive commands.")
        }
        let clientState = object["client_state"] as? String
        switch action {
        case "answer":
            commands.yield(.answer(clientState: clientState))
        case "streaming_start":
            guard let url = object["stream_url"] as? String, url.hasPrefix("ws://") || url.hasPrefix("wss://") else {
                return Self.error(422, code: "10005", title: "Invalid parameter", detail: "stream_url must be a ws:// or wss:// URL.")
            }
            var parameters: [String: String] = [:]
            for parameter in object["custom_parameters"] as? [[String: Any]] ?? [] {
                if let name = parameter["name"] as? String, let value = parameter["value"] as? String { parameters[name] = value }
            }
            commands.yield(
                .streamingStart(
                    BenchTelnyxStreamRequest(
                        streamURL: url, authToken: object["stream_auth_token"] as? String, parameters: parameters, clientState: clientState)))
        case "hangup":
            collector.hangupRequested(call: entry.call, at: now)
            commands.yield(.hangup)
            entry.inbox.yield(.hangup)
        default:
            return Self.error(422, code: "10005", title: "Unsupported action", detail: "The bench supports answer, streaming_start and hangup.")
        }
        return FakeHTTPServer.json(200, #"{"data":{"result":"ok"}}"#)
    }

    static func error(_ status: Int, code: String, title: String, detail: String) -> Response {
        FakeHTTPServer.json(status, #"{"errors":[{"code":"\#(code)","title":"\#(title)","detail":"\#(detail)"}]}"#)
    }
}
