extension CallStateMachine {
    /// The eight conditions for the pending end, as they hold right now.
    func endConditions() -> EndConditions {
        var c = EndConditions(
            callLive: !ended && stream == .open, notYetExecuted: hangup == .notIssued && transferProgress == .notIssued,
            endPending: pendingEnd != nil, responseMatches: false, notCancelled: false, audioDone: false,
            playbackConfirmed: false, responseDone: false, fallbackExpired: pendingEnd?.fallbackExpired ?? false,
            transmitDead: transmit == .dead)
        guard let end = pendingEnd else { return c }
        switch end.anchor {
        case .requested:
            break
        case .playback(let sequence):
            c.responseMatches = true
            c.notCancelled = true
            c.audioDone = true
            c.responseDone = true
            c.playbackConfirmed = playbackMarkConfirmed(sequence)
        case .response(let id):
            guard let index = responseIndex(id) else { break }
            let response = responses[index]
            let synthesisOpen = syntheses.contains { $0.responseID == id && $0.progress != .done }
            c.responseMatches = true
            c.notCancelled = !response.interrupted && response.status != .cancelled && response.status != .failed
            c.audioDone = (response.audioDone || response.status != nil || agent == .closed) && !synthesisOpen
            // A closed agent sends nothing more: a response whose audio or transcript was complete counts
            // as done (its response.done was lost with the socket).
            c.responseDone = response.status == .completed || response.status == .incomplete
                || (response.status == nil && agent == .closed && (response.transcriptDone || response.audioDone))
            c.playbackConfirmed = response.playbackConfirmed
        }
        return c
    }

    /// Level-triggered: after every event, ask the hangup policy whether the pending end is due.
    mutating func evaluateEnd(trigger: CallEvent, at now: Milliseconds, into actions: inout [CallAction]) {
        guard let end = pendingEnd else { return }
        let conditions = endConditions()
        switch configuration.policies.hangup.decide(conditions, trigger: trigger) {
        case .execute:
            let via: String
            if conditions.playbackConfirmed {
                via = trigger.name
            } else {
                via = conditions.transmitDead ? "transmit_dead" : "playback_fallback"
                actions.append(.log(.stuckPlayback(unplayedMilliseconds: unplayedMilliseconds, via: via)))
            }
            switch end.kind {
            case .hangup(let reason):
                issueHangup(reason: reason, via: via, responseID: pendingEndResponseID, polite: true, into: &actions)
            case .transfer(let target):
                issueTransfer(target: target, into: &actions)
            }
        case .awaitPlayback:
            armPlaybackFallback(at: now, into: &actions)
        case .wait:
            let failing = conditions.failing
            if failing != end.lastSkipped {
                pendingEnd?.lastSkipped = failing
                actions.append(.log(.hangupSkipped(conditions: failing)))
            }
        }
    }

    /// Bound the wait for the mark echo: the unplayed audio plus a grace period, or the short stall grace
    /// when the transmit side is stuck (seed 003). Armed once per pending end.
    mutating func armPlaybackFallback(at now: Milliseconds, into actions: inout [CallAction]) {
        let slot = timers[TimerKind.playbackFallback.index]
        let bound = transmit == .stalled
            ? configuration.stalledTransmitGrace
            : unplayedMilliseconds + configuration.playbackFallbackGrace
        let deadline = now + bound
        if let existing = slot.deadline, existing <= deadline { return }
        arm(.playbackFallback, deadline: deadline, step: nil, into: &actions)
    }

    mutating func issueHangup(reason: HangupReason, via: String, responseID: String?, polite: Bool, into actions: inout [CallAction]) {
        guard hangup == .notIssued, transferProgress == .notIssued, !ended else { return }
        hangup = .issued
        endReason = reason.rawValue
        hungUpBy = "switchboard"
        pendingEnd = nil
        if polite { actions.append(.log(.politeHangup(via: via, responseID: responseID))) }
        stopOutput(into: &actions)
        actions.append(.hangUp(reason: reason))
        actions.append(.log(.hangupExecuted(reason: reason)))
    }

