import Foundation
import OpenAIRealtime
import Testing

@Suite struct RealtimeTranscriptionSessionTests {
    @Test func encodesTheGATranscriptionSessionShape() throws {
        let config = RealtimeTranscriptionSessionConfig(
            inputFormat: .pcmu, transcription: RealtimeTranscriptionConfig(model: "gpt-4o-mini-transcribe", language: "en"),
            turnDetection: RealtimeServerVAD(threshold: 0.6, prefixPaddingMs: 250, silenceDurationMs: 400))
        let text = try RealtimeClientEvent.transcriptionSessionUpdate(config, eventID: "e1").encodeJSON()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["type"] as? String == "session.update")
        #expect(json["event_id"] as? String == "e1")
        let session = try #require(json["session"] as? [String: Any])
        #expect(session["type"] as? String == "transcription")
        #expect(Set(session.keys) == ["type", "audio"])
        let input = try #require((session["audio"] as? [String: Any])?["input"] as? [String: Any])
        #expect((input["format"] as? [String: Any])?["type"] as? String == "audio/pcmu")
        #expect((input["transcription"] as? [String: Any])?["model"] as? String == "gpt-4o-mini-transcribe")
        #expect((input["transcription"] as? [String: Any])?["language"] as? String == "en")
        let vad = try #require(input["turn_detection"] as? [String: Any])
        #expect(vad["type"] as? String == "server_vad")
        #expect(vad["silence_duration_ms"] as? Int == 400)
        // Responses do not exist in a transcription session.
        #expect(vad["create_response"] == nil && vad["interrupt_response"] == nil)
    }

    @Test func transcriptionURLReplacesTheModelQuery() {
        #expect(RealtimeTranscriptionSessionConfig.transcriptionURL(fromRealtimeURL: "wss://api.openai.com/v1/realtime?model=gpt-realtime")
            == "wss://api.openai.com/v1/realtime?intent=transcription")
        #expect(RealtimeTranscriptionSessionConfig.transcriptionURL(fromRealtimeURL: "ws://127.0.0.1:9/v1/realtime")
            == "ws://127.0.0.1:9/v1/realtime?intent=transcription")
    }

    @Test func decodesTheTranscriptionEvents() throws {
        let completed = try RealtimeServerEvent.decode(#"{"type":"conversation.item.input_audio_transcription.completed","event_id":"e","item_id":"item_1","content_index":0,"transcript":"Hello.","usage":{"type":"duration","seconds":1}}"#)
        #expect(completed == .inputTranscriptionCompleted(itemID: "item_1", contentIndex: 0, transcript: "Hello."))
        let failed = try RealtimeServerEvent.decode(#"{"type":"conversation.item.input_audio_transcription.failed","event_id":"e","item_id":"item_2","content_index":0,"error":{"type":"transcription_error","code":"audio_unintelligible","message":"x"}}"#)
        guard case .inputTranscriptionFailed(let item, _, let error) = failed else { Issue.record("\(failed)"); return }
        #expect(item == "item_2" && error.code == "audio_unintelligible")
        let updated = try RealtimeServerEvent.decode(#"{"type":"session.updated","event_id":"e","session":{"type":"transcription","id":"sess_1","audio":{"input":{"format":{"type":"audio/pcmu"}}}}}"#)
        guard case .sessionUpdated(let info) = updated else { Issue.record("\(updated)"); return }
        #expect(info.inputFormat == "audio/pcmu")
        let legacyName = try RealtimeServerEvent.decode(#"{"type":"transcription_session.updated","event_id":"e","session":{"id":"sess_2"}}"#)
        guard case .sessionUpdated(let legacy) = legacyName else { Issue.record("\(legacyName)"); return }
        #expect(legacy.id == "sess_2")
    }
}
