extension CallStateMachine {
    mutating func streamStarted(at now: Milliseconds, into actions: inout [CallAction]) {
        // A stream that starts after the call ended (seed 000 §2) is ignored; so is a second start.
        guard !ended, stream == .none || stream == .requested else { return }
        stream = .open
        streamOpenedAt = now
        if answeredAt == nil {
            answeredAt = now
            write(.callAnswered(at: now), into: &actions)
        }
        botFinishedAt = now
        if agent == .notStarted {
            agent = .starting
            actions.append(.startAgentSession)
        }
    }

    /// The carrier answered our `answer` (the `call.answered` webhook follows), or the call was gone.
    mutating func answerFinished(_ outcome: CommandOutcome, at now: Milliseconds, into actions: inout [CallAction]) {
        switch outcome {
        case .succeeded:
            break
        case .alreadyEnded:
            // The caller hung up while it rang (seed 000 §2): the end of the call, not an error.
            endCall(reason: "caller_hangup", hungUpBy: "caller", at: now, into: &actions)
        case .failed(let message):
            actions.append(.log(.error("answer failed: \(message); ending the call")))
            endCall(reason: "answer_failed", hungUpBy: "switchboard", at: now, into: &actions)
        }
    }

    mutating func streamStopped(at now: Milliseconds, into actions: inout [CallAction]) {
        guard stream != .stopped else { return }
        if stream == .open { streamStoppedAt = now }
        stream = .stopped
        pendingMarks.removeAll()  // never echoed after stop
        if configuration.streamStopEndsCall || transferProgress != .notIssued {
            let byUs = hangup != .notIssued || transferProgress != .notIssued
            endCall(reason: byUs ? (endReason ?? "hangup") : "caller_hangup", hungUpBy: byUs ? (hungUpBy ?? "switchboard") : "caller", at: now, into: &actions)
        }
    }

    mutating func agentReady(at now: Milliseconds, into actions: inout [CallAction]) {
        guard agent == .starting else { return }
        agent = .ready
        if configuration.greetOnConnect && isLive && stream == .open && responses.isEmpty && outstandingRequests.isEmpty {
            requestResponse(.greeting, into: &actions)
        }
    }

    mutating func agentClosed(at now: Milliseconds, into actions: inout [CallAction]) {
        let wasUnexpected = agent == .ready || agent == .starting
        agent = .closed
        outstandingRequests.removeAll()
        for index in responses.indices where responses[index].status == nil {
            responses[index].outputClosed = true
            sendFinalMarkIfComplete(index, sessionClosed: true, into: &actions)
        }
        if wasUnexpected && isLive && stream == .open {
            actions.append(.log(.error("agent session closed mid-call; ending the call politely")))
            if pendingEnd == nil || pendingEndIsWaitingForAgent {
                pendingEnd = PendingEnd(kind: .hangup(.agentDisconnected), anchor: .playback(markSequence: sendPlaybackMark(into: &actions)), cancellableBySpeech: false)
            }
        }
    }

    /// The pending end still needs the agent to say something.
    var pendingEndIsWaitingForAgent: Bool {
        guard let end = pendingEnd else { return false }
        switch end.anchor {
        case .requested: return true
        case .response(let id):
            guard let index = responseIndex(id) else { return true }
            return responses[index].status == nil && !responses[index].audioDone
        case .playback: return false
        }
    }

    /// The call is over for the carrier: stop everything that touches it, close the agent, write the end.
    mutating func endCall(reason: String, hungUpBy: String?, at now: Milliseconds, into actions: inout [CallAction]) {
        guard !ended else { return }
        ended = true
        if endReason == nil || hangup == .notIssued && transferProgress == .notIssued { endReason = reason }
        if self.hungUpBy == nil { self.hungUpBy = hungUpBy }
        pendingMarks.removeAll()
        pendingEnd = nil
        stopOutput(into: &actions)
        if agent == .starting || agent == .ready {
            agent = .closing
            actions.append(.closeAgentSession)
        }
        if stream == .open && !configuration.streamStopEndsCall {
            actions.append(.closeMediaStream)
        }
        write(.callEnded(at: now, reason: endReason ?? reason, hungUpBy: self.hungUpBy), into: &actions)
        actions.append(.log(.callEnded(reason: endReason ?? reason)))
    }
}
