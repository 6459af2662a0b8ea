import Foundation
import OpenAIRealtime
import Testing

/// Parses an encoded event back into a dictionary for structural checks.
func jsonObject(_ event: RealtimeClientEvent) throws -> [String: Any] {
    let text = try event.encodeJSON()
    return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite struct ClientEventEncodingTests {
    @Test func sessionUpdateHasTheGANestedShape() throws {
        var config = RealtimeSessionConfig(instructions: "You are ...")
        config.transcription = RealtimeTranscriptionConfig(model: "gpt-4o-mini-transcribe", language: "en")
        let object = try jsonObject(.sessionUpdate(config, eventID: "evt_1"))
        #expect(object["type"] as? String == "session.update")
        #expect(object["event_id"] as? String == "evt_1")
        let session = try #require(object["session"] as? [String: Any])
        #expect(session["type"] as? String == "realtime")
        #expect(session["model"] as? String == "gpt-realtime")
        #expect(session["output_modalities"] as? [String] == ["audio"])
        #expect(session["instructions"] as? String == "You are ...")
        #expect(session["tool_choice"] as? String == "auto")

        let audio = try #require(session["audio"] as? [String: Any])
        let input = try #require(audio["input"] as? [String: Any])
        #expect((input["format"] as? [String: Any])?["type"] as? String == "audio/pcmu")
        let transcription = try #require(input["transcription"] as? [String: Any])
        #expect(transcription["model"] as? String == "gpt-4o-mini-transcribe")
        #expect(transcription["language"] as? String == "en")
        let vad = try #require(input["turn_detection"] as? [String: Any])
        #expect(vad["type"] as? String == "server_vad")
        #expect(vad["threshold"] as? Double == 0.5)
        #expect(vad["prefix_padding_ms"] as? Int == 300)
        #expect(vad["silence_duration_ms"] as? Int == 500)
        #expect(vad["create_response"] as? Bool == true)
        #expect(vad["interrupt_response"] as? Bool == true)
        let output = try #require(audio["output"] as? [String: Any])
        #expect((output["format"] as? [String: Any])?["type"] as? String == "audio/pcmu")
        #expect(output["voice"] as? String == "alloy")

        let tools = try #require(session["tools"] as? [[String: Any]])
        #expect(tools.map { $0["name"] as? String } == ["end_call", "transfer_call"])
        for tool in tools {
            #expect(tool["type"] as? String == "function")
            #expect((tool["description"] as? String)?.isEmpty == false)
            let parameters = try #require(tool["parameters"] as? [String: Any])
            #expect(parameters["type"] as? String == "object")
            let properties = try #require(parameters["properties"] as? [String: Any])
            #expect((properties["reason"] as? [String: Any])?["type"] as? String == "string")
            #expect(parameters["required"] as? [String] == ["reason"])
        }
    }

    @Test func sessionUpdateCarriesNoBetaFieldsAndNoTemperature() throws {
        let text = try RealtimeClientEvent.sessionUpdate(RealtimeSessionConfig()).encodeJSON()
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let session = try #require(object["session"] as? [String: Any])
        let forbidden = [
            "temperature", "modalities", "voice", "input_audio_format", "output_audio_format",
            "input_audio_transcription", "turn_detection", "max_response_output_tokens",
        ]
        for key in forbidden {
            #expect(session[key] == nil, "beta field \(key) present")
        }
        #expect(!text.contains("temperature"))
        #expect(!text.contains("g711_ulaw"))
        #expect(object["event_id"] == nil)
        #expect(session["max_output_tokens"] == nil)
        let keys = Set(session.keys)
        #expect(keys == ["type", "model", "output_modalities", "instructions", "audio", "tools", "tool_choice"])
    }

    @Test func sessionUpdateOptionalParts() throws {
        var config = RealtimeSessionConfig(voice: "marin", inputFormat: .pcma, outputFormat: .pcma, transcription: nil, tools: [])
        config.maxOutputTokens = 512
        config.turnDetection.interruptResponse = false
        let session = try #require(try jsonObject(.sessionUpdate(config))["session"] as? [String: Any])
        let audio = try #require(session["audio"] as? [String: Any])
        let input = try #require(audio["input"] as? [String: Any])
        #expect(input["transcription"] == nil)
        #expect((input["format"] as? [String: Any])?["type"] as? String == "audio/pcma")
        #expect((input["turn_detection"] as? [String: Any])?["interrupt_response"] as? Bool == false)
        #expect((audio["output"] as? [String: Any])?["voice"] as? String == "marin")
        #expect((session["tools"] as? [Any])?.isEmpty == true)
        #expect(session["max_output_tokens"] as? Int == 512)
    }

    @Test func nonFiniteThresholdIsAnEncodingError() {
        var config = RealtimeSessionConfig()
        config.turnDetection.threshold = .nan
        #expect(throws: RealtimeEncodingError.self) { try RealtimeClientEvent.sessionUpdate(config).encodeJSON() }
    }

    @Test func audioAppendPassesBase64ThroughVerbatim() throws {
        let audio = "//79/Pv6+fj3AAEC/w=="
        #expect(
            try RealtimeClientEvent.inputAudioAppend(audio: audio).encodeJSON()
                == #"{"type":"input_audio_buffer.append","audio":"//79/Pv6+fj3AAEC/w=="}"#
        )
        #expect(
            try RealtimeClientEvent.inputAudioAppend(audio: audio, eventID: "evt_a").encodeJSON()
                == #"{"type":"input_audio_buffer.append","event_id":"evt_a","audio":"//79/Pv6+fj3AAEC/w=="}"#
        )
    }

    @Test func audioAppendEscapesHostileInput() throws {
        let text = try RealtimeClientEvent.inputAudioAppend(audio: "a\"b\\c\n\u{01}", eventID: "x\"y").encodeJSON()
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["audio"] as? String == "a\"b\\c\n\u{01}")
        #expect(object["event_id"] as? String == "x\"y")
        #expect(object.count == 3)
    }

    @Test func responseCreateAndCancel() throws {
        #expect(try RealtimeClientEvent.responseCreate().encodeJSON() == #"{"type":"response.create"}"#)
        let create = try jsonObject(.responseCreate(instructions: "Say goodbye.", eventID: "evt_r"))
        #expect(create["type"] as? String == "response.create")
        #expect(create["event_id"] as? String == "evt_r")
        #expect((create["response"] as? [String: Any])?["instructions"] as? String == "Say goodbye.")

        #expect(try RealtimeClientEvent.responseCancel().encodeJSON() == #"{"type":"response.cancel"}"#)
        #expect(
            try RealtimeClientEvent.responseCancel(responseID: "resp_1").encodeJSON()
                == #"{"response_id":"resp_1","type":"response.cancel"}"#
        )
    }

    @Test func truncateMatchesTheNotesSample() throws {
        let object = try jsonObject(.itemTruncate(itemID: "item_123", contentIndex: 0, audioEndMs: 1840))
        #expect(object["type"] as? String == "conversation.item.truncate")
        #expect(object["item_id"] as? String == "item_123")
        #expect(object["content_index"] as? Int == 0)
        #expect(object["audio_end_ms"] as? Int == 1840)
        #expect(object.count == 4)
    }

    @Test func itemCreateShapes() throws {
        let output = try jsonObject(.functionCallOutput(callID: "call_abc", output: #"{"ok":true}"#))
        #expect(output["type"] as? String == "conversation.item.create")
        let item = try #require(output["item"] as? [String: Any])
        #expect(item["type"] as? String == "function_call_output")
        #expect(item["call_id"] as? String == "call_abc")
        #expect(item["output"] as? String == #"{"ok":true}"#)
        #expect(item.count == 3)

        let message = try jsonObject(.userText("Greet the caller.", eventID: "evt_g"))
        #expect(message["event_id"] as? String == "evt_g")
        let userItem = try #require(message["item"] as? [String: Any])
        #expect(userItem["type"] as? String == "message")
        #expect(userItem["role"] as? String == "user")
        let content = try #require(userItem["content"] as? [[String: Any]])
        #expect(content.count == 1)
        #expect(content.first?["type"] as? String == "input_text")
        #expect(content.first?["text"] as? String == "Greet the caller.")
    }

    @Test func unicodeInstructionsRoundTrip() throws {
        let config = RealtimeSessionConfig(instructions: "Say \"ביי ולהתראות\" at the end / סוף")
        let session = try #require(try jsonObject(.sessionUpdate(config))["session"] as? [String: Any])
        #expect(session["instructions"] as? String == "Say \"ביי ולהתראות\" at the end / סוף")
    }
}
