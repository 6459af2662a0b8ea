extension TimerKind {
    var index: Int {
        switch self {
        case .noResponse: 0
        case .maxDuration: 1
        case .playbackFallback: 2
        case .endDeadline: 3
        case .streamLost: 4
        }
    }
}

extension CallStateMachine {
    /// Level-triggered timers (principle 7): after every event, arm exactly the deadlines the facts call
    /// for and cancel the rest. Each arm bumps the slot's generation, so an expiry already in flight for
    /// an older arm is stale and does nothing (S6).
    mutating func reconcileTimers(at now: Milliseconds, into actions: inout [CallAction]) {
        guard isLive else {
            for kind in TimerKind.allCases { cancel(kind, into: &actions) }
            return
        }
        let facts = SilenceFacts(
            conversationOpen: stream == .open && (pendingEnd == nil || pendingEnd.map(endIsDead) == true),
            callerSpeaking: callerSpeaking, botBusy: botBusy, botFinishedAt: botFinishedAt,
            callerStoppedAt: callerStoppedAt, repromptsInSilence: repromptsInSilence)
        if let next = configuration.policies.noResponse.next(facts, configuration: configuration) {
            let slot = timers[TimerKind.noResponse.index]
            if slot.deadline != next.deadline || slot.step != next.step {
                arm(.noResponse, deadline: next.deadline, step: next.step, into: &actions)
            }
        } else {
            cancel(.noResponse, into: &actions)
        }

        if let answeredAt, !maxDurationReached {
            let deadline = answeredAt + configuration.maxCallDuration
            if timers[TimerKind.maxDuration.index].deadline != deadline {
                arm(.maxDuration, deadline: deadline, step: nil, into: &actions)
            }
        }
        if let streamStoppedAt, !configuration.streamStopEndsCall {
            let deadline = streamStoppedAt + configuration.streamLostGrace
            if timers[TimerKind.streamLost.index].deadline != deadline {
                arm(.streamLost, deadline: deadline, step: nil, into: &actions)
            }
        }
        if pendingEnd == nil {
            cancel(.playbackFallback, into: &actions)
            cancel(.endDeadline, into: &actions)
        }
    }

    var maxDurationReached: Bool {
        get { timers[TimerKind.maxDuration.index].step == .politeEnd }
        set { timers[TimerKind.maxDuration.index].step = newValue ? .politeEnd : nil }
    }

    mutating func arm(_ kind: TimerKind, deadline: Milliseconds, step: SilenceStep?, into actions: inout [CallAction]) {
        cancel(kind, into: &actions)
        timers[kind.index].generation += 1
        timers[kind.index].deadline = deadline
        if kind != .maxDuration { timers[kind.index].step = step }
        actions.append(.armTimer(kind, generation: timers[kind.index].generation, deadline: deadline))
    }

    mutating func cancel(_ kind: TimerKind, into actions: inout [CallAction]) {
        guard timers[kind.index].deadline != nil else { return }
        timers[kind.index].deadline = nil
        if kind != .maxDuration { timers[kind.index].step = nil }
        actions.append(.cancelTimer(kind, generation: timers[kind.index].generation))
    }

    mutating func timerFired(_ kind: TimerKind, generation: Int, at now: Milliseconds, into actions: inout [CallAction]) {
        let slot = timers[kind.index]
        // S6: stale generation, disarmed slot, early delivery, or a call already over: nothing.
        guard slot.generation == generation, let deadline = slot.deadline, now >= deadline, isLive else { return }
        timers[kind.index].deadline = nil
        switch kind {
        case .noResponse:
            timers[kind.index].step = nil
            switch slot.step {
            case .reprompt?:
                repromptsInSilence = 1
                actions.append(.log(.reprompt))
                requestResponse(.reprompt, into: &actions)
            case .politeEnd?:
                repromptsInSilence = 2
                requestPoliteEnd(reason: .noResponse, at: now, into: &actions)
            case nil:
                break
            }
        case .maxDuration:
            maxDurationReached = true
            if pendingEnd == nil || pendingEnd.map(endIsDead) == true {
                pendingEnd = nil
                requestPoliteEnd(reason: .maxDuration, at: now, into: &actions)
            } else {
                // An end is already pending: the hard limit makes it unconditional — end the call
                // once what is queued has played, whatever the agent still does.
                let mark = sendPlaybackMark(into: &actions)
                pendingEnd?.anchor = .playback(markSequence: mark)
                pendingEnd?.cancellableBySpeech = false
            }
        case .playbackFallback:
            pendingEnd?.fallbackExpired = true
        case .streamLost:
            actions.append(.log(.error("media stream lost and the carrier did not end the call; hanging up")))
            issueHangup(reason: .streamFailed, via: "stream_lost", responseID: nil, polite: false, into: &actions)
        case .endDeadline:
            if let end = pendingEnd, !endIsDead(end), pendingEndIsWaitingForAgent {
                actions.append(.log(.error("the agent did not produce the goodbye in time; ending after queued audio")))
                let mark = sendPlaybackMark(into: &actions)
            pendingEnd?.anchor = .playback(markSequence: mark)
            }
        }
    }
}
