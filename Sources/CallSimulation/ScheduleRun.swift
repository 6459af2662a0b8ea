import CallCore

/// One generated call, driven to its end on a virtual clock. Every source (phone, agent, caller,
/// webhooks, timers, store, our REST commands, speech synthesis) is a process scheduling inputs on its
/// own channel; faults perturb them until `faultsEndAt`, then the world behaves so liveness can be judged.
struct ScheduleRun {
    var random: SplitMix64
    let scenario: Scenario
    var machine: CallStateMachine
    var checker: InvariantChecker
    var queue = EventQueue()
    var phone = SimulatedPhone()
    var clock: Milliseconds = 0
    var delivered = 0
    /// When set, every step is recorded as a line (for `simulate --replay N --trace`).
    var trace: [String]?
    let timeLimit: Milliseconds

    // Agent process.
    var agentOpen = false
    /// What the agent will emit next, in order; an output is not emitted before `notBefore`.
    var agentOutputs: [(event: CallEvent, notBefore: Milliseconds)] = []
    var agentStepScheduled = false
    var emittingResponse: String?
    var nextResponse = 0
    var nextSynthesis = 0
    var pendingTurn = 0
    var synthesisChunks: [(operation: Int, remaining: Int)] = []
    var synthesisOwner: [(operation: Int, response: String)] = []

    init(seed: UInt64, configuration: CallConfiguration) {
        random = SplitMix64(seed: seed)
        scenario = Scenario.generate(&random)
        var configuration = configuration
        configuration.agentCancelsOnSpeech = !scenario.pipeline
        if scenario.telnyx {
            configuration.answersCall = true
            configuration.startsStreamOnAnswer = true
            configuration.streamStopEndsCall = false
        }
        machine = CallStateMachine(configuration: configuration)
        checker = InvariantChecker(configuration: configuration)
        timeLimit = configuration.maxCallDuration + 120_000
    }

    var inFaultWindow: Bool { clock < scenario.faultsEndAt }

    mutating func latency(_ normal: ClosedRange<Int64>) -> Milliseconds {
        if inFaultWindow && random.chance(scenario.slowProbability) { return random.int(300...3_000) }
        return random.int(normal)
    }

    mutating func run() -> (events: Int, violations: [Violation]) {
        let agentKind = scenario.pipeline ? "pipeline" : "openai-realtime"
        if scenario.telnyx {
            // Answer, `call.answered` and the stream follow from the machine's own commands.
            queue.schedule(.event(.callStarted(CallInfo(callID: "sim", carrier: .telnyx, carrierCallID: "v3:sim", agentKind: agentKind, from: "+15550000001", to: "+15550000002"))), on: .webhook, at: 0)
        } else {
            queue.schedule(.event(.callStarted(CallInfo(callID: "sim", carrier: .twilio, carrierCallID: "CA-sim", agentKind: agentKind, from: "+15550000001", to: "+15550000002"))), on: .webhook, at: 0)
            queue.schedule(.event(.callAnswered), on: .webhook, at: 1)
            queue.schedule(.event(.streamStarted(streamID: "MZ-sim")), on: .phone, at: random.int(50...400))
        }
        for (fault, at) in scenario.faults {
            queue.schedule(.fault(fault), on: .webhook, at: at, ordered: false)
        }
        while let item = queue.pop() {
            if item.time > timeLimit || delivered > 50_000 { break }
            clock = item.time
            switch item.payload {
            case .event(let event):
                deliver(event, channel: item.channel)
            case .markEcho(let name, let generation):
                guard !phone.stopped, generation == phone.clearGeneration else { continue }
                phone.echoed(name)
                deliver(.markPlayed(name: name), channel: .phone)
            case .agentStep:
                agentStepScheduled = false
                agentStep()
            case .callerTurn(let index):
                callerTurn(index)
            case .timer(let kind, let generation):
                deliver(.timerFired(kind, generation: generation), channel: .timer)
            case .synthesisStep(let operation):
                synthesisStep(operation)
            case .fault(let fault):
                apply(fault)
            }
        }
        checker.checkLiveness(at: clock, silentCaller: scenario.silentCaller)
        return (delivered, checker.violations)
    }

    // MARK: - Delivery

    mutating func deliver(_ event: CallEvent, channel: Channel) {
        delivered += 1
        if case .callerSpeechStarted = event { agentHeardSpeech() }
        let actions = machine.handle(event, at: clock)
        if trace != nil {
            let shown = actions.filter { if case .store = $0 { return false } else { return true } }
            trace?.append("\(clock)ms [\(channel)] \(event) -> \(shown)")
        }
        let phone = self.phone
        let clock = self.clock
        checker.observe(event, at: clock, actions: actions, phoneUnplayed: { phone.unplayed($0, at: clock) }, phoneFinishedAt: phone.lastFinished(at: clock))
        var audioResponse: String?
        if case .agentAudioDelta(let id, _, _) = event { audioResponse = id }
        if case .ttsChunk(let op, _) = event { audioResponse = synthesisOwner.first { $0.operation == op }?.response }
        for action in actions { react(to: action, audioResponse: audioResponse) }
        if inFaultWindow && random.chance(scenario.duplicateProbability) {
            switch event {
            case .agentAudioDone, .agentResponseDone, .carrierReportedCallEnded, .markPlayed, .hangupResult:
                queue.schedule(.event(event), on: channel, at: clock + random.int(0...200))
            default:
                break
            }
        }
    }

    // MARK: - Reactions to actions

