/// A response being generated. Its structure follows §2.1: one message item (output_index 0) with one
/// content part, optionally followed by one function_call item; every opened part/item is closed once.
struct ActiveResponse {
    var id: String
    var turn: Int?
    var text: String
    var tool: FakeToolCall?
    var audioOut: Bool
    var format: RealtimeAudioFormat
    var voice: RealtimeJSON
    var modalities: [String]
    var maxOutputTokens: RealtimeJSON
    var metadata: RealtimeJSON
    /// Message item id, if the reply has text.
    var itemId: String?
    var words: [Substring] = []
    var deltaCount = 0
    var deltasSent = 0
    var totalAudioBytes = 0
    var audioBytesSent = 0
    var wordsSent = 0
    var transcriptSent = ""
    var output: [RealtimeJSON] = []
}

extension FakeRealtimeSessionMachine {
    mutating func responseCreate(_ event: RealtimeJSON, eventId: String?) {
        let parameters = event["response"]
        if let parameters, !parameters.isNull {
            guard let pairs = parameters.objectPairs else { return emitError(.invalidType("response", expected: "an object"), clientEventId: eventId) }
            let known = ["instructions", "tools", "tool_choice", "output_modalities", "audio", "conversation", "input", "metadata", "max_output_tokens", "prompt"]
            for pair in pairs where !known.contains(pair.key) {
                return emitError(.unknownParameter("response." + pair.key), clientEventId: eventId)
            }
            if let modalities = parameters["output_modalities"] {
                let list = modalities.arrayValue?.compactMap(\.stringValue) ?? []
                guard list == ["audio"] || list == ["text"] else {
                    return emitError(.invalidValue("response.output_modalities", "Invalid value for 'response.output_modalities': supported values are [\"audio\"] or [\"text\"]."), clientEventId: eventId)
                }
            }
            if let format = parameters["audio"]?["output"]?["format"] {
                do { _ = try RealtimeSessionConfig.format(format, path: "response.audio.output.format") } catch {
                    return emitError(error, clientEventId: eventId)
                }
            }
        }
        if let active {
            return emitError(
                RealtimeErrorInfo(
                    code: "conversation_already_has_active_response",
                    message: "Conversation already has an active response in progress: \(active.id). Wait until the response is finished before creating a new one."),
                clientEventId: eventId)
        }
        let instructions = parameters?["instructions"]?.stringValue
        let reply: FakeAgentReply
        var turn: Int?
        if let instructions, let phrase = FakeAgentScript.quotedPhrase(in: instructions) {
            reply = FakeAgentReply(phrase)
        } else if !greetingDone && callerTurns == 0 {
            greetingDone = true
            reply = script.greeting
        } else if answeredTurns < callerTurns {
            answeredTurns = callerTurns
            turn = callerTurns
            reply = script.reply(forTurn: callerTurns)
        } else {
            reply = script.defaultLine
        }
        startResponse(reply: reply, turn: turn, parameters: parameters)
    }

