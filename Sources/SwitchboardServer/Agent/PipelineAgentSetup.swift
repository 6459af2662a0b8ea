import AsyncHTTPClient
import CallRuntime
import Logging

extension SwitchboardApplication {
    /// The pipeline agent (speech to text → LLM → ElevenLabs). Placeholder until the pipeline lands.
    static func makePipelineAgent(
        configuration: ServerConfiguration, httpClient: HTTPClient, logger: Logger, group: inout ThrowingTaskGroup<Void, any Error>
    ) async throws -> any AgentConnector {
        throw ServerSetupError("SWITCHBOARD_AGENT=pipeline is not built yet")
    }
}
