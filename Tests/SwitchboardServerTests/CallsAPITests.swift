import AsyncHTTPClient
import Foundation
import Logging
import ProviderFakes
import SwitchboardServer
import Testing

/// The read API: `/calls` and `/calls/{id}` behind `SWITCHBOARD_API_TOKEN`, after a real call through
/// the offline server (local agent, no Twilio credentials).
extension EndToEnd {
@Suite struct CallsAPITests {
    @Test(.timeLimit(.minutes(1))) func listsAndShowsCallsBehindTheBearerToken() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ServerConfiguration.endToEnd(databasePath: directory.appendingPathComponent("api.sqlite").path)
        configuration.agentKind = "local"
        configuration.apiToken = "secret-token"

        try await withRunningServer(configuration, logger: Logger(label: "api-test")) { base in
            let phone = FakeTwilioPhone(configuration: FakeTwilioPhoneConfiguration(
                serverURL: base, script: CallerScript([.waitForBot(), .hangUp]), maxDuration: .seconds(30)))
            let result = try await phone.dial()
            let callID = try #require(result.customParameters["switchboard_call_id"])

            #expect(try await get(base + "/calls", token: nil).status == 401)
            #expect(try await get(base + "/calls", token: "wrong").status == 401)
            #expect(try await get(base + "/calls/\(callID)", token: nil).status == 401)

            var listed = try await get(base + "/calls?state=all&limit=10", token: "secret-token")
            for _ in 0..<50 where !listed.body.contains("\"finalized_at\"") {
                try await Task.sleep(for: .milliseconds(100))
                listed = try await get(base + "/calls?state=all&limit=10", token: "secret-token")
            }
            #expect(listed.status == 200)
            #expect(listed.body.contains(callID))

            let shown = try await get(base + "/calls/\(callID)", token: "secret-token")
            #expect(shown.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.body.utf8)) as? [String: Any])
            let call = try #require(object["call"] as? [String: Any])
            #expect(call["end_reason"] as? String == "caller_hangup")
            let messages = try #require(object["messages"] as? [[String: Any]])
            #expect(messages.contains { $0["role"] as? String == "agent" })
            let timeline = try #require(object["timeline"] as? [[String: Any]])
            #expect(timeline.contains { $0["kind"] as? String == "stream.started" })

            #expect(try await get(base + "/calls/no-such-call", token: "secret-token").status == 404)
            #expect(try await get(base + "/healthz", token: nil).status == 200)
        }
    }

    func get(_ url: String, token: String?) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}}

