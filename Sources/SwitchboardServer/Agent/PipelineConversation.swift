import OpenAIChat
import Synchronization

/// The conversation history of one pipeline call, as the LLM sees it: the system instructions, then
/// caller turns and the agent's replies in order. Bounded to the last `limit` messages (principle 8);
/// the instructions always lead.
final class PipelineConversation: Sendable {
    private let instructions: String
    private let limit: Int
    private let history = Mutex<[ChatMessage]>([])

    init(instructions: String, limit: Int = 40) {
        self.instructions = instructions
        self.limit = max(4, limit)
    }

    /// A caller turn (its transcript).
    func appendCaller(_ text: String) {
        append([.user(text)])
    }

    /// A reply: what was generated (all of it, or up to the interruption) and the tools it called, each
    /// answered so that the next request stays valid.
    func appendAgent(_ text: String, toolCalls: [ChatToolCall]) {
        guard !text.isEmpty || !toolCalls.isEmpty else { return }
        var messages = [ChatMessage.assistant(text.isEmpty ? nil : text, toolCalls: toolCalls)]
        for call in toolCalls { messages.append(.tool(id: call.id, output: #"{"ok":true}"#)) }
        append(messages)
    }

    /// The messages of the next request; `prompt` (what the machine asked for: greet, re-prompt, say
    /// goodbye) goes last as a system message and is not kept in the history.
    func messages(prompt: String?) -> [ChatMessage] {
        var messages = [ChatMessage.system(instructions)]
        messages += history.withLock { $0 }
        if let prompt { messages.append(.system(prompt)) }
        return messages
    }

    private func append(_ messages: [ChatMessage]) {
        history.withLock { history in
            history += messages
            // Drop the oldest turns; never start with a tool answer whose call was dropped.
            while history.count > limit || history.first?.role == .tool {
                history.removeFirst()
            }
        }
    }
}
