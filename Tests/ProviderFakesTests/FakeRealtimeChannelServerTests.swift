import AsyncHTTPClient
import HTTPTypes
import ProviderFakes
import Testing

/// The benchmark's fake agent: the same handshake rules and session machine as `FakeRealtimeServer`,
/// hosted on SwiftNIO directly.
@Suite("Fake OpenAI Realtime server on SwiftNIO")
struct FakeRealtimeChannelServerTests {
    /// Runs `server` for `body`, with the Realtime URL it serves.
    static func withRunning<T: Sendable>(
        _ server: FakeRealtimeChannelServer = FakeRealtimeChannelServer(), _ body: (_ port: Int, _ url: String) async throws -> T
    ) async throws -> T {
        try await FakeHTTPServer.withRunning("fake Realtime", server: { try await server.run(onRunning: $0) }) { port in
            try await body(port, server.realtimeURL(port: port))
        }
    }

    @Test func handshakeWithoutAuthorizationOrModelIsRefusedWithOpenAIsError() async throws {
        try await withDeadline {
            let server = FakeRealtimeChannelServer()
            try await Self.withRunning(server) { port, url in
                let plain = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/realtime?model=gpt-realtime")
                let response = try await HTTPClient.shared.execute(plain, timeout: .seconds(5))
                #expect(response.status.code == 401)
                let body = try await response.body.collect(upTo: 1 << 16)
                let json = try RealtimeJSON.parse(String(buffer: body))
                #expect(json["error"]?["type"]?.stringValue == "invalid_request_error")

                var noModel = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/realtime")
                noModel.headers.add(name: "Authorization", value: "Bearer sk-test")
                let missing = try await HTTPClient.shared.execute(noModel, timeout: .seconds(5))
                #expect(missing.status.code == 400)
                let missingBody = try RealtimeJSON.parse(String(buffer: try await missing.body.collect(upTo: 1 << 16)))
                #expect(missingBody["error"]?["code"]?.stringValue == "missing_model")

                await #expect(throws: (any Error).self) {
                    try await withRealtimeConnection(url: url, headers: [:]) { _ in }
                }
                #expect(server.recorder.sessions.isEmpty)
            }
        }
    }

    @Test func betaHeaderGetsBetaShapeDisabledAndClose4000() async throws {
        try await withDeadline {
            try await Self.withRunning { _, url in
                let betaName = try #require(HTTPField.Name("OpenAI-Beta"))
                let close = try await withRealtimeConnection(
                    url: url, headers: [.authorization: "Bearer sk-test", betaName: "realtime=v1"]
                ) { connection in
                    let error = try await connection.waitFor("error")
                    #expect(error["error"]?["code"]?.stringValue == "beta_api_shape_disabled")
                    while try await connection.next() != nil {}
                }
                #expect(close?.closeCode == .init(codeNumber: 4000))
            }
        }
    }

    /// Server VAD, the transcript, and a scripted reply with a tool call, through this host's timers.
    @Test func toneThenSilenceMakesACallerTurnAndAnAutomaticReply() async throws {
        let script = FakeAgentScript(
            replies: [FakeAgentReply("Goodbye now.", tool: .endCall())], callerTranscripts: ["That's all, bye."])
        try await withDeadline {
            let server = FakeRealtimeChannelServer(script: script)
            try await Self.withRunning(server) { _, url in
                try await withRealtimeConnection(url: url) { connection in
                    try await connection.waitFor("session.created")
                    try await connection.send(RealtimeTestConnection.sessionUpdate(silenceMs: 300, tools: ["end_call"]))
                    try await connection.waitFor("session.updated")
                    try await connection.appendFrames(MuLaw.silence(milliseconds: 400))
                    try await connection.appendFrames(MuLaw.tone(milliseconds: 600))
                    try await connection.appendFrames(MuLaw.silence(milliseconds: 400))
                    let started = try await connection.waitFor("input_audio_buffer.speech_started")
                    #expect(started["audio_start_ms"]?.intValue == 100)
                    let stopped = try await connection.waitFor("input_audio_buffer.speech_stopped")
                    #expect(stopped["audio_end_ms"]?.intValue == 1300)
                    let transcription = try await connection.waitFor("conversation.item.input_audio_transcription.completed")
                    #expect(transcription["transcript"]?.stringValue == "That's all, bye.")
                    let events = try await connection.readResponse()
                    #expect(responseStructureViolations(events).isEmpty, "\(responseStructureViolations(events))")
                    #expect(events.contains { $0["type"]?.stringValue == "response.function_call_arguments.done" && $0["name"]?.stringValue == "end_call" })
                    #expect(audioBytes(events) > 0)
                }
                let record = try #require(server.recorder.sessions.first)
                #expect(record.appendedBytes == 1400 * 8)
                #expect(record.closed)
            }
        }
    }
}
