import AsyncHTTPClient
import OpenAIChat
import ProviderFakes
import Synchronization
import Testing

/// The client against the fake Chat Completions server on 127.0.0.1.
@Suite struct OpenAIChatClientTests {
    static let script = FakeAgentScript(
        greeting: "Hello there. How can I help?",
        replies: [FakeAgentReply("Thanks for calling. Goodbye!", tool: .endCall(reason: "done"))])

    func client(_ baseURL: String, key: String = "fake-openai-key") -> OpenAIChatClient {
        OpenAIChatClient(httpClient: .shared, configuration: OpenAIChatConfiguration(apiKey: key, baseURL: baseURL, totalTimeout: .seconds(10)))
    }

    @Test func streamsContentDeltasAndAccumulatesToolCalls() async throws {
        let server = FakeChatServer(script: Self.script)
        try await server.withRunning { url in
            let deltas = Mutex<[String]>([])
            let request = ChatCompletionRequest(
                model: "gpt-4o-mini", messages: [.system("Be brief."), .user("That's all, bye.")], tools: [.endCall])
            let result = try await client(url).complete(request) { delta in deltas.withLock { $0.append(delta) } }
            #expect(result.content == "Thanks for calling. Goodbye!")
            #expect(deltas.withLock { $0.count } > 1)
            #expect(result.toolCalls.count == 1)
            #expect(result.toolCalls.first?.name == "end_call")
            #expect(result.toolCalls.first?.arguments == #"{"reason":"done"}"#)
            #expect(result.finishReason == "tool_calls")
            let record = try #require(server.requests.records.first)
            #expect(record.authorized && record.stream && record.model == "gpt-4o-mini")
            #expect(record.toolNames == ["end_call"])
            #expect(record.completed)
        }
    }

    @Test func noToolWhenNoneDeclared() async throws {
        let server = FakeChatServer(script: Self.script)
        try await server.withRunning { url in
            let result = try await client(url).complete(ChatCompletionRequest(model: "m", messages: [.user("bye")])) { _ in }
            #expect(result.toolCalls.isEmpty)
            #expect(result.finishReason == "stop")
        }
    }

    @Test func wrongKeyIs401() async throws {
        let server = FakeChatServer(script: Self.script)
        _ = try await server.withRunning { url in
            await #expect(throws: OpenAIChatError.unauthorized(message: "Incorrect API key provided.")) {
                _ = try await client(url, key: "wrong").complete(ChatCompletionRequest(model: "m", messages: [.user("hi")])) { _ in }
            }
        }
    }

    @Test(arguments: [FakeChatFault.rateLimited, .insufficientQuota, .serverError])
    func faultsAreTyped(_ fault: FakeChatFault) async throws {
        let server = FakeChatServer(script: Self.script)
        server.failNext([fault])
        try await server.withRunning { url in
            do {
                _ = try await client(url).complete(ChatCompletionRequest(model: "m", messages: [.user("hi")])) { _ in }
                Issue.record("expected \(fault) to fail")
            } catch let error as OpenAIChatError {
                switch (fault, error) {
                case (.rateLimited, .rateLimited(let code, _, let retry)):
                    #expect(code == "rate_limit_exceeded")
                    #expect(retry == 1)
                case (.insufficientQuota, .rateLimited(let code, _, _)): #expect(code == "insufficient_quota")
                case (.serverError, .server(let status, _)): #expect(status == 500)
                default: Issue.record("\(fault) gave \(error)")
                }
            }
            // The fault was one-shot.
            _ = try await client(url).complete(ChatCompletionRequest(model: "m", messages: [.user("hi")])) { _ in }
        }
    }

    @Test func droppedStreamIsATransportError() async throws {
        let server = FakeChatServer(script: Self.script)
        server.failNext([.dropMidStream])
        try await server.withRunning { url in
            do {
                _ = try await client(url).complete(ChatCompletionRequest(model: "m", messages: [.user("hi")])) { _ in }
                Issue.record("expected the dropped stream to fail")
            } catch let error as OpenAIChatError {
                switch error {
                case .transport, .truncatedStream: break
                default: Issue.record("dropped stream gave \(error)")
                }
            }
        }
    }

    @Test func cancellingTheTaskClosesTheRequest() async throws {
        let long = FakeAgentScript(greeting: FakeAgentReply(String(repeating: "word ", count: 400)))
        let server = FakeChatServer(script: long, options: .init(deltaInterval: .milliseconds(10)))
        try await server.withRunning { url in
            let client = client(url)
            let firstDelta = AsyncStream.makeStream(of: Void.self)
            let afterCancel = Mutex(false)
            let deltasAfterCancel = Mutex(0)
            let task = Task {
                try await client.complete(ChatCompletionRequest(model: "m", messages: [.system("greet")])) { _ in
                    if afterCancel.withLock({ $0 }) { deltasAfterCancel.withLock { $0 += 1 } }
                    firstDelta.continuation.yield()
                }
            }
            var iterator = firstDelta.stream.makeAsyncIterator()
            _ = await iterator.next()
            task.cancel()
            afterCancel.withLock { $0 = true }
            await #expect(throws: CancellationError.self) { _ = try await task.value }
            // At most the one callback that had already passed its cancellation check.
            #expect(deltasAfterCancel.withLock { $0 } <= 1)
            #expect(await server.requests.wait(timeout: .seconds(5)) { $0.first?.cancelledByClient == true })
            #expect(server.requests.records.first?.completed == false)
        }
    }
}
