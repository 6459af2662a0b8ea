import CallCore

/// Drives one machine by hand: a clock, every action recorded, a phone that echoes marks on request,
/// and a store that acknowledges writes on request.
struct CallHarness {
    var machine: CallStateMachine
    var now: Milliseconds = 0
    var actions: [CallAction] = []
    /// Marks sent and not yet echoed, in order.
    var marksAtPhone: [String] = []
    /// Writes not yet acknowledged.
    var unacknowledged: [Int] = []
    var armed: [TimerKind: (generation: Int, deadline: Milliseconds)] = [:]
    var autoAcknowledge = true

    init(configuration: CallConfiguration = CallConfiguration()) {
        machine = CallStateMachine(configuration: configuration)
    }

    @discardableResult
    mutating func send(_ event: CallEvent, after milliseconds: Milliseconds = 10) -> [CallAction] {
        now += milliseconds
        let produced = machine.handle(event, at: now)
        actions += produced
        for action in produced {
            switch action {
            case .sendMark(let name): marksAtPhone.append(name)
            case .clearAudio: marksAtPhone.removeAll()  // cleared marks' echoes are ignored anyway
            case .store(let id, _): unacknowledged.append(id)
            case .armTimer(let kind, let generation, let deadline): armed[kind] = (generation, deadline)
            case .cancelTimer(let kind, _): armed[kind] = nil
            default: break
            }
        }
        if autoAcknowledge { acknowledgeWrites() }
        return produced
    }

    mutating func acknowledgeWrites() {
        while !unacknowledged.isEmpty {
            let id = unacknowledged.removeFirst()
            let produced = machine.handle(.storeWriteAcknowledged(writeID: id, succeeded: true), at: now)
            actions += produced
            for case .store(let newID, _) in produced { unacknowledged.append(newID) }
        }
    }

    /// The phone plays everything queued: echo every pending mark in order.
    mutating func playAll() {
        while !marksAtPhone.isEmpty {
            let name = marksAtPhone.removeFirst()
            send(.markPlayed(name: name), after: 20)
        }
    }

    /// Fires `kind` at its deadline (moving the clock there).
    mutating func fire(_ kind: TimerKind) {
        guard let timer = armed[kind] else { return }
        armed[kind] = nil
        now = max(now, timer.deadline)
        send(.timerFired(kind, generation: timer.generation), after: 0)
    }

    /// A call on Twilio, answered, stream open, agent ready and the greeting requested.
    mutating func connect() {
        send(.callStarted(CallInfo(callID: "call-1", carrier: .twilio, carrierCallID: "CA1", agentKind: "local", from: "+1555", to: "+1666")))
        send(.callAnswered)
        send(.streamStarted(streamID: "MZ1"))
        send(.agentSessionReady)
    }

    /// One response with `chunks` audio deltas of 200 ms and a transcript, in the given order.
    mutating func speak(_ id: String, _ text: String, chunks: Int = 3, transcriptAfterAudioDone: Bool = false, status: ResponseStatus = .completed) {
        send(.agentResponseCreated(responseID: id))
        for _ in 0..<chunks {
            send(.agentAudioDelta(responseID: id, itemID: "item-\(id)", audio: AudioPayload(base64: "", byteCount: 1600)), after: 5)
        }
        if transcriptAfterAudioDone {
            send(.agentAudioDone(responseID: id, itemID: "item-\(id)"))
            send(.agentTranscriptDone(responseID: id, itemID: "item-\(id)", text: text))
        } else {
            send(.agentTranscriptDone(responseID: id, itemID: "item-\(id)", text: text))
            send(.agentAudioDone(responseID: id, itemID: "item-\(id)"))
        }
        send(.agentResponseDone(responseID: id, status: status))
    }

    var hangups: [HangupReason] {
        actions.compactMap { if case .hangUp(let reason) = $0 { return reason } else { return nil } }
    }

    var transfers: [String] {
        actions.compactMap { if case .transfer(let target) = $0 { return target } else { return nil } }
    }

    var finalizeCount: Int {
        actions.filter { $0 == .finalize }.count
    }

    var logs: [LogMarker] {
        actions.compactMap { if case .log(let marker) = $0 { return marker } else { return nil } }
    }

    var errors: [String] {
        logs.compactMap { if case .error(let text) = $0 { return text } else { return nil } }
    }

    var messages: [(role: MessageRole, text: String, interrupted: Bool, heard: String?)] {
        actions.compactMap {
            if case .store(_, .message(_, let role, let text, let interrupted, let heard, _)) = $0 { return (role, text, interrupted, heard) }
            return nil
        }
    }

    func count(where predicate: (CallAction) -> Bool) -> Int {
        actions.filter(predicate).count
    }
}

extension CallAction {
    var touchesPhone: Bool {
        switch self {
        case .sendAudio, .sendMark, .clearAudio: true
        default: false
        }
    }
}
