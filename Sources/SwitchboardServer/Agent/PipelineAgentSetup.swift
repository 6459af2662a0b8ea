import AsyncHTTPClient
import CallRuntime
import ElevenLabs
import Logging
import OpenAIChat
import OpenAIRealtime
import ProviderFakes

extension SwitchboardApplication {
    /// The pipeline agent (speech to text → LLM → ElevenLabs). Without `OPENAI_API_KEY` the transcription
    /// session and the LLM are in-process fakes, without `ELEVENLABS_API_KEY` so is text to speech; they
    /// run as tasks of `group` for the life of the server (logged at start-up).
    static func makePipelineAgent(
        configuration: ServerConfiguration, httpClient: HTTPClient, logger: Logger, group: inout ThrowingTaskGroup<Void, any Error>
    ) async throws -> any AgentConnector {
        let fakesLogger = Logger(label: "switchboard.pipeline-fakes") { _ in SwiftLogNoOpLogHandler() }
        var transcriptionURL = RealtimeTranscriptionSessionConfig.transcriptionURL(fromRealtimeURL: configuration.openAIRealtimeURL)
        var openAIKey = configuration.openAIAPIKey ?? ""
        var chatURL = configuration.openAIAPIURL
        if configuration.openAIAPIKey == nil {
            let realtime = FakeRealtimeServer(script: LocalAgent.defaultScript, options: .init(recordServerEvents: false), logger: fakesLogger)
            group.addTask { try await realtime.run() }
            transcriptionURL = try await realtime.transcriptionURL()
            let chat = FakeChatServer(script: LocalAgent.defaultScript, logger: fakesLogger)
            let chatPort = try await startFake(in: &group) { onPort in try await chat.run(onRunning: onPort) }
            chatURL = "http://127.0.0.1:\(chatPort)/v1"
            openAIKey = chat.options.apiKey
            logger.notice("pipeline: no OPENAI_API_KEY: speech to text and the LLM are the built-in fakes (\(transcriptionURL), \(chatURL))")
        }
        var elevenLabsKey = configuration.elevenLabsAPIKey ?? ""
        var elevenLabsURL = configuration.elevenLabsAPIURL
        if configuration.elevenLabsAPIKey == nil {
            let speech = FakeElevenLabsServer(logger: fakesLogger)
            let port = try await startFake(in: &group) { onPort in try await speech.run(onRunning: onPort) }
            elevenLabsURL = "http://127.0.0.1:\(port)"
            elevenLabsKey = speech.options.apiKey
            logger.notice("pipeline: no ELEVENLABS_API_KEY: text to speech is the built-in fake (\(elevenLabsURL))")
        }
        let voiceID = configuration.elevenLabsVoiceID ?? ServerConfiguration.defaultElevenLabsVoiceID
        let settings = PipelineSettings(
            transcription: RealtimeConnectionConfiguration(url: transcriptionURL, apiKey: openAIKey),
            transcriptionSession: RealtimeTranscriptionSessionConfig(
                inputFormat: .pcmu, transcription: RealtimeTranscriptionConfig(model: configuration.transcriptionModel)),
            chat: OpenAIChatConfiguration(apiKey: openAIKey, baseURL: chatURL),
            model: configuration.llmModel,
            instructions: configuration.instructions,
            tools: configuration.transferTarget == nil ? [.endCall] : [.endCall, .transferCall],
            speech: ElevenLabsConfiguration(apiKey: elevenLabsKey, voiceID: voiceID, baseURL: elevenLabsURL),
            prompts: AgentInstructions())
        logger.notice("agent: pipeline (transcription \(configuration.transcriptionModel), LLM \(configuration.llmModel), ElevenLabs voice \(voiceID))")
        return PipelineAgentConnector(settings: settings, httpClient: httpClient, logger: logger)
    }

    /// Runs a fake server as a task of `group` and returns its port once it listens.
    static func startFake(
        in group: inout ThrowingTaskGroup<Void, any Error>, _ run: @escaping @Sendable (_ onPort: @escaping @Sendable (Int) async -> Void) async throws -> Void
    ) async throws -> Int {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        group.addTask {
            defer { continuation.finish() }
            try await run { continuation.yield($0) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw ServerSetupError("a built-in pipeline fake did not start") }
        return port
    }
}
