/// How an agent response ended (`response.done` status).
public enum ResponseStatus: String, Sendable, Equatable {
    case completed
    case cancelled
    case incomplete
    case failed
}

/// A tool the agent asked us to run.
public enum AgentTool: Sendable, Equatable {
    /// `end_call`: say goodbye (the response's audio) and hang up once it has been heard.
    case endCall(reason: String)
    /// `transfer_call`: hand the caller to a human once the response's audio has been heard.
    case transferCall(reason: String)
    /// Any other tool name; logged and ignored.
    case other(name: String)
}

/// Outcome of our hangup or transfer REST command (after the adapter's own bounded retries).
public enum CommandOutcome: Sendable, Equatable {
    case succeeded
    /// The carrier said the call had already ended (Twilio 20404/21220, Telnyx 422/90018): success.
    case alreadyEnded
    case failed(String)
}

/// The timers the machine owns. Each has one slot; every arm bumps the slot's generation.
public enum TimerKind: String, Sendable, Equatable, CaseIterable {
    /// Caller silence after the bot finished speaking: re-prompt, then polite end.
    case noResponse
    /// The maximum call duration.
    case maxDuration
    /// Bound on waiting for the mark echo of an end (goodbye, transfer) response: seed 003.
    case playbackFallback
    /// Bound on waiting for the agent to produce the goodbye we asked for.
    case endDeadline
    /// Telnyx: the media stream stopped but the call did not end (no `call.hangup`): after a grace
    /// period nobody can talk with the caller, so we hang up.
    case streamLost
}

/// Everything that can happen to a call, named for what happened. The runtime turns socket frames,
/// webhooks, timer expiries and the results of its own commands into these, in one ordered inbox per call.
public enum CallEvent: Sendable, Equatable {
    // Carrier leg.
    /// The carrier told us about a new call (voice webhook, `call.initiated`).
    case callStarted(CallInfo)
    /// The call was answered (Twilio: implicit in the voice webhook; Telnyx: `call.answered`).
    case callAnswered
    /// The media stream is open (`start` frame).
    case streamStarted(streamID: String)
    /// The media stream stopped (`stop` frame or socket closed).
    case streamStopped
    /// Starting the stream was refused because the call had already ended (Telnyx 422 / 90018).
    case streamStartRefusedCallEnded
    /// The media stream could not be started or failed (`streaming_start` error, `streaming.failed`):
    /// the caller cannot be heard or spoken to.
    case streamFailed(reason: String)
    /// The carrier says the call ended (Twilio status `completed`, Telnyx `call.hangup`).
    case carrierReportedCallEnded
    /// Our outbound media writer made no progress for a while.
    case transmitStalled
    /// Our outbound media writer is gone; nothing queued will ever be sent.
    case transmitDead

    // Caller.
    /// One frame of caller audio.
    case callerAudio(AudioPayload)
    /// The agent's VAD heard the caller start speaking (`speech_started`).
    case callerSpeechStarted
    /// The caller stopped speaking (`speech_stopped`).
    case callerSpeechStopped
    /// The transcript of a caller turn.
    case callerTranscript(itemID: String, text: String)
    /// A DTMF key.
    case callerDTMF(digit: String)
    /// The carrier echoed a mark: the audio sent before it has played (or was cleared).
    case markPlayed(name: String)

    // Agent.
    /// The agent session is connected and configured.
    case agentSessionReady
    /// The agent session is gone (closed by us, by the agent, or by the network).
    case agentSessionClosed
    case agentResponseCreated(responseID: String)
    case agentAudioDelta(responseID: String, itemID: String, audio: AudioPayload)
    case agentAudioDone(responseID: String, itemID: String)
    case agentTranscriptDone(responseID: String, itemID: String, text: String)
    case agentResponseDone(responseID: String, status: ResponseStatus)
    case agentToolCall(responseID: String, callID: String, tool: AgentTool)

    // Text to speech (pipeline agent).
    /// The LLM produced a sentence of `responseID` to be spoken.
    case ttsRequested(operationID: Int, responseID: String, text: String)
    case ttsChunk(operationID: Int, audio: AudioPayload)
    case ttsFinished(operationID: Int)
    case ttsFailed(operationID: Int, reason: String)

    // Results of our own commands.
    /// Our `answer` command finished (Telnyx); `.alreadyEnded` when the caller hung up while ringing.
    case answerResult(CommandOutcome)
    case hangupResult(CommandOutcome)
    case transferResult(CommandOutcome)
    case storeWriteAcknowledged(writeID: Int, succeeded: Bool)
    case timerFired(TimerKind, generation: Int)

    // Operator.
    case operatorHangup
    case operatorTransfer(target: String)
    /// The server is draining: end the call politely.
    case shutdownRequested
}

extension CallEvent {
    /// A short stable name, used in log markers (`via=`) and the timeline.
    public var name: String {
        switch self {
        case .callStarted: "call.started"
        case .callAnswered: "call.answered"
        case .streamStarted: "stream.started"
        case .streamStopped: "stream.stopped"
        case .streamStartRefusedCallEnded: "stream.refused"
        case .streamFailed: "stream.failed"
        case .carrierReportedCallEnded: "carrier.ended"
        case .transmitStalled: "transmit.stalled"
        case .transmitDead: "transmit.dead"
        case .callerAudio: "caller.audio"
        case .callerSpeechStarted: "caller.speech_started"
        case .callerSpeechStopped: "caller.speech_stopped"
        case .callerTranscript: "caller.transcript"
        case .callerDTMF: "caller.dtmf"
        case .markPlayed: "mark"
        case .agentSessionReady: "agent.ready"
        case .agentSessionClosed: "agent.closed"
        case .agentResponseCreated: "response.created"
        case .agentAudioDelta: "audio.delta"
        case .agentAudioDone: "audio.done"
        case .agentTranscriptDone: "transcript.done"
        case .agentResponseDone: "response.done"
        case .agentToolCall: "tool_call"
        case .ttsRequested: "tts.requested"
        case .ttsChunk: "tts.chunk"
        case .ttsFinished: "tts.finished"
        case .ttsFailed: "tts.failed"
        case .answerResult: "answer.result"
        case .hangupResult: "hangup.result"
        case .transferResult: "transfer.result"
        case .storeWriteAcknowledged: "store.ack"
        case .timerFired(let kind, _): "timer.\(kind.rawValue)"
        case .operatorHangup: "operator.hangup"
        case .operatorTransfer: "operator.transfer"
        case .shutdownRequested: "shutdown"
        }
    }
}
