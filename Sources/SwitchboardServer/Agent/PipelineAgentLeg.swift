import AsyncHTTPClient
import CallCore
import CallRuntime
import ElevenLabs
import Logging
import OpenAIChat
import OpenAIRealtime
import Synchronization

/// The pipeline agent of one call: caller audio goes to an OpenAI Realtime *transcription* session
/// (server VAD, μ-law); each completed caller transcript starts a streamed Chat Completions reply; the
/// reply is cut into sentences as it streams, each delivered as `ttsRequested`; the machine decides when
/// each sentence is spoken (`synthesize`), and the leg streams it from ElevenLabs as `ttsChunk`s.
///
/// Every operation (reply, synthesis) is a child task of `run`'s task group with its own stop signal:
/// `cancelResponse`, `cancelSynthesis` and `close` stop it at once (the HTTP request is closed) and
/// nothing it produces afterwards is delivered. Operations never touch call state; they only deliver
/// events, and the machine drops what arrives for an operation it already considers done.
final class PipelineAgentLeg: AgentLeg {
    let settings: PipelineSettings
    let logger: Logger
    let chat: OpenAIChatClient
    let speech: ElevenLabsClient
    let conversation: PipelineConversation
    private let connection: RealtimeConnection
    private let work: AsyncStream<PipelineWork>.Continuation
    private let workStream: AsyncStream<PipelineWork>
    let state = Mutex(PipelineLegState())
    /// Set at the first `session.updated`.
    private let ready = Atomic<Bool>(false)

    init(settings: PipelineSettings, httpClient: HTTPClient, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.chat = OpenAIChatClient(httpClient: httpClient, configuration: settings.chat, logger: logger)
        // The leg logs one line per text-to-speech failure itself (naming the cause); the client's own
        // error line would repeat it.
        var speechLogger = logger
        speechLogger.logLevel = .critical
        self.speech = ElevenLabsClient(httpClient: httpClient, configuration: settings.speech, logger: speechLogger)
        self.conversation = PipelineConversation(instructions: settings.instructions)
        self.connection = RealtimeConnection(configuration: settings.transcription, logger: logger)
        (workStream, work) = AsyncStream.makeStream(of: PipelineWork.self, bufferingPolicy: .bufferingNewest(256))
    }

    func run(deliver: @escaping @Sendable (CallEvent) -> Void) async {
        do {
            try connection.outbound.send(.transcriptionSessionUpdate(settings.transcriptionSession, eventID: "switchboard_transcription_update"))
        } catch {
            logger.error("pipeline: cannot queue the transcription session.update: \(error)")
        }
        await withDiscardingTaskGroup { group in
            group.addTask { [self] in
                await runTranscription(deliver: deliver)
                work.finish()
            }
            for await item in workStream {
                switch item {
                case .reply(let reply):
                    group.addTask { [self] in await runReply(reply, deliver: deliver) }
                case .speak(let operationID, let text, let cancellation):
                    group.addTask { [self] in await runSpeech(operationID: operationID, text: text, cancellation: cancellation, deliver: deliver) }
                }
            }
            cancelEverything()
            group.cancelAll()
        }
        deliver(.agentSessionClosed)
    }

    /// The transcription socket: caller speech events and transcripts; each non-empty transcript starts
    /// a reply. Returns when the socket closes.
    private func runTranscription(deliver: @escaping @Sendable (CallEvent) -> Void) async {
        do {
            let end = try await connection.run { [self] inbound in
                switch inbound {
                case .failure(let error):
                    logger.error("pipeline: malformed transcription event rejected: \(error)")
                case .success(let event):
                    translate(event, deliver: deliver)
                }
            }
            if let code = end.closeCode, code != 1000 {
                logger.error("pipeline: transcription socket closed with code \(code) \(end.reason ?? "")")
            }
        } catch {
            if !Task.isCancelled && !state.withLock({ $0.closed }) {
                logger.error("pipeline: transcription session failed: \(error)")
            }
        }
    }

    func translate(_ event: RealtimeServerEvent, deliver: @escaping @Sendable (CallEvent) -> Void) {
        switch event {
        case .sessionUpdated:
            if !ready.exchange(true, ordering: .relaxed) { deliver(.agentSessionReady) }
        case .speechStarted:
            deliver(.callerSpeechStarted)
        case .speechStopped:
            deliver(.callerSpeechStopped)
        case .inputTranscriptionCompleted(let itemID, _, let transcript):
            deliver(.callerTranscript(itemID: itemID, text: transcript))
            let text = transcript.trimmingCharacters()
            guard !text.isEmpty else { return }
            conversation.appendCaller(text)
            startReply(prompt: nil, replacingActive: true)
        case .inputTranscriptionFailed(let itemID, _, let error):
            logger.error("pipeline: transcription of caller turn \(itemID) failed: \(error.code ?? "") \(error.message ?? "")")
        case .error(let error):
            switch error.code {
            case "input_audio_buffer_commit_empty":
                logger.debug("pipeline: harmless transcription error \(error.code ?? "")")
            default:
                logger.error("pipeline: transcription error \(error.type ?? "") \(error.code ?? ""): \(error.message ?? "") param=\(error.param ?? "-")")
            }
        default:
            break
        }
    }

