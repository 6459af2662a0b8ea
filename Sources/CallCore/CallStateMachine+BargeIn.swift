extension CallStateMachine {
    /// The caller started speaking. If the bot was talking: clear the phone's buffer, truncate each
    /// playing item at the position the caller actually heard, drop the rest of those responses' audio,
    /// and cancel a goodbye that had not been heard yet (S3). Stale mark echoes of the cleared audio are
    /// ignored from here on (new mark generation). The clear is the first action: the caller hears the
    /// bot stop before anything is told to the agent or the store.
    mutating func callerSpeechStarted(at now: Milliseconds, into actions: inout [CallAction]) {
        callerSpeaking = true
        repromptsInSilence = 0
        guard isLive else { return }
        let clearsPlayback = !pendingMarks.isEmpty
        if clearsPlayback && canSendToPhone { actions.append(.clearAudio) }

        var interruptedID: String?
        var heard: Milliseconds = 0
        var interruptedSomething = false
        for index in responses.indices {
            let response = responses[index]
            let generating = response.status == nil && !response.interrupted
            let unplayed = response.hasAudio && !response.playbackConfirmed && response.playedMilliseconds < response.sentMilliseconds
            let synthesizing = syntheses.contains { $0.responseID == response.id && $0.progress != .done }
            guard generating || unplayed || synthesizing, !response.interrupted else { continue }
            responses[index].interrupted = true
            responses[index].outputClosed = true
            interruptedSomething = true
            interruptedID = response.id
            heard = response.playedMilliseconds
            if generating && !configuration.agentCancelsOnSpeech && agent == .ready {
                actions.append(.cancelResponse(responseID: response.id))
            }
            for item in response.items where item.sentMilliseconds > item.playedMilliseconds {
                if agent == .ready {
                    actions.append(.truncate(itemID: item.itemID, audioEndMilliseconds: min(item.playedMilliseconds, item.sentMilliseconds)))
                }
            }
            settleIfKnown(index, at: now, into: &actions)
        }
        for index in syntheses.indices where syntheses[index].progress != .done {
            if syntheses[index].progress == .running {
                actions.append(.cancelSynthesis(operationID: syntheses[index].id))
            }
            syntheses[index].progress = .done
            interruptedSomething = true
        }
        // A pipeline reply cut mid-synthesis is saved now (with the part heard), in conversation order.
        for index in responses.indices where responses[index].interrupted && !responses[index].settled {
            settleIfKnown(index, at: now, into: &actions)
        }
        if clearsPlayback {
            pendingMarks.removeAll()
            markGeneration += 1
            playedMillisecondsTotal = sentMillisecondsTotal
            interruptedSomething = true
        }
        outputResponseID = nil
        if interruptedSomething {
            actions.append(.log(.bargeIn(responseID: interruptedID, heardMilliseconds: heard)))
        }
        guard let end = pendingEnd else { return }
        if case .hangup(.noResponse) = end.kind {
            pendingEnd = nil  // the caller is back: no "no response" end while they talk
            return
        }
        let anchorInterrupted: Bool
        switch end.anchor {
        case .requested: anchorInterrupted = true
        case .response(let id): anchorInterrupted = responseIndex(id).map { responses[$0].interrupted } ?? false
        case .playback: anchorInterrupted = false
        }
        guard anchorInterrupted else { return }
        if end.cancellableBySpeech {
            // A goodbye stays recorded but can never be carried out: its response was interrupted (the
            // policy's condition 5). One we asked for and never saw is called off.
            if case .requested = end.anchor { pendingEnd = nil }
        } else {
            // A hard end (maximum duration, shutdown) goes on after whatever is still queued.
            let mark = sendPlaybackMark(into: &actions)
            pendingEnd?.anchor = .playback(markSequence: mark)
        }
    }
}
