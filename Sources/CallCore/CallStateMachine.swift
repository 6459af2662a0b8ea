/// The pure per-call state machine (DESIGN, principles 1–3): a value type with no I/O, no clock and no
/// randomness. Feed it every event of one call, in order, with the time it happened; execute the actions
/// it returns and feed their outcomes back as events. After *every* event it re-evaluates, level-triggered,
/// whether an end is due, which timers should be armed, and whether the call may be finalized.
///
/// Invariants it maintains (checked independently by `CallSimulation`):
/// - S1 at most one hangup and one transfer; finalize exactly once.
/// - S2 no audio, mark or clear to the phone after a hangup, a transfer or the stream's stop.
/// - S3 an interrupted or cancelled response never causes a polite hangup.
/// - S4 nothing but store writes after the call ended; nothing at all after finalize.
/// - S5 every accepted message is written once, and acknowledged before finalize.
/// - S6 a stale or late timer does nothing.
/// - S7 never two responses' audio interleaved on the phone.
public struct CallStateMachine: Sendable {
    public let configuration: CallConfiguration

    var info: CallInfo?
    var ringing = false
    var answeredAt: Milliseconds?
    var stream = StreamLink.none
    var streamOpenedAt: Milliseconds?
    /// When an open stream stopped (nil while it is open or never opened).
    var streamStoppedAt: Milliseconds?
    var agent = AgentLink.notStarted
    var transmit = TransmitHealth.healthy
    var hangup = CommandProgress.notIssued
    var transferProgress = CommandProgress.notIssued
    var endReason: String?
    var hungUpBy: String?
    var ended = false
    var finalized = false

    var responses: [ResponseRecord] = []
    /// The response whose audio is currently going to the phone (S7).
    var outputResponseID: String?
    /// Requests we sent (`createResponse`) whose `response.created` has not arrived, oldest first.
    var outstandingRequests: [ResponseRequest] = []
    var pendingEnd: PendingEnd?

    var markGeneration = 0
    var nextMarkSequence = 0
    var pendingMarks: [PendingMark] = []
    var sentMillisecondsTotal: Milliseconds = 0
    var playedMillisecondsTotal: Milliseconds = 0

    var callerSpeaking = false
    var callerStoppedAt: Milliseconds?
    var botFinishedAt: Milliseconds = 0
    var repromptsInSilence = 0

    var syntheses: [SynthesisOperation] = []

    var timers: [TimerSlot] = Array(repeating: TimerSlot(), count: TimerKind.allCases.count)

    var nextWriteID = 0
    var pendingWriteIDs: [Int] = []
    var failedWrites = 0
    var nextMessageSequence = 0
    var nextTimelineSequence = 0

    public init(configuration: CallConfiguration = CallConfiguration()) {
        self.configuration = configuration
    }

    // MARK: - Read-only view

    /// Where the call is in its life.
    public var phase: CallPhase {
        if finalized { return .finalized }
        if ended { return .ended }
        if hangup != .notIssued || transferProgress != .notIssued { return .ending }
        if stream == .open { return .live }
        if answeredAt != nil { return .connecting }
        if ringing { return .ringing }
        return .idle
    }

    public var isEnded: Bool { ended }
    public var isFinalized: Bool { finalized }
    public var pendingWriteCount: Int { pendingWriteIDs.count }
    public var endReasonDescription: String? { endReason }

    // MARK: - Input

    /// Applies one event that happened at `now` and returns what to do.
    public mutating func handle(_ event: CallEvent, at now: Milliseconds) -> [CallAction] {
        var actions: [CallAction] = []
        handle(event, at: now, into: &actions)
        return actions
    }

    /// Applies one event, appending actions to `actions` (lets the hot path reuse one buffer).
    public mutating func handle(_ event: CallEvent, at now: Milliseconds, into actions: inout [CallAction]) {
        if finalized { return }  // S4: nothing after finalize.
        recordTimeline(of: event, at: now, into: &actions)
        let first = actions.count
        apply(event, at: now, into: &actions)
        if !ended {
            evaluateEnd(trigger: event, at: now, into: &actions)
        }
        reconcileTimers(at: now, into: &actions)
        recordMarkers(from: first, at: now, into: &actions)
        evaluateFinalize(at: now, into: &actions)
    }

    // MARK: - Dispatch

