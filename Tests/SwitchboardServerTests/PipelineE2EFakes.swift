import CallCore
import Logging
import ProviderFakes
import SwitchboardServer

/// How the pipeline's fakes behave in an end-to-end test (the transcription fake is the harness's
/// `FakeRealtimeServer`, reached at `?intent=transcription`; its script's `callerTranscripts` are what
/// the caller "said", its `replies` what the fake LLM answers).
struct PipelineFakeOptions: Sendable {
    var chat = FakeChatServer.Options(firstTokenDelay: .milliseconds(20), deltaInterval: .milliseconds(2))
    var speech = FakeElevenLabsServer.Options(millisecondsPerCharacter: 25, minimumAudioMilliseconds: 300, firstByteDelay: .milliseconds(30))
}

/// The running pipeline fakes: a Chat Completions server and an ElevenLabs server on 127.0.0.1.
struct PipelineFakes: Sendable {
    let chat: FakeChatServer
    let speech: FakeElevenLabsServer
    /// `http://127.0.0.1:PORT/v1`
    let chatURL: String
    /// `http://127.0.0.1:PORT`
    let speechURL: String

    /// Points `configuration` at the fakes: `SWITCHBOARD_AGENT=pipeline`, the fakes' keys and URLs, the
    /// transcription session at `realtimeURL` (`…/v1/realtime?…`, its query is replaced by
    /// `intent=transcription`), and the machine cancelling replies on barge-in itself. Call it after
    /// setting `configuration.call`.
    func configure(_ configuration: inout ServerConfiguration, realtimeURL: String) {
        configuration.agentKind = "pipeline"
        configuration.openAIAPIKey = chat.options.apiKey
        configuration.openAIRealtimeURL = realtimeURL
        configuration.openAIAPIURL = chatURL
        configuration.elevenLabsAPIKey = speech.options.apiKey
        configuration.elevenLabsAPIURL = speechURL
        configuration.elevenLabsVoiceID = "e2e_voice"
        configuration.call.agentCancelsOnSpeech = false
    }

    /// The same as a closure, for harnesses that only hold a configuration step.
    func configuration(realtimeURL: String) -> @Sendable (inout ServerConfiguration) -> Void {
        { [self] configuration in configure(&configuration, realtimeURL: realtimeURL) }
    }
}

/// Starts the pipeline fakes (Chat Completions scripted by `script`, ElevenLabs) as tasks of `group`,
/// returning once both listen. They stop when the group is cancelled. Reusable by any carrier's harness.
func startPipelineFakes<T: Sendable>(
    script: FakeAgentScript, options: PipelineFakeOptions = PipelineFakeOptions(), in group: inout ThrowingTaskGroup<T?, any Error>
) async throws -> PipelineFakes {
    let quiet = Logger(label: "pipeline-fakes") { _ in SwiftLogNoOpLogHandler() }
    let chat = FakeChatServer(script: script, options: options.chat, logger: quiet)
    let speech = FakeElevenLabsServer(options: options.speech, logger: quiet)
    let (ports, continuation) = AsyncStream.makeStream(of: (String, Int).self)
    group.addTask {
        defer { continuation.finish() }  // a fake that stops or fails ends the wait below
        try await chat.run { continuation.yield(("chat", $0)) }
        return nil
    }
    group.addTask {
        defer { continuation.finish() }
        try await speech.run { continuation.yield(("speech", $0)) }
        return nil
    }
    var chatPort: Int?
    var speechPort: Int?
    for await (name, port) in ports {
        if name == "chat" { chatPort = port } else { speechPort = port }
        if chatPort != nil && speechPort != nil { break }
    }
    continuation.finish()
    guard let chatPort, let speechPort, chatPort > 0, speechPort > 0 else { throw E2EError("pipeline fakes did not start") }
    return PipelineFakes(chat: chat, speech: speech, chatURL: "http://127.0.0.1:\(chatPort)/v1", speechURL: "http://127.0.0.1:\(speechPort)")
}

extension E2EScripts {
    /// The pipeline's caller says one thing; the LLM greets, then says goodbye (no tool: the goodbye
    /// phrase ends the call).
    static let pipelineGoodbye = FakeAgentScript(
        greeting: "Hello! How can I help?", replies: ["Okay, thanks for calling. Goodbye!"],
        callerTranscripts: ["That is all, thanks."], timing: fastTiming)
}

/// Runs the pipeline fakes for the duration of `body` (for harnesses whose task group has another
/// element type), then stops them.
func withPipelineFakes<T: Sendable>(
    script: FakeAgentScript, options: PipelineFakeOptions = PipelineFakeOptions(), _ body: @escaping @Sendable (PipelineFakes) async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        let fakes = try await startPipelineFakes(script: script, options: options, in: &group)
        defer { group.cancelAll() }
        return try await body(fakes)
    }
}