    func send(_ command: AgentCommand) {
        switch command {
        case .appendAudio(let audio):
            do {
                try connection.outbound.send(.inputAudioAppend(audio: audio.base64))
            } catch {
                logger.debug("pipeline: caller audio not sent: \(error)")
            }
        case .createResponse(let request):
            startReply(prompt: settings.prompts.text(for: request), replacingActive: false)
        case .cancelResponse(let responseID):
            let signal = state.withLock { $0.activeReply?.id == responseID ? $0.activeReply?.cancellation : nil }
            signal?.cancel()
        case .truncate:
            break  // nothing server-side to truncate: the machine keeps what was heard
        case .synthesize(let operationID, let text):
            let cancellation = ElevenLabsCancellation()
            let accepted = state.withLock { s -> Bool in
                guard !s.closed else { return false }
                s.syntheses[operationID] = cancellation
                return true
            }
            if accepted { work.yield(.speak(operationID: operationID, text: text, cancellation: cancellation)) }
        case .cancelSynthesis(let operationID):
            let cancellation = state.withLock { $0.syntheses.removeValue(forKey: operationID) }
            cancellation?.cancel()
        }
    }

    func close() {
        state.withLock { $0.closed = true }
        cancelEverything()
        work.finish()
        connection.outbound.close()
    }

    /// Stops every reply and synthesis now.
    private func cancelEverything() {
        let (reply, syntheses) = state.withLock { s -> (PipelineCancellation?, [ElevenLabsCancellation]) in
            defer { s.syntheses.removeAll() }
            return (s.activeReply?.cancellation, Array(s.syntheses.values))
        }
        reply?.cancel()
        for synthesis in syntheses { synthesis.cancel() }
    }

    /// Delivers unless the leg is closed (nothing reaches a call whose agent was closed).
    func deliverIfOpen(_ event: CallEvent, _ deliver: @Sendable (CallEvent) -> Void) {
        guard !state.withLock({ $0.closed }) else { return }
        deliver(event)
    }

    /// Queues a reply (to the caller's last turn, or to the machine's request `prompt`).
    func startReply(prompt: String?, replacingActive: Bool) {
        let cancellation = PipelineCancellation()
        let decision = state.withLock { s -> (reply: PipelineReply?, replaced: PipelineCancellation?) in
            guard !s.closed else { return (nil, nil) }
            var replaced: PipelineCancellation?
            if let active = s.activeReply {
                // Like the Realtime API: one response at a time. A new caller turn supersedes the reply
                // in progress; a request of the machine while one runs is dropped (its end deadline covers it).
                guard replacingActive else { return (nil, nil) }
                replaced = active.cancellation
            }
            s.nextResponse += 1
            let reply = PipelineReply(id: "pipe_resp_\(s.nextResponse)", prompt: prompt, cancellation: cancellation)
            s.activeReply = (reply.id, cancellation)
            return (reply, replaced)
        }
        decision.replaced?.cancel()
        guard let reply = decision.reply else {
            if !replacingActive { logger.debug("pipeline: a reply is already in progress; request dropped") }
            return
        }
        work.yield(.reply(reply))
    }
}

/// Mutable state of one pipeline leg, behind its mutex.
struct PipelineLegState {
    var closed = false
    var nextResponse = 0
    /// Operation ids of sentences this leg asked the machine to speak (`ttsRequested`); unique per call.
    var nextOperation = 0
    var activeReply: (id: String, cancellation: PipelineCancellation)?
    /// Syntheses started and not finished, by operation id.
    var syntheses: [Int: ElevenLabsCancellation] = [:]
    /// Which reply each requested sentence belongs to (for the fallback's end request); bounded.
    var operationResponses: [Int: String] = [:]
    /// Set once text to speech failed for good: the cause, for the single log line.
    var speechUnavailable: String?
    /// Replies that already got the fallback chime and end request.
    var fallbackResponses: Set<String> = []
}

/// One reply to produce.
struct PipelineReply: Sendable {
    let id: String
    /// The machine's request text (greeting, re-prompt, polite end); nil for a reply to the caller.
    let prompt: String?
    let cancellation: PipelineCancellation
}

/// Work for `run`'s task group.
enum PipelineWork: Sendable {
    case reply(PipelineReply)
    case speak(operationID: Int, text: String, cancellation: ElevenLabsCancellation)
}