    mutating func apply(_ event: CallEvent, at now: Milliseconds, into actions: inout [CallAction]) {
        switch event {
        case .callStarted(let info):
            guard self.info == nil else { return }
            self.info = info
            ringing = true
            write(.callStarted(info, at: now), into: &actions)
            actions.append(.log(.callStarted))
            if configuration.answersCall { actions.append(.answerCall) }
        case .callAnswered:
            guard answeredAt == nil, !ended else { return }
            answeredAt = now
            botFinishedAt = now
            write(.callAnswered(at: now), into: &actions)
            if configuration.startsStreamOnAnswer && stream == .none {
                stream = .requested
                actions.append(.startStream)
            }
        case .streamStarted:
            streamStarted(at: now, into: &actions)
        case .streamStopped:
            streamStopped(at: now, into: &actions)
        case .streamStartRefusedCallEnded:
            if stream == .requested { stream = .stopped }
            endCall(reason: "caller_hangup", hungUpBy: "caller", at: now, into: &actions)
        case .streamFailed(let reason):
            guard isLive, stream != .stopped else { return }
            actions.append(.log(.error("media stream failed: \(reason); hanging up")))
            issueHangup(reason: .streamFailed, via: "stream_failed", responseID: nil, polite: false, into: &actions)
        case .carrierReportedCallEnded:
            let byUs = hangup != .notIssued
            endCall(reason: byUs ? (endReason ?? "hangup") : "caller_hangup", hungUpBy: byUs ? "switchboard" : "caller", at: now, into: &actions)
        case .transmitStalled:
            if transmit == .healthy { transmit = .stalled }
        case .transmitDead:
            transmit = .dead
        case .callerAudio(let audio):
            if canForwardCallerAudio { actions.append(.forwardCallerAudio(audio)) }
        case .callerSpeechStarted:
            callerSpeechStarted(at: now, into: &actions)
        case .callerSpeechStopped:
            callerSpeaking = false
            callerStoppedAt = now
        case .callerTranscript(_, let text):
            guard !text.isEmpty else { return }
            writeMessage(role: .caller, text: text, interrupted: false, heard: nil, at: now, into: &actions)
        case .callerDTMF:
            break
        case .markPlayed(let name):
            markPlayed(name: name, at: now, into: &actions)
        case .agentSessionReady:
            agentReady(at: now, into: &actions)
        case .agentSessionClosed:
            agentClosed(at: now, into: &actions)
        case .agentResponseCreated(let id):
            responseCreated(id: id, at: now)
        case .agentAudioDelta(let responseID, let itemID, let audio):
            audioDelta(responseID: responseID, itemID: itemID, audio: audio, into: &actions)
        case .agentAudioDone(let responseID, _):
            guard let index = responseIndex(responseID) else { return }
            responses[index].audioDone = true
            sendFinalMarkIfComplete(index, into: &actions)
        case .agentTranscriptDone(let responseID, _, let text):
            transcriptDone(responseID: responseID, text: text, at: now, into: &actions)
        case .agentResponseDone(let responseID, let status):
            responseDone(responseID: responseID, status: status, at: now, into: &actions)
        case .agentToolCall(let responseID, _, let tool):
            toolCall(responseID: responseID, tool: tool, at: now, into: &actions)
        case .ttsRequested(let operationID, let responseID, let text):
            synthesisRequested(operationID: operationID, responseID: responseID, text: text, at: now, into: &actions)
        case .ttsChunk(let operationID, let audio):
            synthesisChunk(operationID: operationID, audio: audio, into: &actions)
        case .ttsFinished(let operationID):
            synthesisEnded(operationID: operationID, failure: nil, into: &actions)
        case .ttsFailed(let operationID, let reason):
            synthesisEnded(operationID: operationID, failure: reason, into: &actions)
        case .answerResult(let outcome):
            answerFinished(outcome, at: now, into: &actions)
        case .hangupResult(let outcome):
            hangupFinished(outcome, at: now, into: &actions)
        case .transferResult(let outcome):
            transferFinished(outcome, at: now, into: &actions)
        case .storeWriteAcknowledged(let writeID, let succeeded):
            if let index = pendingWriteIDs.firstIndex(of: writeID) {
                pendingWriteIDs.remove(at: index)
                if !succeeded {
                    failedWrites += 1
                    actions.append(.log(.error("store write \(writeID) failed after retries")))
                }
            }
        case .timerFired(let kind, let generation):
            timerFired(kind, generation: generation, at: now, into: &actions)
        case .operatorHangup:
            guard isLive else { return }
            issueHangup(reason: .operatorRequest, via: "operator", responseID: nil, polite: false, into: &actions)
        case .operatorTransfer(let target):
            guard isLive else { return }
            issueTransfer(target: target, into: &actions)
        case .shutdownRequested:
            requestPoliteEnd(reason: .serverShutdown, at: now, into: &actions)
        }
    }

    // MARK: - Shared predicates

    /// The conversation may still act on the phone: answered, not ended, no hangup or transfer issued.
    var isLive: Bool {
        !ended && hangup == .notIssued && transferProgress == .notIssued
    }

    /// Audio, marks and clear may go to the phone (S2).
    var canSendToPhone: Bool {
        isLive && stream == .open && transmit != .dead
    }

    var canForwardCallerAudio: Bool {
        isLive && stream == .open && agent == .ready
    }

    func responseIndex(_ id: String) -> Int? {
        var index = responses.count - 1
        while index >= 0 {
            if responses[index].id == id { return index }
            index -= 1
        }
        return nil
    }

    /// The record of `id`, created if the agent's `response.created` was not seen (never for late events).
    mutating func ensureResponse(_ id: String) -> Int {
        if let index = responseIndex(id) { return index }
        responses.append(ResponseRecord(id: id))
        pruneResponses()
        return responses.count - 1
    }

    /// Forgets the oldest settled responses beyond the bound (principle 8).
    mutating func pruneResponses() {
        while responses.count > configuration.maxTrackedResponses,
            let index = responses.firstIndex(where: { $0.settled && $0.status != nil && $0.id != pendingEndResponseID })
        {
            responses.remove(at: index)
        }
    }

    var pendingEndResponseID: String? {
        if case .response(let id)? = pendingEnd?.anchor { return id }
        return nil
    }

    /// A response is being generated or audio is still unplayed, or a request is outstanding.
    var botBusy: Bool {
        !outstandingRequests.isEmpty || !pendingMarks.isEmpty
            || responses.contains(where: { $0.isActive && !$0.interrupted })
            || syntheses.contains(where: { $0.progress != .done })
    }
}
