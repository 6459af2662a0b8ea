import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import ProviderFakes

/// POSTs a Call Control command; returns the status and the parsed body.
func telnyxCommand(
    _ apiURL: String, _ callControlId: String, _ action: String, body: String = "{}", apiKey: String? = "KEY_test"
) async throws -> (status: Int, json: FakeTelnyxJSON?) {
    let id = callControlId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? callControlId
    var request = HTTPClientRequest(url: "\(apiURL)/v2/calls/\(id)/actions/\(action)")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let buffer = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), FakeTelnyxJSON.parse(Array(buffer.readableBytesView)))
}

/// The first error's code of a Telnyx `{"errors":[…]}` body.
func telnyxErrorCode(_ json: FakeTelnyxJSON?) -> String? {
    guard case .array(let errors)? = json?["errors"] else { return nil }
    return errors.first?["code"]?.stringValue
}

@Suite struct FakeTelnyxRESTTests {
    static let ok = FakeTelnyxJSON.object(["data": .object(["result": .string("ok")])])

    @Test func commandsAreAuthenticatedValidatedDedupedAndRefusedOnceEnded() async throws {
        let telnyx = try FakeTelnyx(apiKey: "KEY_test")
        let id = "v3:abc-DEF_123"
        let commands = await telnyx.registry.register(callControlId: id)
        try await telnyx.withRunningServer { api in
            // Auth.
            let noKey = try await telnyxCommand(api, id, "answer", apiKey: nil)
            #expect(noKey.status == 401 && telnyxErrorCode(noKey.json) == "10009")
            let wrongKey = try await telnyxCommand(api, id, "answer", apiKey: "KEY_other")
            #expect(wrongKey.status == 401)
            // Unknown call and unknown action.
            let unknown = try await telnyxCommand(api, "v3:nope", "answer")
            #expect(unknown.status == 404 && telnyxErrorCode(unknown.json) == "10005")
            let badAction = try await telnyxCommand(api, id, "speak")
            #expect(badAction.status == 404)
            // streaming_start before answer is refused; a malformed body is 400.
            let early = try await telnyxCommand(api, id, "streaming_start", body: #"{"stream_url":"wss://e.com/m"}"#)
            #expect(early.status == 422)
            let malformed = try await telnyxCommand(api, id, "answer", body: "{not json")
            #expect(malformed.status == 400)
            // Answer, then the same command_id again: 200 both times, executed once.
            let answer = try await telnyxCommand(api, id, "answer", body: #"{"command_id":"c-1","client_state":"YQ=="}"#)
            #expect(answer.status == 200 && answer.json == Self.ok)
            let again = try await telnyxCommand(api, id, "answer", body: #"{"command_id":"c-1"}"#)
            #expect(again.status == 200 && again.json == Self.ok)
            let second = try await telnyxCommand(api, id, "answer", body: #"{"command_id":"c-2"}"#)
            #expect(second.status == 422)
            // Validation.
            let codec = try await telnyxCommand(
                api, id, "streaming_start", body: #"{"stream_url":"wss://e.com/m","stream_bidirectional_codec":"PCMU"}"#)
            #expect(codec.status == 422 && telnyxErrorCode(codec.json) == "10015")
            let state = try await telnyxCommand(api, id, "hangup", body: #"{"client_state":"%%%"}"#)
            #expect(state.status == 422)
            let transfer = try await telnyxCommand(api, id, "transfer", body: "{}")
            #expect(transfer.status == 422 && telnyxErrorCode(transfer.json) == "10004")
            // Injected failures are not executed.
            await telnyx.failNextRequests(1)
            let failed = try await telnyxCommand(api, id, "hangup", body: #"{"command_id":"h-1"}"#)
            #expect(failed.status == 503 && telnyxErrorCode(failed.json) == "10007")
            #expect(await telnyx.registry.state(of: id) == .answered)
            // Hang up, then every command is 422/90018 with the exact body.
            let hangup = try await telnyxCommand(api, id, "hangup", body: #"{"command_id":"h-1"}"#)
            #expect(hangup.status == 200)
            #expect(await telnyx.registry.state(of: id) == .ended)
            for action in ["hangup", "streaming_start", "transfer", "answer"] {
                let late = try await telnyxCommand(api, id, action, body: #"{"command_id":"h-1"}"#)
                #expect(late.status == 422, "\(action)")
                #expect(late.json == FakeTelnyxJSON.parse(FakeTelnyxAPIError.callEnded.json), "\(action)")
            }
        }
        // What reached the phone: each executed command once, in order.
        var executed: [FakeTelnyxCommand] = []
        var duplicates = 0
        for await delivery in commands {
            if let command = delivery.command { executed.append(command) }
            if delivery.duplicate { duplicates += 1 }
        }
        #expect(executed == [.answer(stream: nil), .hangup])
        #expect(duplicates == 1)
        #expect(await telnyx.registry.clientState(of: id) == "YQ==")
        // The request log.
        let log = await telnyx.requests()
        #expect(log.count == 18)
        let dedupe = try #require(log.first { $0.commandId == "c-1" && $0.duplicate })
        #expect(dedupe.httpStatus == 200 && !dedupe.executed && dedupe.callControlId == id)
        let answered = try #require(log.first { $0.action == .answer && $0.executed })
        #expect(answered.fields["client_state"] == "YQ==")
        #expect(log.filter { $0.errorCode == "90018" }.count == 4)
    }

    @Test func responseDelayHoldsTheAnswerButNotTheExecution() async throws {
        let telnyx = try FakeTelnyx(apiKey: "KEY_test")
        let id = FakeTelnyxIDs.callControlId()
        #expect(id.hasPrefix("v3:"))
        let commands = await telnyx.registry.register(callControlId: id)
        await telnyx.setResponseDelay(.milliseconds(400), for: .answer)
        try await telnyx.withRunningServer { api in
            let started = ContinuousClock.now
            let answer = try await telnyxCommand(api, id, "answer", body: "{}")
            #expect(answer.status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(400))
            let hangup = try await telnyxCommand(api, id, "hangup")
            #expect(hangup.status == 200)
        }
        var actions: [FakeTelnyxAction] = []
        for await delivery in commands { actions.append(delivery.action) }
        #expect(actions == [.answer, .hangup])
    }
}
