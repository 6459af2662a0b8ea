extension CallStateMachine {
    /// Asks the agent to speak; at most one request outstanding, never while a response is generating
    /// (protocols §7.2: serialize `response.create` behind `response.done`).
    mutating func requestResponse(_ request: ResponseRequest, into actions: inout [CallAction]) {
        guard isLive, agent == .ready else { return }
        outstandingRequests.append(request)
        actions.append(.createResponse(request))
    }

    mutating func responseCreated(id: String, at now: Milliseconds) {
        guard responseIndex(id) == nil else { return }
        var record = ResponseRecord(id: id)
        if !outstandingRequests.isEmpty {
            record.origin = outstandingRequests.removeFirst()
        }
        responses.append(record)
        pruneResponses()
        if let origin = record.origin, case .requested(let requested)? = pendingEnd?.anchor, requested == origin {
            pendingEnd?.anchor = .response(id)
        }
    }

    mutating func transcriptDone(responseID: String, text: String, at now: Milliseconds, into actions: inout [CallAction]) {
        guard let index = responseIndex(responseID) else { return }
        responses[index].text = text
        responses[index].transcriptDone = true
        if !ended && !responses[index].interrupted && configuration.goodbye.isGoodbye(text) {
            responses[index].isGoodbye = true
            actions.append(.log(.botByeDetected(responseID: responseID, text: text)))
            armEnd(.hangup(.botGoodbye), responseID: responseID)
        }
        settleIfKnown(index, at: now, into: &actions)
    }

    mutating func responseDone(responseID: String, status: ResponseStatus, at now: Milliseconds, into actions: inout [CallAction]) {
        let index = ensureResponse(responseID)
        guard responses[index].status == nil else { return }  // duplicate response.done
        responses[index].status = status
        if status == .cancelled { responses[index].interrupted = true }
        if status == .failed {
            actions.append(.log(.error("agent response \(responseID) failed")))
        }
        if outputResponseID == responseID && responses[index].interrupted {
            outputResponseID = nil
        }
        sendFinalMarkIfComplete(index, into: &actions)
        settleIfKnown(index, at: now, into: &actions)
        // A response we asked for that the agent never spoke (failed, cancelled): a pending polite end
        // must not wait on it.
        if case .response(let id)? = pendingEnd?.anchor, id == responseID, status == .failed || (status == .cancelled && pendingEnd?.cancellableBySpeech == false) {
            let mark = sendPlaybackMark(into: &actions)
            pendingEnd?.anchor = .playback(markSequence: mark)
        }
    }

    mutating func toolCall(responseID: String, tool: AgentTool, at now: Milliseconds, into actions: inout [CallAction]) {
        guard isLive else { return }
        let index = ensureResponse(responseID)
        switch tool {
        case .endCall:
            guard !responses[index].interrupted else { return }
            armEnd(.hangup(.endCallTool), responseID: responseID)
        case .transferCall:
            guard let target = configuration.transferTarget else {
                actions.append(.log(.error("transfer_call requested but no transfer target is configured")))
                return
            }
            guard !responses[index].interrupted else { return }
            armEnd(.transfer(target), responseID: responseID)
        case .other(let name):
            actions.append(.log(.notice("ignoring unknown tool \(name)")))
        }
    }

    /// Records that `responseID` ends the call once heard. A transfer outranks a hangup; a later goodbye
    /// replaces an earlier one.
    mutating func armEnd(_ kind: PendingEnd.Kind, responseID: String) {
        guard isLive else { return }
        if pendingEnd != nil, pendingEndResponseID == responseID {
            // Already ending with this response (a polite end we asked for, or a transfer): keep why.
            if case .transfer = kind { pendingEnd?.kind = kind }
            return
        }
        pendingEnd = PendingEnd(kind: kind, anchor: .response(responseID), cancellableBySpeech: true)
    }
}
