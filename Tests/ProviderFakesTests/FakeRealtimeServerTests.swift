import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import ProviderFakes
import Testing
import WSClient

@Suite("Fake OpenAI Realtime server")
struct FakeRealtimeServerTests {
    @Test func handshakeWithoutAuthorizationIsRefused() async throws {
        try await withDeadline {
            try await FakeRealtimeServer.withRunning { server in
                let port = try await server.port()
                // An upgrade attempt without a key is refused before any WebSocket exists (Hummingbird
                // answers a refused upgrade with 400; its public API cannot set another status).
                var upgrade = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/realtime?model=gpt-realtime")
                upgrade.headers.add(name: "Connection", value: "Upgrade")
                upgrade.headers.add(name: "Upgrade", value: "websocket")
                upgrade.headers.add(name: "Sec-WebSocket-Version", value: "13")
                upgrade.headers.add(name: "Sec-WebSocket-Key", value: "dGhlIHNhbXBsZSBub25jZQ==")
                let refused = try await HTTPClient.shared.execute(upgrade, timeout: .seconds(5))
                #expect((400...401).contains(refused.status.code))

                // Plain request without a key: 401 with OpenAI's error body.
                let plain = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/realtime?model=gpt-realtime")
                let response = try await HTTPClient.shared.execute(plain, timeout: .seconds(5))
                #expect(response.status.code == 401)
                let body = try await response.body.collect(upTo: 1 << 16)
                let json = try RealtimeJSON.parse(String(decoding: body.readableBytesView, as: UTF8.self))
                #expect(json["error"]?["type"]?.stringValue == "invalid_request_error")

                // The WebSocket client sees the upgrade refused.
                await #expect(throws: (any Error).self) {
                    try await withRealtimeConnection(server, headers: [:]) { _ in }
                }
                #expect(server.recorder.sessions.isEmpty)
            }
        }
    }

    @Test func betaHeaderGetsBetaShapeDisabledAndClose4000() async throws {
        try await withDeadline {
            try await FakeRealtimeServer.withRunning { server in
                let betaName = try #require(HTTPField.Name("OpenAI-Beta"))
                let close = try await withRealtimeConnection(
                    server, headers: [.authorization: "Bearer sk-test", betaName: "realtime=v1"]
                ) { connection in
                    let error = try await connection.waitFor("error")
                    #expect(error["error"]?["code"]?.stringValue == "beta_api_shape_disabled")
                    #expect(connection.types == ["error"])
                    while try await connection.next() != nil {}
                }
                #expect(close?.closeCode == .init(codeNumber: 4000))
            }
        }
    }

    @Test func sessionUpdateMergesAndRejectsBadShapes() async throws {
        try await withDeadline {
            try await FakeRealtimeServer.withRunning { server in
                try await withRealtimeConnection(server) { connection in
                    let created = try await connection.waitFor("session.created")
                    #expect(connection.types == ["session.created"])
                    #expect(created["session"]?["audio"]?["input"]?["format"]?["type"]?.stringValue == "audio/pcm")

                    try await connection.send(RealtimeTestConnection.sessionUpdate(tools: ["end_call"]))
                    let updated = try await connection.waitFor("session.updated")
                    let session = updated["session"]
                    #expect(updated["event_id"]?.stringValue?.hasPrefix("event_") == true)
                    #expect(session?["audio"]?["input"]?["format"]?["type"]?.stringValue == "audio/pcmu")
                    #expect(session?["audio"]?["output"]?["format"]?["type"]?.stringValue == "audio/pcmu")
                    #expect(session?["audio"]?["input"]?["turn_detection"]?["silence_duration_ms"]?.intValue == 300)
                    #expect(session?["audio"]?["input"]?["turn_detection"]?["interrupt_response"]?.boolValue == true)
                    #expect(session?["tools"]?.arrayValue?.first?["name"]?.stringValue == "end_call")
                    #expect(session?["instructions"]?.stringValue == "You are a phone agent.")

                    // A patch keeps the rest.
                    try await connection.send(.obj(["type": "session.update", "session": .obj(["type": "realtime", "instructions": "Be brief."])]))
                    let patched = try await connection.waitFor("session.updated")
                    #expect(patched["session"]?["instructions"]?.stringValue == "Be brief.")
                    #expect(patched["session"]?["audio"]?["input"]?["format"]?["type"]?.stringValue == "audio/pcmu")

                    // Missing session.type.
                    try await connection.send(.obj(["type": "session.update", "event_id": "evt_42", "session": .obj(["instructions": "x"])]))
                    let missing = try await connection.waitFor("error")
                    #expect(missing["error"]?["code"]?.stringValue == "missing_required_parameter")
                    #expect(missing["error"]?["param"]?.stringValue == "session.type")
                    #expect(missing["error"]?["event_id"]?.stringValue == "evt_42")

                    // Beta-shaped field is rejected, nothing applied.
                    try await connection.send(.obj(["type": "session.update", "session": .obj(["type": "realtime", "input_audio_format": "g711_ulaw"])]))
                    let unknown = try await connection.waitFor("error")
                    #expect(unknown["error"]?["code"]?.stringValue == "unknown_parameter")
                    #expect(unknown["error"]?["param"]?.stringValue == "session.input_audio_format")
                }
                let record = try #require(server.recorder.sessions.first)
                #expect(record.clientEventTypes == Array(repeating: "session.update", count: 4))
                #expect(record.errorCodes == ["missing_required_parameter", "unknown_parameter"])
            }
        }
    }

    @Test func scriptedGreetingFollowsTheGASequenceWithRealLengthMuLaw() async throws {
        let script = FakeAgentScript(greeting: "Hello there, caller!")
        try await withDeadline {
            try await FakeRealtimeServer.withRunning(script: script) { server in
                try await withRealtimeConnection(server) { connection in
                    try await connection.waitFor("session.created")
                    try await connection.send(RealtimeTestConnection.sessionUpdate())
                    try await connection.waitFor("session.updated")
                    try await connection.send(.obj(["type": "response.create"]))
                    let events = try await connection.readResponse()
                    #expect(responseStructureViolations(events).isEmpty, "\(responseStructureViolations(events))")
                    let types = events.compactMap { $0["type"]?.stringValue }
                    let skeleton = types.filter { !$0.hasSuffix(".delta") }
                    #expect(
                        skeleton == [
                            "response.created", "rate_limits.updated", "response.output_item.added", "conversation.item.added",
                            "response.content_part.added", "response.output_audio.done", "response.output_audio_transcript.done",
                            "response.content_part.done", "response.output_item.done", "conversation.item.done", "response.done",
                        ])
                    // "Hello there, caller!" is 20 characters: 20 × 65 ms = 1300 ms of μ-law = 10,400 bytes.
                    #expect(audioBytes(events) == 1300 * 8)
                    let deltas = events.filter { $0["type"]?.stringValue == "response.output_audio.delta" }
                    #expect(deltas.count == 9)  // 160 ms per delta
                    let transcript = events.filter { $0["type"]?.stringValue == "response.output_audio_transcript.delta" }
                        .compactMap { $0["delta"]?.stringValue }.joined()
                    #expect(transcript == "Hello there, caller!")
                    let done = try #require(events.last)
                    #expect(done["response"]?["status"]?.stringValue == "completed")
                    #expect(done["response"]?["id"]?.stringValue?.hasPrefix("resp_") == true)
                    let item = done["response"]?["output"]?.arrayValue?.first
                    #expect(item?["id"]?.stringValue?.hasPrefix("item_") == true)
                    #expect(item?["content"]?.arrayValue?.first?["transcript"]?.stringValue == "Hello there, caller!")
                    // Real μ-law tone, not silence.
                    let first = try #require(Data(base64Encoded: deltas[0]["delta"]?.stringValue ?? ""))
                    #expect(MuLaw.meanAmplitude(first) > 500)
                }
            }
        }
    }

    @Test func toneThenSilenceMakesACallerTurnAndAnAutomaticReply() async throws {
        let script = FakeAgentScript(
            replies: [FakeAgentReply("Goodbye now.", tool: .endCall())], callerTranscripts: ["That's all, bye."])
        try await withDeadline {
            try await FakeRealtimeServer.withRunning(script: script) { server in
                try await withRealtimeConnection(server) { connection in
                    try await connection.waitFor("session.created")
                    try await connection.send(RealtimeTestConnection.sessionUpdate(silenceMs: 300, tools: ["end_call"]))
                    try await connection.waitFor("session.updated")
                    try await connection.appendFrames(MuLaw.silence(milliseconds: 400))
                    try await connection.appendFrames(MuLaw.tone(milliseconds: 600))
                    try await connection.appendFrames(MuLaw.silence(milliseconds: 400))
                    let started = try await connection.waitFor("input_audio_buffer.speech_started")
                    // Speech began at 400 ms; 300 ms prefix padding.
                    #expect(started["audio_start_ms"]?.intValue == 100)
                    let userItem = try #require(started["item_id"]?.stringValue)
                    let stopped = try await connection.waitFor("input_audio_buffer.speech_stopped")
                    #expect(stopped["item_id"]?.stringValue == userItem)
                    #expect(stopped["audio_end_ms"]?.intValue == 1300)
                    let committed = try await connection.waitFor("input_audio_buffer.committed")
                    #expect(committed["item_id"]?.stringValue == userItem)
                    let added = try await connection.waitFor("conversation.item.added")
                    #expect(added["item"]?["role"]?.stringValue == "user")
                    try await connection.waitFor("conversation.item.done")
                    let transcription = try await connection.waitFor("conversation.item.input_audio_transcription.completed")
                    #expect(transcription["transcript"]?.stringValue == "That's all, bye.")
                    #expect(transcription["item_id"]?.stringValue == userItem)
                    let events = try await connection.readResponse()
                    #expect(responseStructureViolations(events).isEmpty, "\(responseStructureViolations(events))")
                    let call = try #require(events.first { $0["type"]?.stringValue == "response.function_call_arguments.done" })
                    #expect(call["name"]?.stringValue == "end_call")
                    #expect(call["output_index"]?.intValue == 1)
                    let output = events.last?["response"]?["output"]?.arrayValue ?? []
                    #expect(output.map { $0["type"]?.stringValue } == ["message", "function_call"])
                    #expect(output.first?["content"]?.arrayValue?.first?["transcript"]?.stringValue == "Goodbye now.")
                }
                let record = try #require(server.recorder.sessions.first)
                #expect(record.appendedBytes == 1400 * 8)
                #expect(record.appendCount == 70)
                #expect(record.clientEventTypes == ["session.update", "input_audio_buffer.append"])
            }
        }
    }

    @Test func cancelMidResponseSendsLateDeltasThenCancelledDone() async throws {
        let script = FakeAgentScript(
            greeting: FakeAgentReply(String(repeating: "word ", count: 40)), timing: .init(deltaInterval: .milliseconds(30)))
        try await withDeadline {
            try await FakeRealtimeServer.withRunning(script: script) { server in
                try await withRealtimeConnection(server) { connection in
                    try await connection.waitFor("session.created")
                    try await connection.send(RealtimeTestConnection.sessionUpdate())
                    try await connection.waitFor("session.updated")
                    try await connection.send(.obj(["type": "response.create"]))
                    let start = connection.received.count
                    try await connection.waitFor("response.output_audio.delta")
                    // A second create while the first is still active is refused.
                    try await connection.send(.obj(["type": "response.create", "event_id": "evt_dup"]))
                    try await connection.send(.obj(["type": "response.cancel"]))
                    try await connection.waitFor("response.done")
                    let events = Array(connection.received[start...]).filter { $0["type"]?.stringValue != "error" }
                    #expect(responseStructureViolations(events).isEmpty, "\(responseStructureViolations(events))")
                    let done = try #require(events.last)
                    #expect(done["response"]?["status"]?.stringValue == "cancelled")
                    #expect(done["response"]?["status_details"]?["reason"]?.stringValue == "client_cancelled")
                    #expect(done["response"]?["output"]?.arrayValue?.first?["status"]?.stringValue == "incomplete")
                    let deltaCount = events.filter { $0["type"]?.stringValue == "response.output_audio.delta" }.count
                    // Deltas before the cancel reached the server (≥1) plus exactly 2 late ones; far fewer than the full reply.
                    #expect(deltaCount >= 3 && deltaCount < 10)
                    let closing = events.compactMap { $0["type"]?.stringValue }.drop { $0 != "response.output_audio.done" }
                    #expect(Array(closing).first == "response.output_audio.done")

                    let duplicate = try #require(connection.received.first { $0["type"]?.stringValue == "error" })
                    #expect(duplicate["error"]?["code"]?.stringValue == "conversation_already_has_active_response")
                    #expect(duplicate["error"]?["event_id"]?.stringValue == "evt_dup")

                    try await connection.send(.obj(["type": "response.cancel"]))
                    let notActive = try await connection.waitFor("error")
                    #expect(notActive["error"]?["code"]?.stringValue == "response_cancel_not_active")
                }
                let record = try #require(server.recorder.sessions.first)
                #expect(record.cancels == 2)
                #expect(record.responses.map(\.status) == ["cancelled"])
            }
        }
    }

    @Test func truncateIsValidatedAgainstGeneratedAudio() async throws {
        let script = FakeAgentScript(greeting: "Hi.")  // minimum length: 400 ms
        try await withDeadline {
            try await FakeRealtimeServer.withRunning(script: script) { server in
                try await withRealtimeConnection(server) { connection in
                    try await connection.waitFor("session.created")
                    try await connection.send(RealtimeTestConnection.sessionUpdate())
                    try await connection.waitFor("session.updated")
                    try await connection.send(.obj(["type": "response.create"]))
                    let events = try await connection.readResponse()
                    #expect(audioBytes(events) == 400 * 8)
                    let itemId = try #require(events.last?["response"]?["output"]?.arrayValue?.first?["id"]?.stringValue)

                    try await connection.send(.obj(["type": "conversation.item.truncate", "item_id": .string(itemId), "content_index": 0, "audio_end_ms": 900]))
                    let error = try await connection.waitFor("error")
                    #expect(error["error"]?["type"]?.stringValue == "invalid_request_error")
                    #expect(error["error"]?["message"]?.stringValue == "Audio content of 400ms is already shorter than 900ms")

                    try await connection.send(.obj(["type": "conversation.item.truncate", "item_id": .string(itemId), "content_index": 0, "audio_end_ms": 250]))
                    let truncated = try await connection.waitFor("conversation.item.truncated")
                    #expect(truncated["audio_end_ms"]?.intValue == 250)
                    #expect(truncated["item_id"]?.stringValue == itemId)
                }
                let record = try #require(server.recorder.sessions.first)
                #expect(record.truncates.map(\.audioEndMs) == [900, 250])
                #expect(record.truncates.map(\.accepted) == [false, true])
            }
        }
    }

    @Test func instructionsWithSayPhraseAndRateLimitFault() async throws {
        let script = FakeAgentScript(replies: ["Answer one."], faults: .init(rateLimitOnTurn: 1))
        try await withDeadline {
            try await FakeRealtimeServer.withRunning(script: script) { server in
                try await withRealtimeConnection(server) { connection in
                    try await connection.waitFor("session.created")
                    // Push-to-talk: no VAD, the client commits.
                    let update = RealtimeJSON.obj([
                        "type": "session.update",
                        "session": .obj([
                            "type": "realtime",
                            "audio": .obj(["input": .obj(["format": .obj(["type": "audio/pcmu"]), "turn_detection": .null]), "output": .obj(["format": .obj(["type": "audio/pcmu"])])]),
                        ]),
                    ])
                    try await connection.send(update)
                    try await connection.waitFor("session.updated")
                    try await connection.send(.obj(["type": "response.create", "response": .obj(["instructions": "The caller is quiet. Say: \"Are you still there?\""])]))
                    let said = try await connection.readResponse()
                    let transcript = said.first { $0["type"]?.stringValue == "response.output_audio_transcript.done" }
                    #expect(transcript?["transcript"]?.stringValue == "Are you still there?")

                    try await connection.appendFrames(MuLaw.tone(milliseconds: 60))
                    try await connection.send(.obj(["type": "input_audio_buffer.commit"]))
                    let tooShort = try await connection.waitFor("error")
                    #expect(tooShort["error"]?["code"]?.stringValue == "input_audio_buffer_commit_empty")
                    try await connection.appendFrames(MuLaw.tone(milliseconds: 200))
                    try await connection.send(.obj(["type": "input_audio_buffer.commit"]))
                    try await connection.waitFor("input_audio_buffer.committed")
                    try await connection.send(.obj(["type": "response.create"]))
                    let failed = try await connection.readResponse()
                    let response = failed.last?["response"]
                    #expect(response?["status"]?.stringValue == "failed")
                    #expect(response?["status_details"]?["error"]?["code"]?.stringValue == "rate_limit_exceeded")
                    #expect(response?["output"]?.arrayValue?.isEmpty == true)
                }
            }
        }
    }

    @Test func localAgentGreetsAndSaysGoodbyeOnTurnTwo() async throws {
        #expect(LocalAgent.defaultScript.greeting.text == "Hello! You've reached Switchboard's local demo agent. How can I help you today?")
        #expect(LocalAgent.defaultScript.reply(forTurn: 1).text.hasSuffix("?"))
        #expect(LocalAgent.defaultScript.reply(forTurn: 2).text.contains("Goodbye"))
        #expect(LocalAgent.defaultScript.reply(forTurn: 5).text.contains("Goodbye"))
        try await withDeadline {
            try await LocalAgent.withRunning(logger: Logger(label: "local-agent")) { url in
                #expect(url.hasPrefix("ws://127.0.0.1:"))
                #expect(url.hasSuffix("/v1/realtime?model=gpt-realtime"))
            }
        }
    }
}
