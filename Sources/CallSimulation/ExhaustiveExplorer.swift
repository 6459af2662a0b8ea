import CallCore

/// Enumerates every interleaving of a small goodbye scenario and checks the invariants on each.
///
/// The scenario: a live call whose agent has sent the goodbye's audio (two chunks). What remains, in any
/// order the protocols allow: `transcript.done` and `audio.done` (either order), then `response.done`
/// (`cancelled` if the caller barged in first); each mark echo (only after its mark was sent, in order,
/// never after `stop`); optionally the caller barging in; optionally the stream stopping; and the
/// reactions to our commands (hangup result, agent session closed). Store writes are acknowledged at
/// once. Every complete ordering is a leaf; liveness is checked at each leaf.
public struct ExhaustiveExplorer {
    public private(set) var orderings = 0
    public private(set) var violations: [Violation] = []
    let configuration: CallConfiguration

    public init(configuration: CallConfiguration = .simulation) {
        self.configuration = configuration
    }

    struct State {
        var machine: CallStateMachine
        var checker: InvariantChecker
        var clock: Milliseconds = 0
        var transcriptDone = false
        var audioDone = false
        var responseDone = false
        var bargeInLeft: Bool
        var stopLeft: Bool
        var stopped = false
        var bargedIn = false
        var marksToEcho: [String] = []
        var clearedEchoes: [String] = []
        var hangupPending = false
        var agentClosePending = false
        var unacknowledged: [Int] = []
    }

    enum Step: CaseIterable {
        case transcript, audioDone, responseDone, echo, clearedEcho, bargeIn, stop, hangupResult, agentClosed
    }

    /// Explores all orderings for each combination of the optional events (barge-in, stream stop).
    public mutating func explore() {
        for bargeIn in [false, true] {
            for stop in [false, true] {
                var state = State(machine: CallStateMachine(configuration: configuration), checker: InvariantChecker(configuration: configuration), bargeInLeft: bargeIn, stopLeft: stop)
                setUp(&state)
                search(state, depth: 0)
            }
        }
    }

    func apply(_ event: CallEvent, to state: inout State) {
        state.clock += 20
        let actions = state.machine.handle(event, at: state.clock)
        state.checker.observe(event, at: state.clock, actions: actions, phoneUnplayed: { _ in 0 }, phoneFinishedAt: 0)
        for action in actions {
            switch action {
            case .sendMark(let name): if !state.stopped { state.marksToEcho.append(name) }
            case .clearAudio:
                state.clearedEchoes += state.marksToEcho
                state.marksToEcho.removeAll()
            case .hangUp: state.hangupPending = true
            case .closeAgentSession: state.agentClosePending = true
            case .closeMediaStream: if !state.stopped { state.stopLeft = true }
            case .store(let id, _): state.unacknowledged.append(id)
            default: break
            }
        }
        while !state.unacknowledged.isEmpty {
            let id = state.unacknowledged.removeFirst()
            let event = CallEvent.storeWriteAcknowledged(writeID: id, succeeded: true)
            let more = state.machine.handle(event, at: state.clock)
            state.checker.observe(event, at: state.clock, actions: more, phoneUnplayed: { _ in 0 }, phoneFinishedAt: 0)
            for case .store(let newID, _) in more { state.unacknowledged.append(newID) }
        }
    }

    func setUp(_ state: inout State) {
        apply(.callStarted(CallInfo(callID: "x", carrier: .twilio, carrierCallID: "CA-x", agentKind: "openai-realtime", from: "a", to: "b")), to: &state)
        apply(.callAnswered, to: &state)
        apply(.streamStarted(streamID: "MZ-x"), to: &state)
        apply(.agentSessionReady, to: &state)
        // The greeting request is answered by the goodbye itself, to keep the tree small.
        apply(.agentResponseCreated(responseID: "bye"), to: &state)
        apply(.agentAudioDelta(responseID: "bye", itemID: "i", audio: AudioPayload(base64: "", byteCount: 1_600)), to: &state)
        apply(.agentAudioDelta(responseID: "bye", itemID: "i", audio: AudioPayload(base64: "", byteCount: 1_600)), to: &state)
    }

    func enabled(_ state: State) -> [Step] {
        var steps: [Step] = []
        let agentOpen = !state.agentClosePending
        if agentOpen && !state.transcriptDone { steps.append(.transcript) }
        if agentOpen && !state.audioDone { steps.append(.audioDone) }
        if agentOpen && state.transcriptDone && state.audioDone && !state.responseDone { steps.append(.responseDone) }
        if !state.stopped && !state.marksToEcho.isEmpty { steps.append(.echo) }
        if !state.stopped && !state.clearedEchoes.isEmpty { steps.append(.clearedEcho) }
        if state.bargeInLeft && !state.stopped { steps.append(.bargeIn) }
        if state.stopLeft && !state.stopped { steps.append(.stop) }
        if state.hangupPending { steps.append(.hangupResult) }
        if state.agentClosePending { steps.append(.agentClosed) }
        return steps
    }

    mutating func search(_ state: State, depth: Int) {
        let steps = enabled(state)
        if steps.isEmpty || depth > 40 {
            var leaf = state
            leaf.checker.checkLiveness(at: leaf.clock, silentCaller: false)
            orderings += 1
            if !leaf.checker.violations.isEmpty && violations.count < 20 {
                violations += leaf.checker.violations
            }
            return
        }
        for step in steps {
            var next = state
            take(step, in: &next)
            if !next.checker.violations.isEmpty && next.checker.violations.count > state.checker.violations.count {
                orderings += 1
                if violations.count < 20 { violations += next.checker.violations }
                continue
            }
            search(next, depth: depth + 1)
        }
    }

    func take(_ step: Step, in state: inout State) {
        switch step {
        case .transcript:
            state.transcriptDone = true
            apply(.agentTranscriptDone(responseID: "bye", itemID: "i", text: "Thank you for calling. Goodbye!"), to: &state)
        case .audioDone:
            state.audioDone = true
            apply(.agentAudioDone(responseID: "bye", itemID: "i"), to: &state)
        case .responseDone:
            state.responseDone = true
            apply(.agentResponseDone(responseID: "bye", status: state.bargedIn ? .cancelled : .completed), to: &state)
        case .echo:
            let name = state.marksToEcho.removeFirst()
            apply(.markPlayed(name: name), to: &state)
        case .clearedEcho:
            let name = state.clearedEchoes.removeFirst()
            apply(.markPlayed(name: name), to: &state)
        case .bargeIn:
            state.bargeInLeft = false
            state.bargedIn = true
            apply(.callerSpeechStarted, to: &state)
            apply(.callerSpeechStopped, to: &state)
            // The caller talked, then hung up: end the call so liveness is about finishing, not about talk.
            if !state.stopLeft && !state.stopped { state.stopLeft = true }
        case .stop:
            state.stopLeft = false
            state.stopped = true
            state.marksToEcho.removeAll()
            state.clearedEchoes.removeAll()
            apply(.streamStopped, to: &state)
        case .hangupResult:
            state.hangupPending = false
            apply(.hangupResult(.succeeded), to: &state)
            if !state.stopped { state.stopLeft = true }
        case .agentClosed:
            state.agentClosePending = false
            apply(.agentSessionClosed, to: &state)
        }
    }
}
