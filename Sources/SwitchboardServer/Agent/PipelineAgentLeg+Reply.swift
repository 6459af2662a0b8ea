import CallCore
import ElevenLabs
import OpenAIChat
import Synchronization

extension PipelineAgentLeg {
    /// Streams one LLM reply: `agentResponseCreated`, a `ttsRequested` per sentence as soon as it is
    /// complete, then the full text (`agentTranscriptDone`, for goodbye detection), tool calls, and
    /// `agentResponseDone`. Cancelled → `agentResponseDone(cancelled)` and nothing else. An LLM failure
    /// gives one error line and the spoken fallback line with an `end_call`.
    func runReply(_ reply: PipelineReply, deliver: @escaping @Sendable (CallEvent) -> Void) async {
        let id = reply.id
        deliverIfOpen(.agentResponseCreated(responseID: id), deliver)
        let request = ChatCompletionRequest(model: settings.model, messages: conversation.messages(prompt: reply.prompt), tools: settings.tools)
        let spoken = Mutex<(splitter: SentenceSplitter, sentences: [String])>((SentenceSplitter(), []))
        let emit: @Sendable (String) -> Void = { [self] sentence in
            guard !reply.cancellation.isCancelled else { return }
            spoken.withLock { $0.sentences.append(sentence) }
            requestSentence(sentence, responseID: id, deliver: deliver)
        }
        let chat = self.chat
        do {
            let result = try await reply.cancellation.run {
                try await chat.complete(request) { delta in
                    for sentence in spoken.withLock({ $0.splitter.feed(delta) }) { emit(sentence) }
                }
            }
            if let rest = spoken.withLock({ $0.splitter.flush() }) { emit(rest) }
            guard !reply.cancellation.isCancelled else { throw CancellationError() }
            let text = spoken.withLock { $0.sentences.joined(separator: " ") }
            if !text.isEmpty {
                deliverIfOpen(.agentTranscriptDone(responseID: id, itemID: "\(id)_text", text: text), deliver)
            }
            for call in result.toolCalls {
                deliverIfOpen(.agentToolCall(responseID: id, callID: call.id, tool: Self.tool(call)), deliver)
            }
            conversation.appendAgent(text, toolCalls: result.toolCalls)
            let status: ResponseStatus = result.finishReason == "length" || result.finishReason == "content_filter" ? .incomplete : .completed
            finishReply(id, status: status, deliver: deliver)
        } catch let error as OpenAIChatError where !reply.cancellation.isCancelled {
            logger.error("pipeline: the LLM failed (\(error)); saying the fallback line and ending the call politely")
            if let rest = spoken.withLock({ $0.splitter.flush() }) { emit(rest) }
            emit(settings.llmFailureLine)
            let text = spoken.withLock { $0.sentences.joined(separator: " ") }
            deliverIfOpen(.agentTranscriptDone(responseID: id, itemID: "\(id)_text", text: text), deliver)
            deliverIfOpen(.agentToolCall(responseID: id, callID: "llm_fallback_\(id)", tool: .endCall(reason: "llm unavailable")), deliver)
            finishReply(id, status: .completed, deliver: deliver)
        } catch {
            // Cancelled (barge-in, a newer caller turn, hang-up): keep what was generated for the context.
            conversation.appendAgent(spoken.withLock { $0.sentences.joined(separator: " ") }, toolCalls: [])
            finishReply(id, status: .cancelled, deliver: deliver)
        }
    }

    private func finishReply(_ id: String, status: ResponseStatus, deliver: @Sendable (CallEvent) -> Void) {
        state.withLock { s in
            if s.activeReply?.id == id { s.activeReply = nil }
        }
        deliverIfOpen(.agentResponseDone(responseID: id, status: status), deliver)
    }

    /// Asks the machine to speak `sentence` as part of `responseID` under a fresh operation id.
    func requestSentence(_ sentence: String, responseID: String, deliver: @Sendable (CallEvent) -> Void) {
        let operationID = state.withLock { s -> Int in
            s.nextOperation += 1
            s.operationResponses[s.nextOperation] = responseID
            if s.operationResponses.count > 256, let oldest = s.operationResponses.keys.min() {
                s.operationResponses.removeValue(forKey: oldest)
            }
            return s.nextOperation
        }
        deliverIfOpen(.ttsRequested(operationID: operationID, responseID: responseID, text: sentence), deliver)
    }

    static func tool(_ call: ChatToolCall) -> AgentTool {
        switch call.name {
        case "end_call": .endCall(reason: call.arguments)
        case "transfer_call": .transferCall(reason: call.arguments)
        default: .other(name: call.name)
        }
    }
}
