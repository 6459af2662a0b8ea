import CallCore

extension ScheduleRun {
    /// Queues one whole response on the agent's socket: created, audio (or sentences to synthesize),
    /// the transcript and audio-done in either order, an optional tool call, then response.done.
    mutating func enqueueResponse(text: String, tool: AgentTool?) {
        guard agentOpen else { return }
        let id = "resp_\(nextResponse)"
        nextResponse += 1
        var outputs: [CallEvent] = [.agentResponseCreated(responseID: id)]
        if scenario.pipeline {
            for sentence in text.split(separator: ".", omittingEmptySubsequences: true) {
                let operation = nextSynthesis
                nextSynthesis += 1
                outputs.append(.ttsRequested(operationID: operation, responseID: id, text: String(sentence).trimmingCharacters()))
            }
        } else {
            let chunks = Int(random.int(1...5))
            for _ in 0..<chunks {
                outputs.append(.agentAudioDelta(responseID: id, itemID: "item_\(id)", audio: AudioPayload(base64: "", byteCount: Int(random.int(800...4_800)))))
            }
            let transcript = CallEvent.agentTranscriptDone(responseID: id, itemID: "item_\(id)", text: text)
            let audioDone = CallEvent.agentAudioDone(responseID: id, itemID: "item_\(id)")
            if random.chance(scenario.transcriptAfterAudioDone) {
                outputs += [audioDone, transcript]
            } else {
                outputs += [transcript, audioDone]
            }
        }
        if let tool {
            outputs.append(.agentToolCall(responseID: id, callID: "call_\(id)", tool: tool))
        }
        outputs.append(.agentResponseDone(responseID: id, status: .completed))
        agentOutputs += outputs.map { ($0, 0) }
        scheduleAgentStep()
    }

    mutating func scheduleAgentStep() {
        guard !agentStepScheduled, agentOpen, let first = agentOutputs.first else { return }
        agentStepScheduled = true
        queue.schedule(.agentStep, on: .agent, at: max(first.notBefore, clock + latency(1...40)))
    }

    /// Emits the agent's next output.
    mutating func agentStep() {
        guard agentOpen, let first = agentOutputs.first else { return }
        guard first.notBefore <= clock else {
            scheduleAgentStep()
            return
        }
        let event = agentOutputs.removeFirst().event
        switch event {
        case .agentResponseCreated(let id): emittingResponse = id
        case .ttsRequested(let op, let id, _): synthesisOwner.append((op, id))
        case .agentResponseDone(let id, _):
            emittingResponse = nil
            scheduleNextCallerTurn(after: id)
        default: break
        }
        deliver(event, channel: .agent)
        scheduleAgentStep()
    }

    /// Server VAD heard the caller while a response was generating: cancel it the way the API does —
    /// a few deltas already in flight, the closing events, then response.done cancelled.
    mutating func agentHeardSpeech() {
        guard machine.configuration.agentCancelsOnSpeech, let id = emittingResponse else { return }
        cancelAgentResponse(id, reason: .cancelled)
    }

    mutating func cancelAgentResponse(_ id: String, reason: ResponseStatus) {
        guard emittingResponse == id else { return }
        var kept: [(event: CallEvent, notBefore: Milliseconds)] = []
        var inFlight = Int(random.int(0...2))
        var rest: [(event: CallEvent, notBefore: Milliseconds)] = []
        var beyond = false
        for output in agentOutputs {
            let event = output.event
            if beyond { rest.append(output); continue }
            switch event {
            case .agentAudioDelta(let r, _, _) where r == id:
                if inFlight > 0 { kept.append(output); inFlight -= 1 }
            case .ttsRequested(_, let r, _) where r == id:
                break
            case .agentToolCall(let r, _, _) where r == id:
                break
            case .agentAudioDone(let r, _) where r == id, .agentTranscriptDone(let r, _, _) where r == id:
                kept.append(output)
            case .agentResponseDone(let r, _) where r == id:
                kept.append((.agentResponseDone(responseID: id, status: reason), 0))
                beyond = true
            default:
                rest.append(output)
            }
        }
        agentOutputs = kept + rest
    }

    /// After the bot's reply to turn i−1 (or the greeting), the caller speaks turn i after its gap.
    mutating func scheduleNextCallerTurn(after responseID: String) {
        guard pendingTurn < scenario.turns.count else { return }
        let turn = scenario.turns[pendingTurn]
        queue.schedule(.callerTurn(pendingTurn), on: .phone, at: clock + turn.gap, ordered: false)
        pendingTurn += 1
    }

    /// The caller speaks: VAD start and stop on the agent's socket, a few audio frames on the phone's,
    /// the transcript, then the agent's reply (the last reply closes the call).
    mutating func callerTurn(_ index: Int) {
        guard agentOpen, !phone.stopped else { return }
        let turn = scenario.turns[index]
        deliver(.callerSpeechStarted, channel: .agent)
        for frame in 0..<3 {
            queue.schedule(.event(.callerAudio(AudioPayload(base64: "", byteCount: 160))), on: .phone, at: clock + Milliseconds(frame) * 20)
        }
        let last = index == scenario.closingTurn
        let stopAt = clock + turn.duration
        let transcript = CallEvent.callerTranscript(itemID: "user_\(index)", text: turn.transcript)
        agentOutputs.append((.callerSpeechStopped, stopAt))
        if !scenario.callerTranscriptLate { agentOutputs.append((transcript, stopAt)) }
        if last {
            switch scenario.closing {
            case .goodbyePhrase: enqueueResponse(text: "Thanks for calling. Goodbye!", tool: nil)
            case .endCallTool: enqueueResponse(text: "Let me end the call for you now.", tool: .endCall(reason: "caller finished"))
            case .transferTool: enqueueResponse(text: "I will transfer you to a person now.", tool: .transferCall(reason: "caller asked"))
            }
        } else {
            enqueueResponse(text: turn.reply, tool: nil)
        }
        if scenario.callerTranscriptLate { agentOutputs.append((transcript, 0)) }
    }

    /// One chunk (or the end) of a running synthesis.
    mutating func synthesisStep(_ operation: Int) {
        guard let index = synthesisChunks.firstIndex(where: { $0.operation == operation }) else { return }
        if synthesisChunks[index].remaining == 0 {
            synthesisChunks.remove(at: index)
            let failed = inFaultWindow && random.chance(0.05)
            deliver(failed ? .ttsFailed(operationID: operation, reason: "HTTP 429 too_many_concurrent_requests") : .ttsFinished(operationID: operation), channel: .synthesis)
            return
        }
        synthesisChunks[index].remaining -= 1
        deliver(.ttsChunk(operationID: operation, audio: AudioPayload(base64: "", byteCount: Int(random.int(400...1_600)))), channel: .synthesis)
        queue.schedule(.synthesisStep(operation), on: .synthesis, at: clock + latency(10...120))
    }
}

extension String {
    func trimmingCharacters() -> String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
