import CallCore
import CallRuntime
import Logging
import OpenAIRealtime
import Synchronization

/// The agent of one call over the OpenAI Realtime API (GA): μ-law both ways, server VAD with
/// interruption, caller transcription, `end_call` / `transfer_call` tools. Caller audio and agent audio
/// pass through as base64 untouched. The built-in local agent is the same client talking to the
/// in-process fake Realtime server.
final class RealtimeAgentLeg: AgentLeg {
    private let connection: RealtimeConnection
    private let session: RealtimeSessionConfig
    private let instructions: AgentInstructions
    private let logger: Logger
    /// Names of function-call items, for tool calls whose `arguments.done` lacks the name.
    private let toolNames = Mutex<[String: String]>([:])
    /// Set at the first `session.updated`.
    private let ready = Atomic<Bool>(false)

    init(connection: RealtimeConnectionConfiguration, session: RealtimeSessionConfig, instructions: AgentInstructions, logger: Logger) {
        self.connection = RealtimeConnection(configuration: connection, logger: logger)
        self.session = session
        self.instructions = instructions
        self.logger = logger
    }

    func run(deliver: @escaping @Sendable (CallEvent) -> Void) async {
        do {
            try connection.outbound.send(.sessionUpdate(session, eventID: "switchboard_session_update"))
        } catch {
            logger.error("agent: cannot queue session.update: \(error)")
        }
        do {
            let end = try await connection.run { [self] inbound in
                switch inbound {
                case .failure(let error):
                    logger.error("agent: malformed Realtime event rejected: \(error)")
                case .success(let event):
                    translate(event, deliver: deliver)
                }
            }
            if let code = end.closeCode, code != 1000 {
                logger.error("agent: Realtime socket closed with code \(code) \(end.reason ?? "")")
            }
        } catch {
            if !Task.isCancelled { logger.error("agent: Realtime session failed: \(error)") }
        }
        deliver(.agentSessionClosed)
    }

    func translate(_ event: RealtimeServerEvent, deliver: @Sendable (CallEvent) -> Void) {
        switch event {
        case .sessionUpdated:
            if !ready.exchange(true, ordering: .relaxed) { deliver(.agentSessionReady) }
        case .speechStarted:
            deliver(.callerSpeechStarted)
        case .speechStopped:
            deliver(.callerSpeechStopped)
        case .inputTranscriptionCompleted(let itemID, _, let transcript):
            deliver(.callerTranscript(itemID: itemID, text: transcript))
        case .responseCreated(let response):
            deliver(.agentResponseCreated(responseID: response.id))
        case .outputItemAdded(_, _, let item):
            if item.kind == .functionCall, let name = item.name {
                toolNames.withLock { $0[item.id] = name }
            }
        case .outputAudioDelta(let ref, let delta):
            deliver(.agentAudioDelta(responseID: ref.responseID, itemID: ref.itemID, audio: AudioPayload(base64: delta)))
        case .outputAudioDone(let ref):
            deliver(.agentAudioDone(responseID: ref.responseID, itemID: ref.itemID))
        case .outputAudioTranscriptDone(let ref, let transcript):
            deliver(.agentTranscriptDone(responseID: ref.responseID, itemID: ref.itemID, text: transcript))
        case .functionCallArgumentsDone(let call):
            let name = call.name ?? toolNames.withLock { $0[call.itemID] } ?? ""
            let tool: AgentTool
            switch name {
            case "end_call": tool = .endCall(reason: call.arguments)
            case "transfer_call": tool = .transferCall(reason: call.arguments)
            default: tool = .other(name: name)
            }
            deliver(.agentToolCall(responseID: call.responseID, callID: call.callID, tool: tool))
        case .responseDone(let response):
            let status: ResponseStatus
            switch response.status {
            case .completed: status = .completed
            case .cancelled: status = .cancelled
            case .incomplete: status = .incomplete
            case .failed, .inProgress, .other: status = .failed
            }
            if status == .failed {
                logger.error("agent: response \(response.id) failed: \(response.statusError?.code ?? "") \(response.statusError?.message ?? "")")
            }
            deliver(.agentResponseDone(responseID: response.id, status: status))
        case .error(let error):
            switch error.code {
            case "response_cancel_not_active", "conversation_already_has_active_response", "input_audio_buffer_commit_empty":
                logger.debug("agent: harmless Realtime error \(error.code ?? "")")
            default:
                if error.message?.contains("already shorter than") == true {
                    logger.debug("agent: truncate past the end ignored")
                } else {
                    logger.error("agent: Realtime error \(error.type ?? "") \(error.code ?? ""): \(error.message ?? "") param=\(error.param ?? "-") event=\(error.eventID ?? "-")")
                }
            }
        default:
            break
        }
    }

    func send(_ command: AgentCommand) {
        let event: RealtimeClientEvent
        switch command {
        case .appendAudio(let audio): event = .inputAudioAppend(audio: audio.base64)
        case .createResponse(let request): event = .responseCreate(instructions: instructions.text(for: request))
        case .cancelResponse(let id): event = .responseCancel(responseID: id)
        case .truncate(let itemID, let milliseconds): event = .itemTruncate(itemID: itemID, audioEndMs: Int(milliseconds))
        case .synthesize, .cancelSynthesis: return  // speech-to-speech: the model speaks itself
        }
        do {
            try connection.outbound.send(event)
        } catch {
            logger.debug("agent: \(event.type) not sent: \(error)")
        }
    }

    func close() {
        connection.outbound.close()
    }
}

/// Makes a Realtime agent leg per call.
struct RealtimeAgentConnector: AgentConnector {
    let connection: RealtimeConnectionConfiguration
    let session: RealtimeSessionConfig
    let instructions: AgentInstructions
    let logger: Logger

    func makeAgent(for call: CallInfo) -> any AgentLeg {
        var logger = logger
        logger[metadataKey: "call_id"] = "\(call.callID)"
        return RealtimeAgentLeg(connection: connection, session: session, instructions: instructions, logger: logger)
    }
}
