import AsyncHTTPClient
import CallCore
import CallRuntime
import ElevenLabs
import Logging
import OpenAIChat
import OpenAIRealtime

/// Everything a pipeline call needs: where speech to text, the LLM and text to speech live, and what to
/// tell the LLM.
struct PipelineSettings: Sendable {
    /// The Realtime transcription session (`…/v1/realtime?intent=transcription`) and its key.
    var transcription: RealtimeConnectionConfiguration
    var transcriptionSession: RealtimeTranscriptionSessionConfig
    /// Chat Completions endpoint and key.
    var chat: OpenAIChatConfiguration
    /// `SWITCHBOARD_LLM_MODEL`.
    var model: String
    /// System instructions (`ServerConfiguration.instructions`).
    var instructions: String
    /// `end_call`, and `transfer_call` when a transfer target is configured.
    var tools: [ChatTool]
    var speech: ElevenLabsConfiguration
    /// What to ask for on the machine's requests (greeting, re-prompt, polite end).
    var prompts: AgentInstructions
    /// Spoken (through text to speech) when the LLM fails; the call then ends once it has been heard.
    var llmFailureLine = "I'm sorry, I'm having technical trouble right now. Please call again later. Goodbye!"
}

/// Makes a pipeline agent leg per call (speech to text → LLM → ElevenLabs).
struct PipelineAgentConnector: AgentConnector {
    let settings: PipelineSettings
    let httpClient: HTTPClient
    let logger: Logger

    func makeAgent(for call: CallInfo) -> any AgentLeg {
        var logger = logger
        logger[metadataKey: "call_id"] = "\(call.callID)"
        return PipelineAgentLeg(settings: settings, httpClient: httpClient, logger: logger)
    }
}
