/// One message of a Chat Completions conversation.
public struct ChatMessage: Sendable, Equatable {
    /// Who wrote it.
    public enum Role: String, Sendable, Equatable {
        case system, user, assistant, tool
    }

    /// Who wrote it.
    public var role: Role
    /// The text; nil for an assistant message that only calls tools.
    public var content: String?
    /// Tool calls of an assistant message.
    public var toolCalls: [ChatToolCall]
    /// For `tool` messages: the `id` of the call this answers.
    public var toolCallID: String?

    /// Creates a message.
    public init(role: Role, content: String?, toolCalls: [ChatToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    /// System instructions.
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: text) }
    /// What the caller said.
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: text) }
    /// A reply of the model, with the tools it called.
    public static func assistant(_ text: String?, toolCalls: [ChatToolCall] = []) -> ChatMessage {
        ChatMessage(role: .assistant, content: text, toolCalls: toolCalls)
    }
    /// The result of tool call `id`.
    public static func tool(id: String, output: String) -> ChatMessage { ChatMessage(role: .tool, content: output, toolCallID: id) }
}

/// A complete function call the model made (`tool_calls[]` entry, accumulated from stream deltas).
public struct ChatToolCall: Sendable, Equatable {
    /// `call_…`, echoed in the `tool` message that answers it.
    public var id: String
    /// Function name.
    public var name: String
    /// The arguments as JSON text, exactly as the model wrote it (may be invalid JSON).
    public var arguments: String

    /// Creates a tool call.
    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A function the model may call.
public struct ChatTool: Sendable, Equatable {
    /// Function name.
    public var name: String
    /// What the function does, for the model.
    public var description: String
    /// JSON schema of the arguments object.
    public var parameters: ChatJSON

    /// Creates a function tool.
    public init(name: String, description: String, parameters: ChatJSON) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// `{"type":"object","properties":{"reason":{"type":"string","description":…}},"required":["reason"]}`.
    public static func reasonSchema(_ description: String) -> ChatJSON {
        .object([
            ("type", .string("object")),
            ("properties", .object([("reason", .object([("type", .string("string")), ("description", .string(description))]))])),
            ("required", .array([.string("reason")])),
        ])
    }

    /// `end_call {reason}`: hang up once the goodbye has been heard.
    public static let endCall = ChatTool(
        name: "end_call", description: "Hang up the phone call once the conversation is over and you have said goodbye.",
        parameters: reasonSchema("Why the call is ending."))

    /// `transfer_call {reason}`: hand the caller to a human.
    public static let transferCall = ChatTool(
        name: "transfer_call", description: "Transfer the caller to a human agent.",
        parameters: reasonSchema("Why the caller needs a human."))
}

/// What to ask for: model, messages, tools. Always streamed.
public struct ChatCompletionRequest: Sendable, Equatable {
    /// Model id, e.g. `gpt-4o-mini` (`SWITCHBOARD_LLM_MODEL`).
    public var model: String
    /// The conversation, system instructions first.
    public var messages: [ChatMessage]
    /// Functions offered (`tool_choice: auto`); none omits `tools`.
    public var tools: [ChatTool]
    /// Optional cap on the reply's tokens (`max_completion_tokens`).
    public var maxCompletionTokens: Int?
    /// Sampling temperature; nil leaves the model default.
    public var temperature: Double?

    /// Creates a request.
    public init(model: String, messages: [ChatMessage], tools: [ChatTool] = [], maxCompletionTokens: Int? = nil, temperature: Double? = nil) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.maxCompletionTokens = maxCompletionTokens
        self.temperature = temperature
    }
}
