import CallCore

/// Checks DESIGN's invariants from the outside: it sees only the inputs delivered to the machine, the
/// actions it returned, and what the simulated phone really played. It shares no code with the machine's
/// decisions, so a broken policy shows up here.
///
/// Safety, after every step: S1 one hangup, one transfer, one finalize · S2 nothing to the phone after a
/// hangup, a transfer or the stream's stop · S3 no polite hangup for an interrupted response · S4 only
/// cleanup after the end, nothing after finalize · S5 every accepted message written once and acknowledged
/// before finalize · S6 stale timers do nothing · S7 no interleaved responses · S8 (added) a polite hangup
/// never cuts audio the phone still has queued, unless the bounded fallback declared playback stuck ·
/// S9 (added) a re-prompt only after real silence.
/// Liveness, at the end of a run: L1 an uninterrupted completed goodbye is followed by a hangup · L2 the
/// call is finalized with no timer, agent session or synthesis left · L3 silence → one re-prompt → one
/// polite end.
public struct InvariantChecker: Sendable {
    public private(set) var violations: [Violation] = []
    let configuration: CallConfiguration

    var hangups: [HangupReason] = []
    var transfers = 0
    var finalized = false
    var streamStopped = false
    var callEnded = false
    var endedByCarrierSide = false
    var phoneSilencedAt: Milliseconds?

    struct ResponseFacts: Sendable {
        var id: String
        var generating = true
        var status: ResponseStatus?
        var interrupted = false
        var goodbye = false
        var endTool = false
        var transferTool = false
        var transcript: String?
        var pendingMarks = 0
        var completedWhileLive = false
    }
    var responses: [ResponseFacts] = []
    var synthesisResponse: [(operation: Int, response: String)] = []
    var pendingMarks: [(name: String, response: String?)] = []
    var audioOrderSinceClear: [String] = []
    var lastAudioResponse: String?

    var callerSpeaking = false
    var callerStoppedAt: Milliseconds = 0
    var callerTranscripts: [String] = []
    var agentTranscripts: [String] = []
    var messageWrites: [(sequence: Int, role: MessageRole, text: String)] = []
    var issuedWrites: [Int] = []
    var acknowledgedWrites: [Int] = []
    var timerGeneration: [Int] = Array(repeating: -1, count: TimerKind.allCases.count)
    var armedTimers: [Bool] = Array(repeating: false, count: TimerKind.allCases.count)
    var agentStarted = false
    var agentCloseRequested = false
    var runningSyntheses: [Int] = []
    var reprompts = 0
    var politeEndRequests = 0
    var transmitImpaired = false

    public init(configuration: CallConfiguration) {
        self.configuration = configuration
    }

    mutating func fail(_ invariant: String, _ message: String, _ now: Milliseconds) {
        violations.append(Violation(invariant: invariant, message: message, time: now))
    }

    func index(of id: String) -> Int? { responses.firstIndex { $0.id == id } }

    mutating func response(_ id: String) -> Int {
        if let index = index(of: id) { return index }
        responses.append(ResponseFacts(id: id))
        return responses.count - 1
    }

    /// Observes one step. `phoneUnplayed(id)` is how much of response `id`'s audio the phone has not
    /// played yet at `now`; `phoneFinishedAt` is when the phone last ran out of audio.
    public mutating func observe(_ event: CallEvent, at now: Milliseconds, actions: [CallAction], phoneUnplayed: (String) -> Milliseconds, phoneFinishedAt: Milliseconds) {
        checkBeforeActions(event, at: now, actions: actions)
        var stuckDeclared = false
        for action in actions {
            if case .log(.stuckPlayback) = action { stuckDeclared = true }
        }
        var eventResponse: String?
        switch event {
        case .agentAudioDelta(let id, _, _): eventResponse = id
        case .ttsChunk(let op, _): eventResponse = synthesisResponse.first { $0.operation == op }?.response
        default: break
        }
        var afterAudio = false
        for action in actions {
            check(action, at: now, eventResponse: eventResponse, afterAudio: afterAudio, stuckDeclared: stuckDeclared, phoneUnplayed: phoneUnplayed, phoneFinishedAt: phoneFinishedAt, batch: actions)
            if case .sendAudio = action { afterAudio = true } else { afterAudio = false }
        }
        observeAfterActions(event, at: now)
    }

    // MARK: - Inputs

