extension CallStateMachine {
    /// Every write gets an id; finalize waits until all are acknowledged (S5).
    mutating func write(_ record: StoreRecord, into actions: inout [CallAction]) {
        let id = nextWriteID
        nextWriteID += 1
        pendingWriteIDs.append(id)
        actions.append(.store(writeID: id, record))
    }

    mutating func writeMessage(role: MessageRole, text: String, interrupted: Bool, heard: String?, at now: Milliseconds, into actions: inout [CallAction]) {
        let sequence = nextMessageSequence
        nextMessageSequence += 1
        write(.message(sequence: sequence, role: role, text: text, interrupted: interrupted, heardText: heard, at: now), into: &actions)
    }

    /// Writes the agent's message for a response once its fate is known: generated to the end, and either
    /// heard to the end or interrupted (then with the part the caller heard). Written once.
    mutating func settleIfKnown(_ index: Int, at now: Milliseconds, into actions: inout [CallAction]) {
        let response = responses[index]
        guard !response.settled, response.status != nil || response.interrupted else { return }
        // The text is known (a transcript, or the pipeline's sentences) and no sentence is still being synthesized.
        guard (response.transcriptDone || !response.text.isEmpty) && !syntheses.contains(where: { $0.responseID == response.id && $0.progress != .done }) else { return }
        guard response.playbackConfirmed || response.interrupted || !response.hasAudio || ended else { return }
        settle(index, at: now, into: &actions)
    }

    mutating func settle(_ index: Int, at now: Milliseconds, into actions: inout [CallAction]) {
        let response = responses[index]
        guard !response.settled else { return }
        responses[index].settled = true
        guard !response.text.isEmpty else { return }
        let heardAll = response.playbackConfirmed || (!response.interrupted && response.playedMilliseconds >= response.sentMilliseconds)
        if heardAll {
            writeMessage(role: .agent, text: response.text, interrupted: false, heard: nil, at: now, into: &actions)
        } else {
            let heard = Self.heardPrefix(of: response.text, played: response.playedMilliseconds, sent: response.sentMilliseconds)
            writeMessage(role: .agent, text: response.text, interrupted: true, heard: heard, at: now, into: &actions)
        }
    }

    /// The part of `text` the caller heard, assuming speech is spread evenly over the audio, cut back
    /// to a word boundary.
    static func heardPrefix(of text: String, played: Milliseconds, sent: Milliseconds) -> String {
        guard sent > 0, played > 0 else { return "" }
        let characters = Array(text)
        let count = Int(Int64(characters.count) * min(played, sent) / sent)
        guard count < characters.count else { return text }
        var end = count
        while end > 0 && !characters[end - 1].isWhitespace && !characters[end].isWhitespace { end -= 1 }
        return String(characters[..<end]).trimmingSpaces()
    }

    /// A timeline entry for each lifecycle event (not per-frame audio, marks or acknowledgements).
    mutating func recordTimeline(of event: CallEvent, at now: Milliseconds, into actions: inout [CallAction]) {
        guard configuration.recordsTimeline, !ended || isEndingEvent(event) else { return }
        let detail: String
        switch event {
        case .callerAudio, .agentAudioDelta, .ttsChunk, .markPlayed, .storeWriteAcknowledged:
            return
        case .timerFired(let kind, let generation):
            guard timers[kind.index].generation == generation, timers[kind.index].deadline != nil else { return }
            detail = ""
        case .callStarted(let info): detail = "from=\(info.from) to=\(info.to)"
        case .streamStarted(let id): detail = "stream=\(id)"
        case .callerTranscript(_, let text): detail = text
        case .callerDTMF(let digit): detail = digit
        case .agentResponseCreated(let id): detail = id
        case .agentAudioDone(let id, _): detail = id
        case .agentTranscriptDone(let id, _, let text): detail = "\(id) \(text)"
        case .agentResponseDone(let id, let status): detail = "\(id) \(status.rawValue)"
        case .agentToolCall(let id, _, let tool): detail = "\(id) \(tool)"
        case .ttsRequested(let op, _, let text): detail = "op=\(op) \(text)"
        case .ttsFinished(let op): detail = "op=\(op)"
        case .ttsFailed(let op, let reason): detail = "op=\(op) \(reason)"
        case .hangupResult(let outcome), .transferResult(let outcome): detail = "\(outcome)"
        case .operatorTransfer(let target): detail = target
        default: detail = ""
        }
        let sequence = nextTimelineSequence
        nextTimelineSequence += 1
        write(.timeline(sequence: sequence, at: now, kind: event.name, detail: detail), into: &actions)
    }

    /// Key log markers emitted since `first` also go to the timeline, so the stored record shows why
    /// the call ended the way it did.
    mutating func recordMarkers(from first: Int, at now: Milliseconds, into actions: inout [CallAction]) {
        guard configuration.recordsTimeline else { return }
        var index = first
        let end = actions.count
        while index < end {
            if case .log(let marker) = actions[index], !marker.isVerboseOnly {
                let sequence = nextTimelineSequence
                nextTimelineSequence += 1
                write(.timeline(sequence: sequence, at: now, kind: "marker", detail: marker.line), into: &actions)
            }
            index += 1
        }
    }

    func isEndingEvent(_ event: CallEvent) -> Bool {
        switch event {
        case .agentSessionClosed, .agentTranscriptDone, .agentResponseDone, .hangupResult, .transferResult, .carrierReportedCallEnded, .streamStopped:
            true
        default:
            false
        }
    }

    /// Finalize exactly once (S1), when the finalize policy allows; first settle every response whose
    /// message was not written yet, so nothing the machine accepted is lost (S5).
    mutating func evaluateFinalize(at now: Milliseconds, into actions: inout [CallAction]) {
        guard ended, !finalized else { return }
        let agentClosed = agent == .closed || agent == .notStarted
        if agentClosed {
            for index in responses.indices where !responses[index].settled {
                settle(index, at: now, into: &actions)
            }
        }
        let conditions = FinalizeConditions(ended: ended, agentClosed: agentClosed, activeSyntheses: activeSyntheses, pendingWrites: pendingWriteIDs.count, alreadyFinalized: finalized)
        guard configuration.policies.finalize.mayFinalize(conditions) else { return }
        finalized = true
        write(.finalized(at: now, failedWrites: failedWrites), into: &actions)
        actions.append(.log(.callFinalized(failedWrites: failedWrites)))
        actions.append(.finalize)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var characters = Substring(self)
        while characters.last?.isWhitespace == true { characters.removeLast() }
        while characters.first?.isWhitespace == true { characters.removeFirst() }
        return String(characters)
    }
}