    mutating func react(to action: CallAction, audioResponse: String?) {
        switch action {
        case .sendAudio(let audio):
            phone.play(audio.milliseconds, response: audioResponse, at: clock)
        case .sendMark(let name):
            guard let echoAt = phone.mark(name, at: clock) else { return }
            if inFaultWindow && random.chance(scenario.lostEchoProbability) { return }
            queue.schedule(.markEcho(name: name, clearGeneration: phone.clearGeneration), on: .phone, at: echoAt + random.int(5...60), ordered: false)
        case .clearAudio:
            for name in phone.clear(at: clock) {
                queue.schedule(.markEcho(name: name, clearGeneration: phone.clearGeneration), on: .phone, at: clock + random.int(5...40), ordered: false)
            }
        case .closeMediaStream:
            stopPhone(at: clock, callbackDelay: nil)
        case .answerCall:
            let at = clock + latency(30...400)
            queue.schedule(.event(.answerResult(phone.stopped ? .alreadyEnded : .succeeded)), on: .rest, at: at)
            if !phone.stopped { queue.schedule(.event(.callAnswered), on: .webhook, at: at + latency(5...300), ordered: false) }
        case .startStream:
            if phone.stopped {
                // The caller hung up before `streaming_start` was answered: 422 / 90018 (seed 000 §2).
                queue.schedule(.event(.streamStartRefusedCallEnded), on: .rest, at: clock + latency(30...400))
            } else {
                queue.schedule(.event(.streamStarted(streamID: "stream")), on: .phone, at: clock + latency(50...300))
            }
        case .startAgentSession:
            if inFaultWindow && random.chance(0.03) {
                queue.schedule(.event(.agentSessionClosed), on: .agent, at: clock + latency(50...400))
            } else {
                agentOpen = true
                queue.schedule(.event(.agentSessionReady), on: .agent, at: clock + latency(50...400))
            }
        case .forwardCallerAudio:
            break
        case .cancelResponse(let id):
            cancelAgentResponse(id, reason: .cancelled)
        case .truncate:
            break
        case .createResponse(let request):
            let text: String
            switch request {
            case .greeting: text = "Hello! How can I help you today?"
            case .reprompt: text = "Are you still there?"
            case .politeEnd: text = "I'll let you go now. Goodbye!"
            }
            enqueueResponse(text: text, tool: nil)
        case .closeAgentSession:
            if agentOpen {
                agentOpen = false
                agentOutputs.removeAll()
                emittingResponse = nil
            }
            queue.schedule(.event(.agentSessionClosed), on: .agent, at: clock + latency(5...200))
        case .synthesize(let operation, let text):
            synthesisChunks.append((operation, max(1, text.count / 12)))
            queue.schedule(.synthesisStep(operation), on: .synthesis, at: clock + latency(80...400))
        case .cancelSynthesis(let operation):
            synthesisChunks.removeAll { $0.operation == operation }
        case .hangUp:
            let outcome: CommandOutcome
            if phone.stopped { outcome = .alreadyEnded }
            else if inFaultWindow && random.chance(scenario.hangupFailureProbability) { outcome = random.chance(0.5) ? .alreadyEnded : .failed("HTTP 503 after 3 attempts") }
            else { outcome = .succeeded }
            let at = clock + latency(30...600)
            queue.schedule(.event(.hangupResult(outcome)), on: .rest, at: at)
            if outcome == .succeeded {
                stopPhone(at: at, callbackDelay: random.int(0...1_500))
            }
        case .transfer:
            let at = clock + latency(30...600)
            queue.schedule(.event(.transferResult(.succeeded)), on: .rest, at: at)
            phone.receiving = false
            phone.stopped = true
            queue.schedule(.event(.streamStopped), on: .phone, at: at + random.int(10...300))
        case .store:
            if case .store(let id, _) = action {
                let failed = inFaultWindow && random.chance(scenario.storeFailureProbability)
                queue.schedule(.event(.storeWriteAcknowledged(writeID: id, succeeded: !failed)), on: .store, at: clock + latency(1...40))
            }
        case .finalize:
            break
        case .armTimer(let kind, let generation, let deadline):
            queue.schedule(.timer(kind, generation: generation), on: .timer, at: deadline + random.int(0...25), ordered: false)
        case .cancelTimer:
            break  // the expiry may already be in flight: it is delivered anyway and must be stale (S6)
        case .log:
            break
        }
    }

    /// The carrier ends the stream: `stop` on the socket, then (or before) the status callback.
    mutating func stopPhone(at time: Milliseconds, callbackDelay: Milliseconds?) {
        guard !phone.stopped else { return }
        phone.stopped = true
        phone.receiving = false
        queue.schedule(.event(.streamStopped), on: .phone, at: time + random.int(5...200))
        if let callbackDelay {
            queue.schedule(.event(.carrierReportedCallEnded), on: .webhook, at: time + callbackDelay, ordered: false)
        }
    }

    mutating func apply(_ fault: Fault) {
        switch fault {
        case .callerHangsUp:
            // The status callback may come before or after the socket's stop.
            stopPhone(at: clock, callbackDelay: random.int(0...2_000))
        case .agentDisconnects:
            guard agentOpen else { return }
            agentOpen = false
            agentOutputs.removeAll()
            emittingResponse = nil
            queue.schedule(.event(.agentSessionClosed), on: .agent, at: clock + random.int(1...50))
        case .transmitStalls:
            guard !phone.stopped else { return }
            phone.receiving = false
            queue.schedule(.event(.transmitStalled), on: .webhook, at: clock + 300, ordered: false)
            if random.chance(0.5) {
                queue.schedule(.event(.transmitDead), on: .webhook, at: clock + 1_000, ordered: false)
            }
        case .operatorHangsUp:
            queue.schedule(.event(.operatorHangup), on: .webhook, at: clock, ordered: false)
        }
    }
}