    mutating func checkBeforeActions(_ event: CallEvent, at now: Milliseconds, actions: [CallAction]) {
        if finalized && !actions.isEmpty {
            fail("S4", "actions after finalize: \(actions)", now)
        }
        switch event {
        case .timerFired(let kind, let generation):
            let index = kind.index
            if (generation != timerGeneration[index] || !armedTimers[index]) && !actions.isEmpty {
                fail("S6", "stale \(kind) timer (generation \(generation)) produced \(actions)", now)
            }
            if generation == timerGeneration[index] { armedTimers[index] = false }
        case .callerSpeechStarted:
            callerSpeaking = true
            if !callEnded {
                for i in responses.indices where responses[i].generating || responses[i].pendingMarks > 0 {
                    responses[i].interrupted = true
                }
            }
        case .storeWriteAcknowledged(let id, _):
            acknowledgedWrites.append(id)
        case .transmitStalled, .transmitDead:
            transmitImpaired = true
        case .callerSpeechStopped:
            callerSpeaking = false
            callerStoppedAt = now
        case .agentResponseCreated(let id):
            _ = response(id)
        case .agentTranscriptDone(let id, _, let text):
            let i = response(id)
            responses[i].transcript = text
            if configuration.goodbye.isGoodbye(text) { responses[i].goodbye = true }
            if !finalized { agentTranscripts.append(text) }
        case .agentToolCall(let id, _, let tool):
            let i = response(id)
            if case .endCall = tool { responses[i].endTool = true }
            if case .transferCall = tool { responses[i].transferTool = true }
        case .ttsRequested(let op, let id, let text):
            synthesisResponse.append((op, id))
            let i = response(id)
            responses[i].transcript = (responses[i].transcript.map { $0 + " " } ?? "") + text
            if !finalized { agentTranscripts.append(text) }
        default:
            break
        }
    }

    mutating func observeAfterActions(_ event: CallEvent, at now: Milliseconds) {
        switch event {
        case .agentResponseDone(let id, let status):
            let i = response(id)
            if responses[i].status == nil {
                responses[i].status = status
                responses[i].generating = false
                if status == .cancelled { responses[i].interrupted = true }
                if !callEnded && hangups.isEmpty && transfers == 0 && (status == .completed || status == .incomplete) {
                    responses[i].completedWhileLive = true
                }
            }
        case .agentSessionClosed:
            for i in responses.indices { responses[i].generating = false }
        case .callerSpeechStarted:
            // Marks cleared by the barge-in no longer count.
            pendingMarks.removeAll()
            for i in responses.indices { responses[i].pendingMarks = 0 }
        case .markPlayed(let name):
            if let position = pendingMarks.firstIndex(where: { $0.name == name }) {
                for mark in pendingMarks[...position] {
                    if let id = mark.response, let i = index(of: id) { responses[i].pendingMarks -= 1 }
                }
                pendingMarks.removeSubrange(...position)
            }
        case .streamStopped:
            streamStopped = true
            pendingMarks.removeAll()
            for i in responses.indices { responses[i].pendingMarks = 0 }
            if configuration.streamStopEndsCall || transfers > 0 { endCall(byCarrier: hangups.isEmpty && transfers == 0) }
        case .carrierReportedCallEnded, .streamStartRefusedCallEnded, .answerResult(.alreadyEnded):
            endCall(byCarrier: hangups.isEmpty && transfers == 0)
        case .answerResult(.failed):
            endCall(byCarrier: false)
        case .hangupResult:
            if !hangups.isEmpty { endCall(byCarrier: false) }
        case .transferResult(let outcome):
            if transfers > 0, !outcome.isFailure { endCall(byCarrier: false) }
        case .callerTranscript(_, let text):
            if !callEnded && !text.isEmpty { callerTranscripts.append(text) }
        case .ttsFinished(let op), .ttsFailed(let op, _):
            runningSyntheses.removeAll { $0 == op }
        default:
            break
        }
    }

    mutating func endCall(byCarrier: Bool) {
        if !callEnded { endedByCarrierSide = byCarrier }
        callEnded = true
    }

    // MARK: - Actions

