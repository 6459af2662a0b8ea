extension CallStateMachine {
    /// The pipeline agent produced a sentence. Its text belongs to the response whatever happens to the
    /// audio (saved even when cut). Syntheses run one at a time, in order, so two sentences never play
    /// over each other (S7).
    mutating func synthesisRequested(operationID: Int, responseID: String, text: String, at now: Milliseconds, into actions: inout [CallAction]) {
        guard !syntheses.contains(where: { $0.id == operationID }) else { return }
        let index = ensureResponse(responseID)
        responses[index].text += responses[index].text.isEmpty ? text : " " + text
        let playable = canSendToPhone && !responses[index].interrupted && !responses[index].outputClosed
        syntheses.append(SynthesisOperation(id: operationID, responseID: responseID, text: text, progress: playable ? .queued : .done))
        startNextSynthesis(into: &actions)
    }

    mutating func startNextSynthesis(into actions: inout [CallAction]) {
        guard !syntheses.contains(where: { $0.progress == .running }),
            let next = syntheses.firstIndex(where: { $0.progress == .queued })
        else { return }
        syntheses[next].progress = .running
        actions.append(.synthesize(operationID: syntheses[next].id, text: syntheses[next].text))
    }

    mutating func synthesisChunk(operationID: Int, audio: AudioPayload, into actions: inout [CallAction]) {
        guard let operation = syntheses.first(where: { $0.id == operationID }), operation.progress == .running else { return }
        audioDelta(responseID: operation.responseID, itemID: "tts-\(operationID)", audio: audio, into: &actions)
    }

    mutating func synthesisEnded(operationID: Int, failure: String?, into actions: inout [CallAction]) {
        guard let index = syntheses.firstIndex(where: { $0.id == operationID }) else { return }
        let wasRunning = syntheses[index].progress != .done
        syntheses[index].progress = .done
        if let failure, wasRunning {
            actions.append(.log(.error("text to speech failed: \(failure)")))
        }
        let responseID = syntheses[index].responseID
        startNextSynthesis(into: &actions)
        if let responseIndex = responseIndex(responseID) {
            sendFinalMarkIfComplete(responseIndex, into: &actions)
        }
        // Forget finished operations, keeping the list bounded.
        syntheses.removeAll { $0.progress == .done }
    }

    var activeSyntheses: Int {
        syntheses.reduce(0) { $0 + ($1.progress == .running ? 1 : 0) }
    }
}
