import Foundation
import HTTPTypes
import Logging
import ProviderFakes
import Testing
import WSClient

/// Connects to the transcription endpoint (`?intent=transcription`) of `server`.
func withTranscriptionConnection(
    _ server: FakeRealtimeServer, _ body: @escaping @Sendable (inout RealtimeTestConnection) async throws -> Void
) async throws {
    let url = try await server.transcriptionURL()
    _ = try await WebSocketClient.connect(
        url: url, configuration: .init(maxFrameSize: 1 << 22, additionalHeaders: [.authorization: "Bearer sk-test"]),
        logger: Logger(label: "test-client")
    ) { inbound, outbound, _ in
        var connection = RealtimeTestConnection(iterator: inbound.messages(maxSize: 1 << 24).makeAsyncIterator(), outbound: outbound)
        try await body(&connection)
    }
}

let transcriptionUpdate = RealtimeJSON.obj([
    "type": "session.update",
    "session": .obj([
        "type": "transcription",
        "audio": .obj([
            "input": .obj([
                "format": .obj(["type": "audio/pcmu"]),
                "transcription": .obj(["model": "gpt-4o-mini-transcribe"]),
                "turn_detection": .obj(["type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 300]),
            ])
        ]),
    ]),
])

@Suite("Fake Realtime transcription sessions")
struct FakeRealtimeTranscriptionTests {
    @Test func callerTurnGivesSpeechEventsAndTheScriptedTranscriptButNoResponse() async throws {
        let script = FakeAgentScript(replies: ["Never said."], callerTranscripts: ["I'd like to book a table."])
        try await withDeadline {
            try await FakeRealtimeServer.withRunning(script: script) { server in
                try await withTranscriptionConnection(server) { connection in
                    let created = try await connection.waitFor("session.created")
                    #expect(created["session"]?["type"]?.stringValue == "transcription")
                    try await connection.send(transcriptionUpdate)
                    let updated = try await connection.waitFor("session.updated")
                    #expect(updated["session"]?["type"]?.stringValue == "transcription")
                    #expect(updated["session"]?["audio"]?["input"]?["format"]?["type"]?.stringValue == "audio/pcmu")
                    #expect(updated["session"]?["audio"]?["input"]?["transcription"]?["model"]?.stringValue == "gpt-4o-mini-transcribe")
                    try await connection.appendFrames(MuLaw.silence(milliseconds: 200))
                    try await connection.appendFrames(MuLaw.tone(milliseconds: 600))
                    try await connection.appendFrames(MuLaw.silence(milliseconds: 400))
                    try await connection.waitFor("input_audio_buffer.speech_started")
                    try await connection.waitFor("input_audio_buffer.speech_stopped")
                    let completed = try await connection.waitFor("conversation.item.input_audio_transcription.completed")
                    #expect(completed["transcript"]?.stringValue == "I'd like to book a table.")
                    // A response is not part of a transcription session.
                    try await connection.send(.obj(["type": "response.create"]))
                    let error = try await connection.waitFor("error")
                    #expect(error["error"]?["code"]?.stringValue == "invalid_value")
                    #expect(!connection.types.contains("response.created"))
                }
                let record = try #require(server.recorder.sessions.first)
                #expect(record.model == "gpt-4o-mini-transcribe")
            }
        }
    }

    @Test func realtimeShapedUpdateIsRejectedInATranscriptionSession() async throws {
        try await withDeadline {
            try await FakeRealtimeServer.withRunning { server in
                try await withTranscriptionConnection(server) { connection in
                    try await connection.waitFor("session.created")
                    try await connection.send(RealtimeTestConnection.sessionUpdate())
                    let error = try await connection.waitFor("error")
                    #expect(error["error"]?["param"]?.stringValue == "session.type")
                    var withOutput = transcriptionUpdate
                    withOutput = .obj([
                        "type": "session.update",
                        "session": .obj(["type": "transcription", "instructions": "no"]),
                    ])
                    try await connection.send(withOutput)
                    let unknown = try await connection.waitFor("error")
                    #expect(unknown["error"]?["code"]?.stringValue == "unknown_parameter")
                }
            }
        }
    }
}
