import OpenAIChat
import Testing

@Suite struct ServerSentEventParserTests {
    @Test func dataLinesAcrossArbitraryBoundaries() throws {
        let stream = "data: {\"a\":1}\n\n: keep-alive comment\n\nevent: message\ndata: {\"b\":2}\r\n\r\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        for split in 1..<bytes.count {
            var parser = ServerSentEventParser()
            var events = try parser.feed(bytes[..<split])
            events += try parser.feed(bytes[split...])
            #expect(events == ["{\"a\":1}", "{\"b\":2}", "[DONE]"], "split at \(split)")
        }
    }

    @Test func multiLineDataIsJoinedAndUnterminatedEventFlushes() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Array("data: one\ndata: two\n\ndata:three".utf8)) == ["one\ntwo"])
        #expect(parser.finish() == "three")
        #expect(parser.finish() == nil)
    }

    @Test func overLongLineIsRejected() {
        var parser = ServerSentEventParser(maxLineBytes: 64)
        #expect(throws: ServerSentEventParser.LineTooLong.self) {
            _ = try parser.feed(Array(repeating: UInt8(ascii: "x"), count: 65))
        }
    }
}

@Suite struct ChatStreamChunkTests {
    @Test func contentToolCallsAndFinishReason() throws {
        let content = try ChatStreamChunk.decode(#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi "},"finish_reason":null}]}"#)
        #expect(content.content == "Hi ")
        #expect(content.finishReason == nil)
        let first = try ChatStreamChunk.decode(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"end_call","arguments":""}}]}}]}"#)
        let second = try ChatStreamChunk.decode(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"reason\":"}}]}}]}"#)
        let third = try ChatStreamChunk.decode(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"transfer_call","arguments":"{}"}},{"index":0,"function":{"arguments":"\"bye\"}"}}]}}]}"#)
        let done = try ChatStreamChunk.decode(#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#)
        var accumulator = ToolCallAccumulator()
        for chunk in [first, second, third] { for delta in chunk.toolCalls { accumulator.add(delta) } }
        #expect(accumulator.toolCalls == [
            ChatToolCall(id: "call_1", name: "end_call", arguments: #"{"reason":"bye"}"#),
            ChatToolCall(id: "call_2", name: "transfer_call", arguments: "{}"),
        ])
        #expect(done.finishReason == "tool_calls")
    }

    @Test func inStreamError() throws {
        let chunk = try ChatStreamChunk.decode(#"{"error":{"message":"overloaded","type":"server_error","code":null}}"#)
        #expect(chunk.error?.message == "overloaded")
    }

    @Test func httpErrorsAreTyped() {
        #expect(OpenAIChatError.from(status: 401, body: ChatAPIErrorBody(message: "bad key"), bodyText: "", retryAfter: nil) == .unauthorized(message: "bad key"))
        #expect(OpenAIChatError.from(status: 429, body: ChatAPIErrorBody(message: "slow down", code: "rate_limit_exceeded"), bodyText: "", retryAfter: "2")
            == .rateLimited(code: "rate_limit_exceeded", message: "slow down", retryAfterSeconds: 2))
        #expect(OpenAIChatError.from(status: 503, body: nil, bodyText: "busy", retryAfter: nil) == .server(status: 503, message: "busy"))
    }
}
