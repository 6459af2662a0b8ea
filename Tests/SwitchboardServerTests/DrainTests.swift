import AsyncHTTPClient
import CallStore
import Foundation
import NIOCore
import Logging
import ProviderFakes
import Testing

extension EndToEnd {
    /// SIGTERM: no new calls are admitted, the live call runs on until the drain bound, then it is ended
    /// politely (a goodbye, then the hangup) and the process exits cleanly.
    @Suite struct DrainTests {
        @Test(.timeLimit(.minutes(3))) func sigtermDrainsLiveCallsPolitely() async throws {
            let binary = try ServerProcess.binaryPath()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-drain-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let database = "sqlite:\(directory.appendingPathComponent("calls.sqlite").path)"
            let port = try LoopbackPort.free()
            let server = try ServerProcess.start(
                binary: binary, port: port, database: database, logDirectory: directory, extraEnvironment: ["SWITCHBOARD_DRAIN_SECONDS": "2"])
            defer { server.kill() }
            try await server.waitUntilHealthy()
            let base = "http://127.0.0.1:\(port)"

            let phone = FakeTwilioPhone(configuration: FakeTwilioPhoneConfiguration(
                serverURL: base, script: CallerScript([.waitForBot(), .silence(milliseconds: 60_000)]), maxDuration: .seconds(70)))
            let result: FakeCallResult = try await withThrowingTaskGroup(of: FakeCallResult?.self) { group in
                group.addTask { try await phone.dial() }
                group.addTask {
                    // Once the call is live, ask the server to stop.
                    for _ in 0..<100 {
                        let health = try await Self.get(base + "/healthz")
                        if health.body.contains("\"live_calls\":1") { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    kill(server.process.processIdentifier, SIGTERM)
                    // Draining: a new call is turned away, the live one goes on.
                    var rejected = false
                    for _ in 0..<50 {
                        let health = try await Self.get(base + "/healthz")
                        if health.body.contains("\"draining\":true") {
                            let answer = try await Self.postVoiceWebhook(base)
                            rejected = answer.contains("<Reject")
                            break
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(rejected, "a new call during the drain is rejected")
                    return nil
                }
                var phoneResult: FakeCallResult?
                while let next = try await group.next() {
                    if let next { phoneResult = next }
                }
                return try #require(phoneResult)
            }

            #expect(result.endReason == .serverClosedSocket, "\(result)")
            #expect(result.violations.isEmpty, "\(result.violations)")
            // The goodbye was played to the caller before the line closed.
            #expect(result.botAudioMillisecondsPlayed > 1_000)
            // The process exits by itself: cleanly, or when the bounded graceful shutdown escalates.
            #expect(await server.waitForExit(timeout: .seconds(45)) != nil, "the server exits after draining")

            let store = try await makeCallStore(url: database, logger: Logger(label: "drain-test"))
            let page = try await store.listCalls(state: .all, limit: 5, before: nil)
            try await store.close()
            #expect(page.calls.count == 1)
            #expect(page.calls.first?.endReason == "server_shutdown")
            #expect(page.calls.first?.finalizedAt != nil)
        }

        static func get(_ url: String) async throws -> (status: Int, body: String) {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Connection", value: "close")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(2))
            let body = try await response.body.collect(upTo: 1 << 16)
            return (Int(response.status.code), String(buffer: body))
        }

        static func postVoiceWebhook(_ base: String) async throws -> String {
            var request = HTTPClientRequest(url: base + "/twilio/voice")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Connection", value: "close")
            request.body = .bytes(ByteBuffer(string: "CallSid=CA11111111111111111111111111111111&AccountSid=AC00000000000000000000000000000000&From=%2B15550001&To=%2B15550002&CallStatus=ringing&Direction=inbound&ApiVersion=2010-04-01"))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(2))
            return String(buffer: try await response.body.collect(upTo: 1 << 16))
        }
    }
}
