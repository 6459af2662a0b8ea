import CallCore
import Testing

/// A pipeline reply whose text is complete (`agentTranscriptDone`, used for goodbye detection) while its
/// sentences are still being synthesized is not saved yet: it is saved once its audio has played, or
/// as interrupted with the part heard when the caller barges in (seed 000 §3: the message of the active
/// TTS operation).
@Suite struct PipelineSettleTests {
    private func pipelineCall() -> CallHarness {
        var configuration = CallConfiguration()
        configuration.agentCancelsOnSpeech = false
        var call = CallHarness(configuration: configuration)
        call.connect()
        return call
    }

    @Test func replyTextDoneBeforeItsAudioIsSavedAsInterruptedOnBargeIn() {
        var call = pipelineCall()
        call.send(.agentResponseCreated(responseID: "r1"))
        call.send(.ttsRequested(operationID: 1, responseID: "r1", text: "Let me check that for you."))
        call.send(.ttsRequested(operationID: 2, responseID: "r1", text: "It takes a moment."))
        call.send(.agentTranscriptDone(responseID: "r1", itemID: "r1_text", text: "Let me check that for you. It takes a moment."))
        call.send(.agentResponseDone(responseID: "r1", status: .completed))
        // Nothing synthesized yet: the message must not be saved as heard in full.
        #expect(!call.messages.contains { $0.role == .agent })
        call.send(.ttsChunk(operationID: 1, audio: AudioPayload(base64: "", byteCount: 1_600)))
        call.send(.callerSpeechStarted)
        #expect(call.actions.contains(.cancelSynthesis(operationID: 1)))
        let agent = call.messages.filter { $0.role == .agent }
        #expect(agent.count == 1)
        #expect(agent.first?.interrupted == true)
        #expect(agent.first?.text == "Let me check that for you. It takes a moment.")
    }

    @Test func replyTextDoneBeforeItsAudioIsSavedOnceHeard() {
        var call = pipelineCall()
        call.send(.agentResponseCreated(responseID: "r1"))
        call.send(.ttsRequested(operationID: 1, responseID: "r1", text: "Sure."))
        call.send(.agentTranscriptDone(responseID: "r1", itemID: "r1_text", text: "Sure."))
        call.send(.agentResponseDone(responseID: "r1", status: .completed))
        #expect(!call.messages.contains { $0.role == .agent })
        call.send(.ttsChunk(operationID: 1, audio: AudioPayload(base64: "", byteCount: 800)))
        call.send(.ttsFinished(operationID: 1))
        call.playAll()
        let agent = call.messages.filter { $0.role == .agent }
        #expect(agent.count == 1)
        #expect(agent.first?.interrupted == false)
    }
}
