import Foundation

/// The JSON body of `POST /chat/completions` with `stream: true`.
struct ChatRequestBody: Encodable {
    let request: ChatCompletionRequest

    private struct Message: Encodable {
        let message: ChatMessage
        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
            case toolCallID = "tool_call_id"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(message.role.rawValue, forKey: .role)
            if let content = message.content {
                try c.encode(content, forKey: .content)
            } else {
                try c.encodeNil(forKey: .content)
            }
            if !message.toolCalls.isEmpty {
                try c.encode(message.toolCalls.map(ToolCall.init), forKey: .toolCalls)
            }
            if let id = message.toolCallID { try c.encode(id, forKey: .toolCallID) }
        }
    }

    private struct ToolCall: Encodable {
        struct Function: Encodable {
            let name: String
            let arguments: String
        }
        let id: String
        let type = "function"
        let function: Function
        init(_ call: ChatToolCall) {
            id = call.id
            function = Function(name: call.name, arguments: call.arguments)
        }
    }

    private struct Tool: Encodable {
        struct Function: Encodable {
            let name: String
            let description: String
            let parameters: ChatJSON
        }
        let type = "function"
        let function: Function
    }

    private struct StreamOptions: Encodable {
        let includeUsage = false
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, tools, stream, temperature
        case toolChoice = "tool_choice"
        case maxCompletionTokens = "max_completion_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(request.model, forKey: .model)
        try c.encode(request.messages.map(Message.init), forKey: .messages)
        try c.encode(true, forKey: .stream)
        if !request.tools.isEmpty {
            try c.encode(
                request.tools.map { Tool(function: .init(name: $0.name, description: $0.description, parameters: $0.parameters)) },
                forKey: .tools)
            try c.encode("auto", forKey: .toolChoice)
        }
        try c.encodeIfPresent(request.maxCompletionTokens, forKey: .maxCompletionTokens)
        try c.encodeIfPresent(request.temperature, forKey: .temperature)
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