    mutating func check(_ action: CallAction, at now: Milliseconds, eventResponse: String?, afterAudio: Bool, stuckDeclared: Bool, phoneUnplayed: (String) -> Milliseconds, phoneFinishedAt: Milliseconds, batch: [CallAction]) {
        let phoneClosed = !hangups.isEmpty || transfers > 0 || streamStopped
        switch action {
        case .sendAudio:
            if phoneClosed { fail("S2", "audio sent after hangup/transfer/stop", now) }
            if callEnded { fail("S4", "audio after the call ended", now) }
            if let id = eventResponse {
                if lastAudioResponse != id {
                    if audioOrderSinceClear.contains(id) {
                        fail("S7", "audio of \(id) resumed after \(lastAudioResponse ?? "?") started playing", now)
                    }
                    audioOrderSinceClear.append(id)
                    lastAudioResponse = id
                }
            }
        case .sendMark(let name):
            if phoneClosed { fail("S2", "mark sent after hangup/transfer/stop", now) }
            if callEnded { fail("S4", "mark after the call ended", now) }
            // A mark right after a chunk of audio tells when that chunk has played; others carry no audio.
            let owner = afterAudio ? lastAudioResponse : nil
            pendingMarks.append((name, owner))
            if let id = owner, let i = index(of: id) { responses[i].pendingMarks += 1 }
        case .clearAudio:
            if phoneClosed { fail("S2", "clear sent after hangup/transfer/stop", now) }
            if callEnded { fail("S4", "clear after the call ended", now) }
            pendingMarks.removeAll()
            for i in responses.indices { responses[i].pendingMarks = 0 }
            audioOrderSinceClear.removeAll()
            lastAudioResponse = nil
        case .hangUp(let reason):
            hangups.append(reason)
            if hangups.count > 1 { fail("S1", "second hangup (\(hangups))", now) }
            if callEnded { fail("S4", "hangup after the call ended", now) }
            if reason == .noResponse && callerSpeaking { fail("S9", "no-response hangup while the caller is speaking", now) }
        case .transfer:
            transfers += 1
            if transfers > 1 { fail("S1", "second transfer", now) }
            if !hangups.isEmpty { fail("S1", "transfer after hangup", now) }
            if callEnded { fail("S4", "transfer after the call ended", now) }
        case .log(.politeHangup(_, let id?)):
            if let i = index(of: id) {
                let reasonIsGoodbye = batch.contains { $0 == .hangUp(reason: .botGoodbye) || $0 == .hangUp(reason: .endCallTool) }
                if responses[i].interrupted && reasonIsGoodbye {
                    fail("S3", "polite hangup for interrupted response \(id)", now)
                }
                if !stuckDeclared && phoneUnplayed(id) > 0 {
                    fail("S8", "polite hangup with \(phoneUnplayed(id)) ms of \(id) still unplayed at the phone", now)
                }
            }
        case .createResponse(let request):
            if callEnded { fail("S4", "response requested after the call ended", now) }
            if request == .reprompt {
                reprompts += 1
                // With a stalled or dead transmit side the phone may still play audio the machine cleared
                // and cannot reach; silence is then measured from the caller alone.
                let silentSince = transmitImpaired ? callerStoppedAt : max(callerStoppedAt, phoneFinishedAt)
                if callerSpeaking || now - silentSince < configuration.repromptAfter {
                    fail("S9", "re-prompt after only \(now - silentSince) ms of silence (caller speaking: \(callerSpeaking))", now)
                }
            }
            if request == .politeEnd { politeEndRequests += 1 }
        case .truncate, .cancelResponse:
            if callEnded { fail("S4", "agent command after the call ended", now) }
        case .store(let id, let record):
            issuedWrites.append(id)
            if case .message(let sequence, let role, let text, _, _, _) = record {
                if messageWrites.contains(where: { $0.sequence == sequence }) {
                    fail("S5", "message sequence \(sequence) written twice", now)
                }
                messageWrites.append((sequence, role, text))
            }
        case .finalize:
            if finalized { fail("S1", "finalize twice", now) }
            finalized = true
            let batchWrites = batch.compactMap { if case .store(let id, _) = $0 { return id } else { return nil } }
            let unacknowledged = issuedWrites.filter { !acknowledgedWrites.contains($0) && !batchWrites.contains($0) }
            if !unacknowledged.isEmpty { fail("S5", "finalize with \(unacknowledged.count) writes unacknowledged", now) }
            for text in callerTranscripts where !messageWrites.contains(where: { $0.role == .caller && $0.text == text }) {
                fail("S5", "caller message '\(text)' not written before finalize", now)
            }
            for text in agentTranscripts where !messageWrites.contains(where: { $0.role == .agent && $0.text.contains(text) }) {
                fail("S5", "agent text '\(text)' not written before finalize", now)
            }
        case .armTimer(let kind, let generation, _):
            timerGeneration[kind.index] = generation
            armedTimers[kind.index] = true
        case .cancelTimer(let kind, let generation):
            if timerGeneration[kind.index] == generation { armedTimers[kind.index] = false }
        case .startAgentSession:
            agentStarted = true
        case .closeAgentSession:
            agentCloseRequested = true
        case .synthesize(let op, _):
            runningSyntheses.append(op)
        case .cancelSynthesis(let op):
            runningSyntheses.removeAll { $0 == op }
        default:
            break
        }
    }

    // MARK: - Liveness

    /// Checks L1–L3 once the run is over. `silentCaller`: the caller never spoke and nothing else ended
    /// the call (L3 applies).
    public mutating func checkLiveness(at now: Milliseconds, silentCaller: Bool) {
        if !finalized { fail("L2", "call never finalized", now) }
        if armedTimers.contains(true) { fail("L2", "a timer is still armed at the end", now) }
        if agentStarted && !agentCloseRequested && !callEnded { fail("L2", "agent session never closed", now) }
        if !runningSyntheses.isEmpty { fail("L2", "synthesis \(runningSyntheses) never finished or cancelled", now) }
        for response in responses where response.completedWhileLive && !response.interrupted {
            let endsCall = response.goodbye || response.endTool || response.transferTool
            if endsCall && hangups.isEmpty && transfers == 0 && !endedByCarrierSide {
                fail("L1", "goodbye \(response.id) completed uninterrupted but the call was never ended", now)
            }
        }
        if silentCaller && !endedByCarrierSide {
            if reprompts != 1 { fail("L3", "\(reprompts) re-prompts in silence (expected 1)", now) }
            if politeEndRequests != 1 || hangups != [.noResponse] {
                fail("L3", "silence ended with \(politeEndRequests) polite-end requests and hangups \(hangups)", now)
            }
        }
    }
}

extension TimerKind {
    /// Position of the kind in `allCases`, for array-backed bookkeeping.
    var index: Int { TimerKind.allCases.firstIndex(of: self) ?? 0 }
}

extension CommandOutcome {
    var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}
