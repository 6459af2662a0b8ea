import OpenAIRealtime
import Testing

@Suite struct ServerEventDecodingTests {
    @Test func audioDeltaFromTheNotes() throws {
        let json = #"{"type":"response.output_audio.delta","event_id":"event_A1","response_id":"resp_1","item_id":"item_9","output_index":0,"content_index":0,"delta":"//79/Pv6+fj3..."}"#
        let event = try RealtimeServerEvent.decode(json)
        #expect(event == .outputAudioDelta(RealtimeContentRef(responseID: "resp_1", itemID: "item_9"), delta: "//79/Pv6+fj3..."))
    }

    @Test(arguments: [
        // Whitespace, other key order, escaped slashes, non-zero indices.
        #"{ "delta" : "\/\/79", "content_index": 2, "item_id":"item_9", "output_index": 1, "type":"response.output_audio.delta", "response_id":"resp_1" }"#,
        // An extra nested field forces the full decoder; same result.
        #"{"type":"response.output_audio.delta","response_id":"resp_1","item_id":"item_9","output_index":1,"content_index":2,"delta":"//79","extra":{"a":[1]}}"#,
        // A \u escape forces the full decoder.
        #"{"type":"response.output_audio.delta","response_id":"resp_1","item_id":"item_9","output_index":1,"content_index":2,"delta":"\u002f/79"}"#,
    ])
    func audioDeltaVariants(json: String) throws {
        let event = try RealtimeServerEvent.decode(json)
        #expect(
            event == .outputAudioDelta(RealtimeContentRef(responseID: "resp_1", itemID: "item_9", outputIndex: 1, contentIndex: 2), delta: "//79")
        )
    }

    @Test func audioDeltaMissingFieldIsAnInvalidEvent() {
        let json = #"{"type":"response.output_audio.delta","response_id":"resp_1","output_index":0,"content_index":0,"delta":"AAAA"}"#
        #expect(throws: RealtimeDecodingError.invalidEvent(type: "response.output_audio.delta", reason: "missing item_id")) {
            try RealtimeServerEvent.decode(json)
        }
    }

    @Test func transcriptDoneAndSpeechStartedFromTheNotes() throws {
        let done = #"{"type":"response.output_audio_transcript.done","event_id":"event_B7","response_id":"resp_1","item_id":"item_9","output_index":0,"content_index":0,"transcript":"Sure, I can help with that."}"#
        #expect(
            try RealtimeServerEvent.decode(done)
                == .outputAudioTranscriptDone(RealtimeContentRef(responseID: "resp_1", itemID: "item_9"), transcript: "Sure, I can help with that.")
        )
        let started = #"{"type":"input_audio_buffer.speech_started","event_id":"event_C2","audio_start_ms":12480,"item_id":"item_10"}"#
        #expect(try RealtimeServerEvent.decode(started) == .speechStarted(audioStartMs: 12480, itemID: "item_10"))
        let stopped = #"{"type":"input_audio_buffer.speech_stopped","event_id":"e","audio_end_ms":13000,"item_id":"item_10"}"#
        #expect(try RealtimeServerEvent.decode(stopped) == .speechStopped(audioEndMs: 13000, itemID: "item_10"))
        let committed = #"{"type":"input_audio_buffer.committed","event_id":"e","item_id":"item_10","previous_item_id":null}"#
        #expect(try RealtimeServerEvent.decode(committed) == .inputAudioCommitted(itemID: "item_10", previousItemID: nil))
    }

    @Test func responseDoneCancelledFromTheNotes() throws {
        let json = #"""
            {"type":"response.done","event_id":"event_X","response":{
              "object":"realtime.response","id":"resp_1","status":"cancelled",
              "status_details":{"type":"cancelled","reason":"turn_detected"},
              "output":[{"id":"item_9","object":"realtime.item","type":"message","role":"assistant",
                         "status":"incomplete","content":[{"type":"output_audio","transcript":"Sure, I can"}]}],
              "conversation_id":"conv_1","output_modalities":["audio"],
              "audio":{"output":{"format":{"type":"audio/pcmu"},"voice":"alloy"}},
              "max_output_tokens":"inf","metadata":null,
              "usage":{"total_tokens":0,"input_tokens":0,"output_tokens":0,
                       "input_token_details":{"cached_tokens":0,"text_tokens":0,"audio_tokens":0},
                       "output_token_details":{"text_tokens":0,"audio_tokens":0}}}}
            """#
        let event = try RealtimeServerEvent.decode(json)
        let expected = RealtimeResponse(
            id: "resp_1", status: .cancelled, statusReason: "turn_detected",
            output: [
                RealtimeItem(
                    id: "item_9", kind: .message, role: "assistant", status: "incomplete",
                    content: [RealtimeContentPart(type: .outputAudio, transcript: "Sure, I can")]
                )
            ]
        )
        #expect(event == .responseDone(expected))
    }

    @Test func responseDoneFailedWithRateLimit() throws {
        let json = #"{"type":"response.done","event_id":"e","response":{"object":"realtime.response","id":"resp_2","status":"failed","status_details":{"type":"failed","error":{"type":"tokens","code":"rate_limit_exceeded","message":"Rate limit reached for … on tokens per min (TPM): Limit 40000, Used 40000, Requested 3188. Please try again in 4.2s."}},"output":[]}}"#
        guard case .responseDone(let response) = try RealtimeServerEvent.decode(json) else {
            Issue.record("not response.done")
            return
        }
        #expect(response.status == .failed)
        #expect(response.statusError?.code == "rate_limit_exceeded")
        #expect(response.statusError?.type == "tokens")
        #expect(response.statusError?.message?.hasPrefix("Rate limit reached") == true)
        #expect(response.output.isEmpty)
    }

    @Test(arguments: [("completed", RealtimeResponse.Status.completed), ("incomplete", .incomplete), ("in_progress", .inProgress), ("weird", .other("weird"))])
    func responseStatuses(wire: String, status: RealtimeResponse.Status) throws {
        let json = #"{"type":"response.done","event_id":"e","response":{"id":"resp_3","status":"\#(wire)","status_details":null,"output":[]}}"#
        #expect(try RealtimeServerEvent.decode(json) == .responseDone(RealtimeResponse(id: "resp_3", status: status)))
    }

    @Test func responseDoneWithFunctionCall() throws {
        let json = #"{"type":"response.done","event_id":"e","response":{"id":"resp_4","status":"completed","status_details":null,"output":[{"id":"item_1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_audio","transcript":"Goodbye!"}]},{"id":"item_2","type":"function_call","status":"completed","name":"end_call","call_id":"call_7","arguments":"{\"reason\":\"done\"}"}]}}"#
        guard case .responseDone(let response) = try RealtimeServerEvent.decode(json) else {
            Issue.record("not response.done")
            return
        }
        #expect(response.functionCalls.count == 1)
        let call = try #require(response.functionCalls.first)
        #expect(call.name == "end_call")
        #expect(call.callID == "call_7")
        #expect(call.arguments == #"{"reason":"done"}"#)
    }

    @Test func responseCreated() throws {
        let json = #"{"type":"response.created","event_id":"e","response":{"object":"realtime.response","id":"resp_5","status":"in_progress","status_details":null,"output":[]}}"#
        #expect(try RealtimeServerEvent.decode(json) == .responseCreated(RealtimeResponse(id: "resp_5", status: .inProgress)))
    }

    @Test func functionCallArgumentsDoneWithName() throws {
        let json = #"{"type":"response.function_call_arguments.done","event_id":"e","response_id":"resp_1","item_id":"item_2","output_index":1,"call_id":"call_7","name":"end_call","arguments":"{\"reason\":\"bye\"}"}"#
        #expect(
            try RealtimeServerEvent.decode(json)
                == .functionCallArgumentsDone(
                    RealtimeFunctionCallArguments(
                        responseID: "resp_1", itemID: "item_2", outputIndex: 1, callID: "call_7", name: "end_call", arguments: #"{"reason":"bye"}"#
                    )
                )
        )
    }

    @Test func functionCallArgumentsDoneWithoutName() throws {
        let json = #"{"type":"response.function_call_arguments.done","event_id":"e","response_id":"resp_1","item_id":"item_2","output_index":1,"call_id":"call_7","arguments":"{}"}"#
        guard case .functionCallArgumentsDone(let args) = try RealtimeServerEvent.decode(json) else {
            Issue.record("wrong case")
            return
        }
        #expect(args.name == nil)
        #expect(args.callID == "call_7")
        #expect(args.arguments == "{}")
    }

    @Test func outputItemAddedFunctionCall() throws {
        let json = #"{"type":"response.output_item.added","event_id":"e","response_id":"resp_1","output_index":1,"item":{"id":"item_2","object":"realtime.item","type":"function_call","status":"in_progress","name":"transfer_call","call_id":"call_8","arguments":""}}"#
        #expect(
            try RealtimeServerEvent.decode(json)
                == .outputItemAdded(
                    responseID: "resp_1", outputIndex: 1,
                    item: RealtimeItem(id: "item_2", kind: .functionCall, status: "in_progress", name: "transfer_call", callID: "call_8", arguments: "")
                )
        )
    }

    @Test func conversationItemAddedDoneAndBetaCreated() throws {
        let item = #"{"id":"item_10","object":"realtime.item","type":"message","role":"user","status":"completed","content":[{"type":"input_audio","transcript":null}]}"#
        let expected = RealtimeItem(id: "item_10", kind: .message, role: "user", status: "completed", content: [RealtimeContentPart(type: .inputAudio)])
        #expect(
            try RealtimeServerEvent.decode(#"{"type":"conversation.item.added","event_id":"e","previous_item_id":"item_9","item":\#(item)}"#)
                == .conversationItemAdded(expected, previousItemID: "item_9")
        )
        #expect(
            try RealtimeServerEvent.decode(#"{"type":"conversation.item.done","event_id":"e","item":\#(item)}"#)
                == .conversationItemDone(expected, previousItemID: nil)
        )
        #expect(
            try RealtimeServerEvent.decode(#"{"type":"conversation.item.created","event_id":"e","previous_item_id":null,"item":\#(item)}"#)
                == .conversationItemCreated(expected, previousItemID: nil)
        )
    }

    @Test(arguments: [
        ("output_audio", RealtimeContentType.outputAudio), ("audio", .outputAudio),
        ("output_text", .outputText), ("text", .outputText),
    ])
    func contentPartTypesAcceptGAAndBetaNames(wire: String, type: RealtimeContentType) throws {
        let json = #"{"type":"response.content_part.added","event_id":"e","response_id":"resp_1","item_id":"item_9","output_index":0,"content_index":0,"part":{"type":"\#(wire)","transcript":""}}"#
        #expect(
            try RealtimeServerEvent.decode(json)
                == .contentPartAdded(RealtimeContentRef(responseID: "resp_1", itemID: "item_9"), part: RealtimeContentPart(type: type, transcript: ""))
        )
    }

    @Test func transcriptionEvents() throws {
        let completed = #"{"type":"conversation.item.input_audio_transcription.completed","event_id":"e","item_id":"item_10","content_index":0,"transcript":"ביי ולהתראות","usage":{"type":"duration","seconds":1.2}}"#
        #expect(try RealtimeServerEvent.decode(completed) == .inputTranscriptionCompleted(itemID: "item_10", contentIndex: 0, transcript: "ביי ולהתראות"))
        let failed = #"{"type":"conversation.item.input_audio_transcription.failed","event_id":"e","item_id":"item_10","content_index":0,"error":{"type":"transcription_error","code":"audio_unintelligible","message":"nope","param":null}}"#
        #expect(
            try RealtimeServerEvent.decode(failed)
                == .inputTranscriptionFailed(
                    itemID: "item_10", contentIndex: 0,
                    error: RealtimeAPIError(type: "transcription_error", code: "audio_unintelligible", message: "nope")
                )
        )
        let truncated = #"{"type":"conversation.item.truncated","event_id":"e","item_id":"item_9","content_index":0,"audio_end_ms":1840}"#
        #expect(try RealtimeServerEvent.decode(truncated) == .conversationItemTruncated(itemID: "item_9", contentIndex: 0, audioEndMs: 1840))
    }

    @Test func otherResponseEvents() throws {
        let ref = RealtimeContentRef(responseID: "r", itemID: "i")
        let ids = #""event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0"#
        #expect(try RealtimeServerEvent.decode(#"{"type":"response.output_audio.done",\#(ids)}"#) == .outputAudioDone(ref))
        #expect(try RealtimeServerEvent.decode(#"{"type":"response.output_audio_transcript.delta",\#(ids),"delta":"Hi"}"#) == .outputAudioTranscriptDelta(ref, delta: "Hi"))
        #expect(try RealtimeServerEvent.decode(#"{"type":"response.output_text.delta",\#(ids),"delta":"Hi"}"#) == .outputTextDelta(ref, delta: "Hi"))
        #expect(try RealtimeServerEvent.decode(#"{"type":"response.output_text.done",\#(ids),"text":"Hi there"}"#) == .outputTextDone(ref, text: "Hi there"))
        let itemDone = #"{"type":"response.output_item.done","event_id":"e","response_id":"r","output_index":0,"item":{"id":"i","type":"message","role":"assistant","status":"completed","content":[{"type":"audio","transcript":"Hi"}]}}"#
        #expect(
            try RealtimeServerEvent.decode(itemDone)
                == .outputItemDone(
                    responseID: "r", outputIndex: 0,
                    item: RealtimeItem(id: "i", kind: .message, role: "assistant", status: "completed", content: [RealtimeContentPart(type: .outputAudio, transcript: "Hi")])
                )
        )
    }

    @Test func errorEventFromTheNotes() throws {
        let json = #"{"type":"error","event_id":"event_890","error":{"type":"invalid_request_error","code":"invalid_value","message":"…","param":"session.audio.input.format","event_id":"evt_client_12"}}"#
        #expect(
            try RealtimeServerEvent.decode(json)
                == .error(
                    RealtimeAPIError(
                        type: "invalid_request_error", code: "invalid_value", message: "…", param: "session.audio.input.format", eventID: "evt_client_12"
                    )
                )
        )
        let expired = #"{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"session_expired","message":"Your session hit the maximum duration of 60 minutes.","param":null,"event_id":null}}"#
        guard case .error(let error) = try RealtimeServerEvent.decode(expired) else {
            Issue.record("not an error")
            return
        }
        #expect(error.code == "session_expired")
        #expect(error.param == nil)
        #expect(error.eventID == nil)
    }

    @Test func rateLimitsUpdated() throws {
        let json = #"{"type":"rate_limits.updated","event_id":"event_R","rate_limits":[{"name":"requests","limit":1000,"remaining":999,"reset_seconds":60},{"name":"tokens","limit":40000,"remaining":35000,"reset_seconds":7.5}]}"#
        #expect(
            try RealtimeServerEvent.decode(json)
                == .rateLimitsUpdated([
                    RealtimeRateLimit(name: "requests", limit: 1000, remaining: 999, resetSeconds: 60),
                    RealtimeRateLimit(name: "tokens", limit: 40000, remaining: 35000, resetSeconds: 7.5),
                ])
        )
    }

    @Test func sessionCreatedAndUpdated() throws {
        let json = #"{"type":"session.updated","event_id":"e","session":{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","output_modalities":["audio"],"instructions":"x","audio":{"input":{"format":{"type":"audio/pcmu"},"turn_detection":{"type":"server_vad"}},"output":{"format":{"type":"audio/pcmu"},"voice":{"id":"voice_123"},"speed":1.0}},"tools":[{"type":"function","name":"end_call","parameters":{}}],"tool_choice":"auto","max_output_tokens":"inf"}}"#
        #expect(
            try RealtimeServerEvent.decode(json)
                == .sessionUpdated(
                    RealtimeSessionInfo(id: "sess_1", model: "gpt-realtime", inputFormat: "audio/pcmu", outputFormat: "audio/pcmu", voice: "voice_123", toolNames: ["end_call"])
                )
        )
        #expect(try RealtimeServerEvent.decode(#"{"type":"session.created","event_id":"e","session":{"id":"sess_2"}}"#) == .sessionCreated(RealtimeSessionInfo(id: "sess_2")))
    }

    @Test(arguments: [
        "response.audio.delta", "response.audio_transcript.done", "output_audio_buffer.started",
        "conversation.item.input_audio_transcription.delta", "mcp_list_tools.in_progress", "something.new",
    ])
    func unknownAndBetaOnlyTypesAreUnknown(type: String) throws {
        let json = #"{"type":"\#(type)","event_id":"e","response_id":"r","item_id":"i","delta":"AAAA","whatever":{"n":[1,2]}}"#
        #expect(try RealtimeServerEvent.decode(json) == .unknown(type: type))
    }

    @Test(arguments: ["", "{", "not json", #"{"type":"response.output_audio.delta","delta":"AA"#, "[1,2]", "42", #""type""#])
    func malformedJSONIsATypedError(text: String) {
        #expect(throws: RealtimeDecodingError.self) { try RealtimeServerEvent.decode(text) }
        do {
            _ = try RealtimeServerEvent.decode(text)
        } catch {
            if case .malformedJSON = error {} else { Issue.record("expected malformedJSON, got \(error)") }
        }
    }

    @Test func missingOrNonStringTypeIsMissingType() {
        #expect(throws: RealtimeDecodingError.missingType) { try RealtimeServerEvent.decode(#"{"event_id":"e"}"#) }
        #expect(throws: RealtimeDecodingError.missingType) { try RealtimeServerEvent.decode(#"{"type":5}"#) }
    }

    @Test func knownTypeWithWrongFieldTypeIsInvalidEvent() {
        #expect(throws: RealtimeDecodingError.invalidEvent(type: "input_audio_buffer.speech_started", reason: "wrong type at audio_start_ms")) {
            try RealtimeServerEvent.decode(#"{"type":"input_audio_buffer.speech_started","audio_start_ms":"soon","item_id":"i"}"#)
        }
    }
}
