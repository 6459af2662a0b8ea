import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A protocol-faithful stand-in for OpenAI Chat Completions with streaming (`POST /v1/chat/completions`,
/// `stream: true`) on 127.0.0.1: Bearer auth, request validation, `text/event-stream` chunks
/// (`chat.completion.chunk` with content deltas, `tool_calls` deltas split by index, a `finish_reason`),
/// then `data: [DONE]`. Replies come from a ``FakeAgentScript`` (the same script a fake Realtime session
/// plays): the greeting, the reply to the caller's Nth user message, a `Say: "…"` phrase in a trailing
/// system message, or the default line. Faults on demand; every request is recorded.
public final class FakeChatServer: Sendable {
    /// Pacing of the stream.
    public struct Options: Sendable {
        /// The key accepted as `Authorization: Bearer …`.
        public var apiKey: String
        /// Wait before the first chunk (model latency).
        public var firstTokenDelay: Duration
        /// Gap between chunks.
        public var deltaInterval: Duration

        public init(apiKey: String = "fake-openai-key", firstTokenDelay: Duration = .milliseconds(20), deltaInterval: Duration = .milliseconds(3)) {
            self.apiKey = apiKey
            self.firstTokenDelay = firstTokenDelay
            self.deltaInterval = deltaInterval
        }
    }

    /// What the fake LLM says.
    public let script: FakeAgentScript
    /// Key and pacing.
    public let options: Options
    /// Every request, in arrival order.
    public let requests = FakeWaitableLog<FakeChatRequestRecord>()
    private let faults = FakeFaultSchedule<FakeChatFault>()
    private let counter = Atomic<Int>(0)
    private let logger: Logger

    public init(script: FakeAgentScript = FakeAgentScript(), options: Options = Options(), logger: Logger = Logger(label: "fake-chat")) {
        self.script = script
        self.options = options
        self.logger = logger
    }

    /// The next requests answer these faults, one each, in order.
    public func failNext(_ faults: [FakeChatFault]) {
        self.faults.failNext(faults)
    }

    /// Every request answers `fault` (nil: back to normal).
    public func failAlways(_ fault: FakeChatFault?) {
        faults.failAlways(fault)
    }

    // MARK: running

    /// Runs on 127.0.0.1 until cancelled; `onRunning` gets the port.
    public func run(port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        try await FakeHTTPServer.run(post: "/v1/chat/completions", port: port, logger: logger, onRunning: onRunning) { request, _ in
            try await self.handle(request)
        }
    }

    /// Starts the server, runs `body` with its base URL (`http://127.0.0.1:PORT/v1`), then stops it.
    public func withRunning<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        try await FakeHTTPServer.withRunning("fake Chat Completions", server: { try await self.run(onRunning: $0) }) { port in
            try await body("http://127.0.0.1:\(port)/v1")
        }
    }

    // MARK: handling

    private func handle(_ request: Request) async throws -> Response {
        var request = request
        let auth = request.headers[.authorization] ?? ""
        let authorized = auth == "Bearer \(options.apiKey)"
        let buffer = try await request.collectBody(upTo: 4 << 20)
        let body = try? RealtimeJSON.parse(String(buffer: buffer))
        var record = FakeChatRequestRecord(
            authorized: authorized, model: body?["model"]?.stringValue, stream: body?["stream"]?.boolValue ?? false,
            messages: (body?["messages"]?.arrayValue ?? []).map {
                FakeChatRequestRecord.Message(
                    role: $0["role"]?.stringValue ?? "", content: $0["content"]?.stringValue,
                    toolCallNames: ($0["tool_calls"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue })
            },
            toolNames: (body?["tools"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue },
            status: 200, replyText: "", toolCall: nil)

        func fail(_ status: Int, type: String, code: String?, message: String, headers: HTTPFields = [:]) -> Response {
            record.status = status
            requests.append(record)
            let json = RealtimeJSON.obj([
                "error": .obj(["message": .string(message), "type": .string(type), "param": .null, "code": .optional(code)])
            ])
            var fields: HTTPFields = [.contentType: "application/json"]
            fields.append(contentsOf: headers)
            return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: json.serialized)))
        }

        guard authorized else {
            return fail(401, type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided.")
        }
        let fault = faults.take()
        switch fault {
        case .invalidAPIKey?:
            return fail(401, type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided.")
        case .rateLimited?:
            return fail(429, type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests.", headers: [.retryAfter: "1"])
        case .insufficientQuota?:
            return fail(429, type: "insufficient_quota", code: "insufficient_quota", message: "You exceeded your current quota, please check your plan and billing details.")
        case .serverError?:
            return fail(500, type: "server_error", code: nil, message: "The server had an error while processing your request.")
        case .dropMidStream?, nil:
            break
        }
        guard let body, body.objectPairs != nil else {
            return fail(400, type: "invalid_request_error", code: nil, message: "We could not parse the JSON body of your request.")
        }
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            return fail(400, type: "invalid_request_error", code: "missing_required_parameter", message: "you must provide a model parameter")
        }
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            return fail(400, type: "invalid_request_error", code: "missing_required_parameter", message: "Missing required parameter: 'messages'.")
        }
        for (index, message) in messages.enumerated() {
            guard let role = message["role"]?.stringValue, ["system", "developer", "user", "assistant", "tool"].contains(role) else {
                return fail(400, type: "invalid_request_error", code: "invalid_value", message: "Invalid value for 'messages[\(index)].role'.")
            }
            if role == "tool" && message["tool_call_id"]?.stringValue == nil {
                return fail(400, type: "invalid_request_error", code: "missing_required_parameter", message: "Missing required parameter: 'messages[\(index)].tool_call_id'.")
            }
        }
        guard record.stream else {
            return fail(400, type: "invalid_request_error", code: "unsupported_value", message: "This fake only serves stream: true.")
        }

        let reply = Self.reply(for: record.messages, script: script)
        let tool = reply.tool.flatMap { record.toolNames.contains($0.name) ? $0 : nil }
        record.replyText = reply.text
        record.toolCall = tool?.name
        let index = requests.append(record)
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let chunks = Self.chunks(id: "chatcmpl-fake\(number)", model: model, text: reply.text, tool: tool, callID: "call_fake\(number)")
        let dropAfter = fault == .dropMidStream ? min(2, chunks.count - 1) : nil
        let options = self.options
        let log = requests
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                do {
                    if options.firstTokenDelay > .zero { try await Task.sleep(for: options.firstTokenDelay) }
                    for (position, chunk) in chunks.enumerated() {
                        if let dropAfter, position == dropAfter {
                            throw FakeStreamDropped()
                        }
                        try await writer.write(ByteBuffer(string: "data: \(chunk)\n\n"))
                        if options.deltaInterval > .zero { try await Task.sleep(for: options.deltaInterval) }
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                    log.modify(index) { $0.completed = true }
                } catch {
                    if !(error is FakeStreamDropped) { log.modify(index) { $0.cancelledByClient = true } }
                    throw error
                }
            })
    }

    /// Which scripted line answers these messages: a `Say: "…"` phrase in the last system message, the
    /// greeting before any user message, the reply to the Nth user message, or the default line.
    public static func reply(for messages: [FakeChatRequestRecord.Message], script: FakeAgentScript) -> FakeAgentReply {
        let users = messages.filter { $0.role == "user" }.count
        guard let last = messages.last else { return script.defaultLine }
        if last.role == "system" || last.role == "developer" {
            if let phrase = FakeAgentScript.quotedPhrase(in: last.content ?? "") { return FakeAgentReply(phrase) }
            if users == 0 && !messages.contains(where: { $0.role == "assistant" }) { return script.greeting }
            return script.defaultLine
        }
        if last.role == "user" { return script.reply(forTurn: users) }
        return script.defaultLine
    }

    /// The `data:` payloads of one streamed reply.
    static func chunks(id: String, model: String, text: String, tool: FakeToolCall?, callID: String) -> [String] {
        func chunk(_ delta: RealtimeJSON, finish: String? = nil) -> String {
            RealtimeJSON.obj([
                "id": .string(id), "object": "chat.completion.chunk", "created": .int(Int(Date().timeIntervalSince1970)),
                "model": .string(model),
                "choices": [.obj(["index": 0, "delta": delta, "logprobs": .null, "finish_reason": .optional(finish)])],
            ]).serialized
        }
        var out = [chunk(.obj(["role": "assistant", "content": "", "refusal": .null]))]
        var words: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        for word in words { out.append(chunk(.obj(["content": .string(word)]))) }
        if let tool {
            out.append(
                chunk(.obj([
                    "tool_calls": [.obj([
                        "index": 0, "id": .string(callID), "type": "function",
                        "function": .obj(["name": .string(tool.name), "arguments": ""]),
                    ])]
                ])))
            let arguments = Array(tool.arguments)
            let half = arguments.count / 2
            for part in [String(arguments[..<half]), String(arguments[half...])] where !part.isEmpty {
                out.append(chunk(.obj(["tool_calls": [.obj(["index": 0, "function": .obj(["arguments": .string(part)])])]])))
            }
        }
        out.append(chunk(.obj([:]), finish: tool == nil ? "stop" : "tool_calls"))
        return out
    }
}

struct FakeStreamDropped: Error {}