    mutating func issueTransfer(target: String, into actions: inout [CallAction]) {
        guard hangup == .notIssued, transferProgress == .notIssued, !ended else { return }
        transferProgress = .issued
        endReason = "transferred"
        hungUpBy = "transfer"
        pendingEnd = nil
        stopOutput(into: &actions)
        actions.append(.transfer(target: target))
        actions.append(.log(.transferExecuted(target: target)))
    }

    /// Nothing more will play: cancel syntheses and forget queued marks.
    mutating func stopOutput(into actions: inout [CallAction]) {
        for index in syntheses.indices where syntheses[index].progress != .done {
            if syntheses[index].progress == .running {
                actions.append(.cancelSynthesis(operationID: syntheses[index].id))
            }
            syntheses[index].progress = .done
        }
        outputResponseID = nil
    }

    mutating func hangupFinished(_ outcome: CommandOutcome, at now: Milliseconds, into actions: inout [CallAction]) {
        guard hangup == .issued else { return }
        hangup = .finished
        switch outcome {
        case .succeeded:
            // The carrier stops the stream itself.
            endCall(reason: endReason ?? "hangup", hungUpBy: "switchboard", at: now, into: &actions)
        case .alreadyEnded:
            // The carrier says the call is over: release our side of a stream still open.
            if stream == .open { actions.append(.closeMediaStream) }
            endCall(reason: endReason ?? "hangup", hungUpBy: "switchboard", at: now, into: &actions)
        case .failed(let message):
            // The carrier would not hang up: closing our side of the stream ends `<Connect>` (Twilio).
            actions.append(.log(.error("hangup failed: \(message); closing the media stream")))
            if stream == .open { actions.append(.closeMediaStream) }
            endCall(reason: endReason ?? "hangup", hungUpBy: "switchboard", at: now, into: &actions)
        }
    }

    mutating func transferFinished(_ outcome: CommandOutcome, at now: Milliseconds, into actions: inout [CallAction]) {
        guard transferProgress == .issued else { return }
        transferProgress = .finished
        switch outcome {
        case .succeeded:
            endCall(reason: "transferred", hungUpBy: "transfer", at: now, into: &actions)
        case .alreadyEnded:
            endCall(reason: "caller_hangup", hungUpBy: "caller", at: now, into: &actions)
        case .failed(let message):
            actions.append(.log(.error("transfer failed: \(message); hanging up")))
            endReason = HangupReason.transferFailed.rawValue
            hangup = .issued
            actions.append(.hangUp(reason: .transferFailed))
            actions.append(.log(.hangupExecuted(reason: .transferFailed)))
        }
    }

    /// Ask the agent for a goodbye and hang up once it has been heard; without an agent, hang up once
    /// what is queued has played. Never twice: an end already pending wins.
    mutating func requestPoliteEnd(reason: HangupReason, at now: Milliseconds, into actions: inout [CallAction]) {
        guard isLive else { return }
        if let end = pendingEnd, !endIsDead(end) { return }
        let cancellable = reason == .noResponse
        if stream == .open && agent == .ready && !responses.contains(where: { $0.isActive && !$0.interrupted }) && outstandingRequests.isEmpty {
            pendingEnd = PendingEnd(kind: .hangup(reason), anchor: .requested(.politeEnd), cancellableBySpeech: cancellable)
            requestResponse(.politeEnd, into: &actions)
            arm(.endDeadline, deadline: now + configuration.endResponseDeadline, step: nil, into: &actions)
        } else {
            pendingEnd = PendingEnd(kind: .hangup(reason), anchor: .playback(markSequence: sendPlaybackMark(into: &actions)), cancellableBySpeech: cancellable)
        }
    }

    /// A goodbye whose response was interrupted can never be carried out.
    func endIsDead(_ end: PendingEnd) -> Bool {
        guard case .response(let id) = end.anchor, let index = responseIndex(id) else { return false }
        return responses[index].interrupted || responses[index].status == .cancelled || responses[index].status == .failed
    }
}
