import Foundation

/// One decoded `chat.completion.chunk` (only the first choice matters: we never ask for `n > 1`).
public struct ChatStreamChunk: Sendable, Equatable {
    /// A fragment of one tool call; `index` says which call it belongs to.
    public struct ToolCallDelta: Sendable, Equatable {
        /// Which call of the reply (0-based).
        public var index: Int
        /// `call_…`, in the call's first fragment.
        public var id: String?
        /// Function name, in the call's first fragment.
        public var name: String?
        /// A piece of the arguments' JSON text.
        public var arguments: String?

        public init(index: Int, id: String? = nil, name: String? = nil, arguments: String? = nil) {
            self.index = index
            self.id = id
            self.name = name
            self.arguments = arguments
        }
    }

    /// A piece of the reply's text.
    public var content: String?
    /// Pieces of tool calls.
    public var toolCalls: [ToolCallDelta]
    /// `stop`, `tool_calls`, `length`, `content_filter`; nil until the last chunk.
    public var finishReason: String?
    /// An `error` object sent inside the stream (the HTTP status was already 200).
    public var error: ChatAPIErrorBody?

    public init(content: String? = nil, toolCalls: [ToolCallDelta] = [], finishReason: String? = nil, error: ChatAPIErrorBody? = nil) {
        self.content = content
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.error = error
    }

    /// Decodes the JSON of one `data:` line.
    public static func decode(_ text: String) throws -> ChatStreamChunk {
        let wire = try JSONDecoder().decode(Wire.self, from: Data(text.utf8))
        let choice = wire.choices?.first
        return ChatStreamChunk(
            content: choice?.delta?.content,
            toolCalls: (choice?.delta?.toolCalls ?? []).map {
                ToolCallDelta(index: $0.index ?? 0, id: $0.id, name: $0.function?.name, arguments: $0.function?.arguments)
            },
            finishReason: choice?.finishReason,
            error: wire.error)
    }

    private struct Wire: Decodable {
        struct Function: Decodable {
            let name: String?
            let arguments: String?
        }
        struct ToolCall: Decodable {
            let index: Int?
            let id: String?
            let function: Function?
        }
        struct Delta: Decodable {
            let content: String?
            let toolCalls: [ToolCall]?
            enum CodingKeys: String, CodingKey {
                case content
                case toolCalls = "tool_calls"
            }
        }
        struct Choice: Decodable {
            let delta: Delta?
            let finishReason: String?
            enum CodingKeys: String, CodingKey {
                case delta
                case finishReason = "finish_reason"
            }
        }
        let choices: [Choice]?
        let error: ChatAPIErrorBody?
    }
}

/// OpenAI's `error` object: `{"message","type","param","code"}`.
public struct ChatAPIErrorBody: Sendable, Equatable, Decodable {
    /// Human-readable text.
    public var message: String?
    /// e.g. `invalid_request_error`, `server_error`.
    public var type: String?
    /// e.g. `invalid_api_key`, `rate_limit_exceeded`, `insufficient_quota`.
    public var code: String?

    public init(message: String? = nil, type: String? = nil, code: String? = nil) {
        self.message = message
        self.type = type
        self.code = code
    }

    enum CodingKeys: String, CodingKey { case message, type, code }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        message = try? c.decodeIfPresent(String.self, forKey: .message)
        type = try? c.decodeIfPresent(String.self, forKey: .type)
        // `code` is a string in practice, sometimes a number or null.
        if let text = try? c.decodeIfPresent(String.self, forKey: .code) {
            code = text
        } else if let number = try? c.decodeIfPresent(Int.self, forKey: .code) {
            code = String(number)
        } else {
            code = nil
        }
    }
}

/// Builds complete tool calls from stream fragments: the first fragment of a call carries its `index`,
/// `id` and `function.name`; later ones append `function.arguments` text. Calls come out in index order.
public struct ToolCallAccumulator: Sendable {
    private var calls: [Int: ChatToolCall] = [:]

    public init() {}

    /// Adds one fragment.
    public mutating func add(_ delta: ChatStreamChunk.ToolCallDelta) {
        var call = calls[delta.index] ?? ChatToolCall(id: "", name: "", arguments: "")
        if let id = delta.id, !id.isEmpty { call.id = id }
        if let name = delta.name { call.name += name }
        if let arguments = delta.arguments { call.arguments += arguments }
        calls[delta.index] = call
    }

    /// The calls so far, by index.
    public var toolCalls: [ChatToolCall] {
        calls.keys.sorted().compactMap { calls[$0] }
    }
}
