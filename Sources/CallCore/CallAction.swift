/// Why the call is being ended by us.
public enum HangupReason: String, Sendable, Equatable {
    case botGoodbye = "bot_goodbye"
    case endCallTool = "end_call_tool"
    case noResponse = "no_response"
    case maxDuration = "max_duration"
    case agentDisconnected = "agent_disconnected"
    case serverShutdown = "server_shutdown"
    case transferFailed = "transfer_failed"
    /// The media stream could not be started or failed: nobody can talk with the caller.
    case streamFailed = "stream_failed"
    case operatorRequest = "operator"
}

/// What the machine asks us to say to the agent when we want it to speak.
public enum ResponseRequest: String, Sendable, Equatable {
    /// The bot greets the caller first.
    case greeting
    /// The caller went silent: ask whether they are still there.
    case reprompt
    /// End the call politely: say goodbye.
    case politeEnd = "polite_end"
}

/// A record for the call store. Every write carries an id; its acknowledgement comes back as
/// `storeWriteAcknowledged(writeID:)`.
public enum StoreRecord: Sendable, Equatable {
    case callStarted(CallInfo, at: Milliseconds)
    case callAnswered(at: Milliseconds)
    case callEnded(at: Milliseconds, reason: String, hungUpBy: String?)
    case message(sequence: Int, role: MessageRole, text: String, interrupted: Bool, heardText: String?, at: Milliseconds)
    case timeline(sequence: Int, at: Milliseconds, kind: String, detail: String)
    case finalized(at: Milliseconds, failedWrites: Int)
}

/// Who said a message.
public enum MessageRole: String, Sendable, Equatable {
    case caller
    case agent
}

/// Grep-able log markers (DESIGN, "Interfaces"). The runtime prints them with the call id.
public enum LogMarker: Sendable, Equatable {
    case callStarted
    case botByeDetected(responseID: String, text: String)
    case politeHangup(via: String, responseID: String?)
    case hangupExecuted(reason: HangupReason)
    /// Verbose level only: an end is pending but these conditions do not hold yet.
    case hangupSkipped(conditions: [String])
    case bargeIn(responseID: String?, heardMilliseconds: Milliseconds)
    case stuckPlayback(unplayedMilliseconds: Milliseconds, via: String)
    case transferExecuted(target: String)
    case reprompt
    case callEnded(reason: String)
    case callFinalized(failedWrites: Int)
    /// Something went wrong but the call goes on (or ends politely).
    case error(String)
    /// Worth a line at info level.
    case notice(String)

    /// The line as printed, without the call id.
    public var line: String {
        switch self {
        case .callStarted: "CALL_STARTED"
        case .botByeDetected(let id, let text): "BOT_BYE_DETECTED resp_id=\(id) text='\(text)'"
        case .politeHangup(let via, let id): "POLITE_HANGUP via=\(via)" + (id.map { " resp_id=\($0)" } ?? "")
        case .hangupExecuted(let reason): "HANGUP executed reason=\(reason.rawValue)"
        case .hangupSkipped(let conditions): "HANGUP_SKIPPED conditions=[\(conditions.joined(separator: ","))]"
        case .bargeIn(let id, let heard): "BARGE_IN resp_id=\(id ?? "-") heard_ms=\(heard)"
        case .stuckPlayback(let unplayed, let via): "STUCK_PLAYBACK unplayed_ms=\(unplayed) via=\(via)"
        case .transferExecuted(let target): "TRANSFER executed target=\(target)"
        case .reprompt: "REPROMPT"
        case .callEnded(let reason): "CALL_ENDED reason=\(reason)"
        case .callFinalized(let failed): "CALL_FINALIZED failed_writes=\(failed)"
        case .error(let text): "ERROR \(text)"
        case .notice(let text): text
        }
    }

    /// Key markers print at the minimal level; `hangupSkipped` and notices only when verbose.
    public var isVerboseOnly: Bool {
        switch self {
        case .hangupSkipped, .notice: true
        default: false
        }
    }
}

/// What the machine asks the runtime to do. The runtime executes actions in order and reports their
/// outcomes back as events.
public enum CallAction: Sendable, Equatable {
    // To the carrier's media stream.
    case sendAudio(AudioPayload)
    case sendMark(name: String)
    case clearAudio
    /// Close our side of the media stream (Twilio: this also ends `<Connect>`).
    case closeMediaStream
    /// Telnyx: ask the carrier to start streaming.
    case startStream
    /// Telnyx: answer the ringing call (at most once).
    case answerCall

    // To the agent.
    case startAgentSession
    case forwardCallerAudio(AudioPayload)
    case cancelResponse(responseID: String)
    case truncate(itemID: String, audioEndMilliseconds: Milliseconds)
    case createResponse(ResponseRequest)
    case closeAgentSession
    /// Pipeline: synthesize this sentence now.
    case synthesize(operationID: Int, text: String)
    case cancelSynthesis(operationID: Int)

    // Carrier REST, each at most once per call.
    case hangUp(reason: HangupReason)
    case transfer(target: String)

    // Store and lifecycle.
    case store(writeID: Int, StoreRecord)
    /// Every write is acknowledged and nothing else will happen: release the call.
    case finalize

    // Timers.
    case armTimer(TimerKind, generation: Int, deadline: Milliseconds)
    case cancelTimer(TimerKind, generation: Int)

    case log(LogMarker)
}
