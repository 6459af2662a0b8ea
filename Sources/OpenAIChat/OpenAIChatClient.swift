import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Settings of ``OpenAIChatClient``.
public struct OpenAIChatConfiguration: Sendable {
    /// Sent as `Authorization: Bearer …`; never logged.
    public var apiKey: String
    /// `https://api.openai.com/v1` in production (`SWITCHBOARD_OPENAI_API_URL`); the request goes to
    /// `{baseURL}/chat/completions`.
    public var baseURL: String
    /// Bound for the whole completion, from the request to `[DONE]`.
    public var totalTimeout: Duration
    /// Upper bound for an error body read into memory.
    public var maxErrorBodyBytes: Int

    /// Creates a configuration.
    public init(apiKey: String, baseURL: String = "https://api.openai.com/v1", totalTimeout: Duration = .seconds(30), maxErrorBodyBytes: Int = 64 * 1024) {
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.totalTimeout = totalTimeout
        self.maxErrorBodyBytes = max(1024, maxErrorBodyBytes)
    }
}

/// How a streamed completion ended.
public struct ChatCompletionResult: Sendable, Equatable {
    /// All content deltas joined.
    public var content: String
    /// Complete tool calls, by index.
    public var toolCalls: [ChatToolCall]
    /// `stop`, `tool_calls`, `length`, `content_filter`, or nil if the stream ended with `[DONE]` only.
    public var finishReason: String?

    /// Creates a result.
    public init(content: String, toolCalls: [ChatToolCall], finishReason: String?) {
        self.content = content
        self.toolCalls = toolCalls
        self.finishReason = finishReason
    }
}

/// Streaming Chat Completions (`POST {baseURL}/chat/completions`, `stream: true`) over AsyncHTTPClient.
///
/// `complete` runs in the caller's task and hands each content delta to `onContent` as it arrives, so
/// speech can start before the reply is complete. Cancelling the caller's task closes the HTTP request at
/// once; no callback starts after that.
public struct OpenAIChatClient: Sendable {
    private let httpClient: HTTPClient
    /// Endpoint, key and bounds.
    public let configuration: OpenAIChatConfiguration
    private let logger: Logger

    /// - Parameter httpClient: shared client owned (and shut down) by the caller.
    public init(httpClient: HTTPClient, configuration: OpenAIChatConfiguration, logger: Logger = Logger(label: "switchboard.openai-chat")) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.logger = logger
    }

    /// Streams one completion.
    /// - Throws: ``OpenAIChatError``; `CancellationError` when the task is cancelled; errors of `onContent` unchanged.
    public func complete(
        _ request: ChatCompletionRequest, onContent: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ChatCompletionResult {
        let httpRequest = try makeRequest(request)
        let timeout = configuration.totalTimeout
        return try await withThrowingTaskGroup(of: ChatCompletionResult?.self) { group in
            group.addTask { try await self.stream(httpRequest, onContent: onContent) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw OpenAIChatError.timeout(after: timeout)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else { throw CancellationError() }
            return result
        }
    }

    /// Builds the HTTP request.
    public func makeRequest(_ request: ChatCompletionRequest) throws -> HTTPClientRequest {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var http = HTTPClientRequest(url: base + "/chat/completions")
        http.method = .POST
        http.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: "text/event-stream")
        http.body = .bytes(ByteBuffer(bytes: try ChatRequestBody(request: request).encoded()))
        return http
    }

    private func stream(_ request: HTTPClientRequest, onContent: @escaping @Sendable (String) async throws -> Void) async throws -> ChatCompletionResult {
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .seconds(Self.seconds(configuration.totalTimeout)), logger: logger)
        } catch {
            try Task.checkCancellation()
            throw OpenAIChatError.transport(String(describing: error))
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let body = (try? await response.body.collect(upTo: configuration.maxErrorBodyBytes)) ?? ByteBuffer()
            try Task.checkCancellation()
            let text = String(buffer: body)
            let parsed = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(text.utf8))
            throw OpenAIChatError.from(status: status, body: parsed?.error, bodyText: text, retryAfter: response.headers.first(name: "retry-after"))
        }
        var parser = ServerSentEventParser()
        var accumulator = ToolCallAccumulator()
        var content = ""
        var finishReason: String?
        var done = false
        do {
            bodyLoop: for try await buffer in response.body {
                try Task.checkCancellation()
                let events: [String]
                do {
                    events = try parser.feed(buffer.readableBytesView)
                } catch {
                    throw OpenAIChatError.malformedStream("line longer than \(error.limit) bytes")
                }
                for data in events {
                    if data == "[DONE]" {
                        done = true
                        break bodyLoop
                    }
                    let chunk: ChatStreamChunk
                    do {
                        chunk = try ChatStreamChunk.decode(data)
                    } catch {
                        throw OpenAIChatError.malformedStream("undecodable chunk: \(data.prefix(120))")
                    }
                    if let error = chunk.error {
                        throw OpenAIChatError.streamError(code: error.code, message: error.message ?? "")
                    }
                    for delta in chunk.toolCalls { accumulator.add(delta) }
                    if let text = chunk.content, !text.isEmpty {
                        content += text
                        try Task.checkCancellation()
                        do { try await onContent(text) } catch { throw CallbackFailure(underlying: error) }
                    }
                    if let reason = chunk.finishReason { finishReason = reason }
                }
            }
        } catch let error as OpenAIChatError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch let failure as CallbackFailure {
            throw failure.underlying
        } catch {
            try Task.checkCancellation()
            throw OpenAIChatError.transport("stream broke: \(error)")
        }
        try Task.checkCancellation()
        guard done || finishReason != nil else { throw OpenAIChatError.truncatedStream }
        return ChatCompletionResult(content: content, toolCalls: accumulator.toolCalls, finishReason: finishReason)
    }

    /// An error thrown by the caller's `onContent`, carried through unchanged.
    private struct CallbackFailure: Error {
        var underlying: any Error
    }

    private struct ErrorEnvelope: Decodable {
        let error: ChatAPIErrorBody?
    }

    static func seconds(_ duration: Duration) -> Int64 {
        max(1, duration.components.seconds + (duration.components.attoseconds > 0 ? 1 : 0))
    }
}