    mutating func startResponse(reply: FakeAgentReply, turn: Int?, parameters: RealtimeJSON?) {
        let modalities = parameters?["output_modalities"]?.arrayValue?.compactMap(\.stringValue) ?? config.outputModalities
        let formatJSON = parameters?["audio"]?["output"]?["format"]
        let format = formatJSON.flatMap { try? RealtimeSessionConfig.format($0, path: "") } ?? config.outputFormat
        var response = ActiveResponse(
            id: ids.make("resp_"), turn: turn, text: reply.text, tool: nil, audioOut: modalities == ["audio"], format: format,
            voice: parameters?["audio"]?["output"]?["voice"] ?? config.voice, modalities: modalities,
            maxOutputTokens: parameters?["max_output_tokens"] ?? config.maxOutputTokens,
            metadata: parameters?["metadata"] ?? .null)
        // A real model only calls tools it was given.
        let tools = parameters?["tools"]?.arrayValue ?? config.tools
        let toolChoice = parameters?["tool_choice"] ?? config.toolChoice
        if let tool = reply.tool, toolChoice.stringValue != "none",
            tools.contains(where: { $0["type"]?.stringValue == "function" && $0["name"]?.stringValue == tool.name })
        {
            response.tool = tool
        }
        emit("response.created", ["response": responseJSON(response, status: "in_progress", details: .null, usage: .null)])
        emit(
            "rate_limits.updated",
            [
                "rate_limits": [
                    .obj(["name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012]),
                    .obj(["name": "tokens", "limit": 40000, "remaining": 38000, "reset_seconds": 3.0]),
                ]
            ])
        if let turn, script.faults.rateLimitOnTurn == turn {
            active = response
            return finish(
                status: "failed",
                details: .obj([
                    "type": "failed",
                    "error": .obj([
                        "type": "tokens", "code": "rate_limit_exceeded",
                        "message": .string("Rate limit reached for \(config.model) in organization org-fake on tokens per min (TPM): Limit 40000, Used 40000, Requested 3188. Please try again in 4.2s."),
                    ]),
                ]))
        }
        guard !reply.text.isEmpty else {
            active = response
            return finish(status: "completed", details: .null)
        }
        let itemId = ids.make("item_")
        response.itemId = itemId
        response.words = reply.text.split(separator: " ", omittingEmptySubsequences: false)
        if response.audioOut {
            let bytesPerMs = format.bytesPerMillisecond
            response.totalAudioBytes = script.timing.audioMilliseconds(for: reply.text) * bytesPerMs
            let chunk = script.timing.deltaMilliseconds * bytesPerMs
            response.deltaCount = (response.totalAudioBytes + chunk - 1) / chunk
        } else {
            response.deltaCount = max(1, (response.words.count + 2) / 3)
        }
        var entry = ConversationEntry(id: itemId, type: "message", role: "assistant", contentType: response.audioOut ? "output_audio" : "output_text")
        entry.bytesPerMs = format.bytesPerMillisecond
        entry.transcript = ""
        let previous = items.last?.id
        items.append(entry)
        emit("response.output_item.added", ["response_id": .string(response.id), "output_index": 0, "item": entry.json(status: "in_progress").setting("content", [])])
        emit("conversation.item.added", ["previous_item_id": .optional(previous), "item": entry.json(status: "in_progress").setting("content", [])])
        let part: RealtimeJSON = response.audioOut ? .obj(["type": "output_audio", "transcript": ""]) : .obj(["type": "output_text", "text": ""])
        emit(
            "response.content_part.added",
            ["response_id": .string(response.id), "item_id": .string(itemId), "output_index": 0, "content_index": 0, "part": part])
        active = response
        scheduleTick(after: script.timing.firstDeltaDelay)
    }

    mutating func scheduleTick(after delay: Duration) {
        tickGeneration &+= 1
        actions.append(.tick(after: delay, generation: tickGeneration))
    }

    /// Emits the next delta of the active response; closes the response after the last one.
    mutating func tick() {
        guard active != nil else { return }
        emitNextDelta()
        guard var response = active else { return }
        if let turn = response.turn, script.faults.abruptCloseOnTurn == turn,
            response.deltasSent >= min(script.faults.abruptCloseAfterDeltas, response.deltaCount)
        {
            response.tool = nil
            active = response
            return abort()
        }
        if response.deltasSent >= response.deltaCount {
            finish(status: "completed", details: .null)
        } else {
            scheduleTick(after: script.timing.deltaInterval)
        }
    }

    /// One transcript (or text) delta for the words due, then one audio delta.
    mutating func emitNextDelta() {
        guard var response = active, let itemId = response.itemId, response.deltasSent < response.deltaCount else { return }
        let index = response.deltasSent
        let wordsDue = response.words.count * (index + 1) / response.deltaCount
        if wordsDue > response.wordsSent {
            var piece = ""
            for w in response.wordsSent..<wordsDue {
                piece += response.words[w]
                if w < response.words.count - 1 { piece += " " }
            }
            response.wordsSent = wordsDue
            response.transcriptSent += piece
            emit(
                response.audioOut ? "response.output_audio_transcript.delta" : "response.output_text.delta",
                ["response_id": .string(response.id), "item_id": .string(itemId), "output_index": 0, "content_index": 0, "delta": .string(piece)])
        }
        if response.audioOut {
            let chunk = script.timing.deltaMilliseconds * response.format.bytesPerMillisecond
            let bytes = min(chunk, response.totalAudioBytes - response.audioBytesSent)
            response.audioBytesSent += bytes
            assistantAudioPresent = true
            if let entryIndex = items.firstIndex(where: { $0.id == itemId }) { items[entryIndex].audioBytes += bytes }
            emit(
                "response.output_audio.delta",
                [
                    "response_id": .string(response.id), "item_id": .string(itemId), "output_index": 0, "content_index": 0,
                    "delta": .string(audio.base64(response.format, bytes: bytes)),
                ])
        }
        response.deltasSent += 1
        active = response
    }

    /// Cancels the active response: late in-flight deltas, then the closing events.
    mutating func cancelActive(reason: String) {
        guard let response = active else { return }
        let late = min(script.faults.lateDeltasAfterCancel, response.deltaCount - response.deltasSent)
        for _ in 0..<max(0, late) { emitNextDelta() }
        active?.tool = nil
        tickGeneration &+= 1  // the pending tick is stale now
        finish(status: "cancelled", details: .obj(["type": "cancelled", "reason": .string(reason)]))
    }

    /// Closes every open part and item, emits `response.done`, then held user transcripts.
    mutating func finish(status: String, details: RealtimeJSON) {
        guard var response = active else { return }
        let itemStatus = status == "completed" ? "completed" : "incomplete"
        if let itemId = response.itemId {
            let ids: KeyValuePairs<String, RealtimeJSON> = [
                "response_id": .string(response.id), "item_id": .string(itemId), "output_index": 0, "content_index": 0,
            ]
            let transcript = response.transcriptSent
            if response.audioOut {
                let audioDone = { (m: inout FakeRealtimeSessionMachine) in m.emit("response.output_audio.done", ids) }
                let transcriptDone = { (m: inout FakeRealtimeSessionMachine) in
                    m.emit(
                        "response.output_audio_transcript.done",
                        ["response_id": .string(response.id), "item_id": .string(itemId), "output_index": 0, "content_index": 0, "transcript": .string(transcript)])
                }
                if script.faults.transcriptDoneBeforeAudioDone {
                    transcriptDone(&self)
                    audioDone(&self)
                } else {
                    audioDone(&self)
                    transcriptDone(&self)
                }
            } else {
                emit(
                    "response.output_text.done",
                    ["response_id": .string(response.id), "item_id": .string(itemId), "output_index": 0, "content_index": 0, "text": .string(transcript)])
            }
            let part: RealtimeJSON = response.audioOut ? .obj(["type": "output_audio", "transcript": .string(transcript)]) : .obj(["type": "output_text", "text": .string(transcript)])
            emit(
                "response.content_part.done",
                ["response_id": .string(response.id), "item_id": .string(itemId), "output_index": 0, "content_index": 0, "part": part])
            var itemJSON = RealtimeJSON.null
            if let index = items.firstIndex(where: { $0.id == itemId }) {
                items[index].transcript = transcript
                itemJSON = items[index].json(status: itemStatus)
            }
            emit("response.output_item.done", ["response_id": .string(response.id), "output_index": 0, "item": itemJSON])
            let previous = items.firstIndex(where: { $0.id == itemId }).flatMap { $0 > 0 ? items[$0 - 1].id : nil }
            emit("conversation.item.done", ["previous_item_id": .optional(previous), "item": itemJSON])
            response.output.append(itemJSON)
        }
        if status == "completed", let tool = response.tool {
            emitToolCall(tool, response: &response)
        }
        let outputTokens = response.transcriptSent.count / 4 + response.audioBytesSent / 400
        let usage = RealtimeJSON.obj([
            "total_tokens": .int(outputTokens + 100), "input_tokens": 100, "output_tokens": .int(outputTokens),
            "input_token_details": .obj(["cached_tokens": 0, "text_tokens": 100, "audio_tokens": 0]),
            "output_token_details": .obj(["text_tokens": .int(response.transcriptSent.count / 4), "audio_tokens": .int(response.audioBytesSent / 400)]),
        ])
        emit("response.done", ["response": responseJSON(response, status: status, details: details, usage: usage)])
        let finalStatus = status
        let responseId = response.id
        recorder.record(recordIndex) { $0.responseLog.append(.init(id: responseId, status: finalStatus)) }
        active = nil
        let held = heldTranscripts
        heldTranscripts.removeAll()
        for transcript in held { emitUserTranscript(itemId: transcript.itemId, text: transcript.text) }
    }

    private mutating func emitToolCall(_ tool: FakeToolCall, response: inout ActiveResponse) {
        let outputIndex = response.output.count
        var entry = ConversationEntry(id: ids.make("item_"), type: "function_call")
        entry.callId = ids.make("call_")
        entry.name = tool.name
        entry.arguments = ""
        let previous = items.last?.id
        items.append(entry)
        emit("response.output_item.added", ["response_id": .string(response.id), "output_index": .int(outputIndex), "item": entry.json(status: "in_progress")])
        emit("conversation.item.added", ["previous_item_id": .optional(previous), "item": entry.json(status: "in_progress")])
        let arguments = tool.arguments
        let split = arguments.index(arguments.startIndex, offsetBy: arguments.count / 2)
        for piece in [String(arguments[..<split]), String(arguments[split...])] where !piece.isEmpty {
            emit(
                "response.function_call_arguments.delta",
                [
                    "response_id": .string(response.id), "item_id": .string(entry.id), "output_index": .int(outputIndex),
                    "call_id": .optional(entry.callId), "delta": .string(piece),
                ])
        }
        emit(
            "response.function_call_arguments.done",
            [
                "response_id": .string(response.id), "item_id": .string(entry.id), "output_index": .int(outputIndex),
                "call_id": .optional(entry.callId), "name": .string(tool.name), "arguments": .string(arguments),
            ])
        entry.arguments = arguments
        if let index = items.firstIndex(where: { $0.id == entry.id }) { items[index] = entry }
        let done = entry.json(status: "completed")
        emit("response.output_item.done", ["response_id": .string(response.id), "output_index": .int(outputIndex), "item": done])
        emit("conversation.item.done", ["previous_item_id": .optional(previous), "item": done])
        response.output.append(done)
    }

    func responseJSON(_ response: ActiveResponse, status: String, details: RealtimeJSON, usage: RealtimeJSON) -> RealtimeJSON {
        .obj([
            "object": "realtime.response", "id": .string(response.id), "status": .string(status), "status_details": details,
            "output": .array(response.output), "conversation_id": .string(conversationId),
            "output_modalities": .array(response.modalities.map { .string($0) }),
            "max_output_tokens": response.maxOutputTokens,
            "audio": .obj(["output": .obj(["format": response.format.json, "voice": response.voice])]),
            "usage": usage, "metadata": response.metadata,
        ])
    }
}
