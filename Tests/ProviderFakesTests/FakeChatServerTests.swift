import AsyncHTTPClient
import Foundation
import NIOCore
import ProviderFakes
import Testing

@Suite("Fake Chat Completions server")
struct FakeChatServerTests {
    static let script = FakeAgentScript(
        greeting: "Hello! How can I help?", replies: ["Sure thing.", FakeAgentReply("Goodbye!", tool: .endCall())],
        defaultLine: "Are you still there?")

    static func post(_ base: String, _ body: String, key: String = "fake-openai-key") -> HTTPClientRequest {
        var request = HTTPClientRequest(url: base + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        return request
    }

    @Test func streamsSSEChunksEndingWithDone() async throws {
        let server = FakeChatServer(script: Self.script)
        try await withDeadline {
            try await server.withRunning { base in
                let body = #"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Sure thing."},{"role":"user","content":"Bye"}],"tools":[{"type":"function","function":{"name":"end_call","parameters":{"type":"object"}}}]}"#
                let response = try await HTTPClient.shared.execute(Self.post(base, body), timeout: .seconds(10))
                #expect(response.status.code == 200)
                #expect(response.headers.first(name: "content-type") == "text/event-stream")
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
                #expect(lines.allSatisfy { $0.hasPrefix("data: ") })
                #expect(lines.last == "data: [DONE]")
                let chunks = try lines.dropLast().map { try RealtimeJSON.parse(String($0.dropFirst(6))) }
                #expect(chunks.allSatisfy { $0["object"]?.stringValue == "chat.completion.chunk" })
                let content = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
                #expect(content == "Goodbye!")
                let toolDeltas = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["tool_calls"]?.arrayValue?.first }
                #expect(toolDeltas.first?["function"]?["name"]?.stringValue == "end_call")
                #expect(toolDeltas.first?["id"]?.stringValue?.hasPrefix("call_") == true)
                #expect(toolDeltas.dropFirst().allSatisfy { $0["id"] == nil && $0["index"]?.intValue == 0 })
                #expect(chunks.last?["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "tool_calls")
                let record = try #require(server.requests.records.first)
                #expect(record.messages.map(\.role) == ["system", "user", "assistant", "user"])
                #expect(record.replyText == "Goodbye!" && record.toolCall == "end_call")
            }
        }
    }

    @Test func repliesFollowTheScript() {
        typealias M = FakeChatRequestRecord.Message
        func reply(_ messages: [(String, String)]) -> FakeAgentReply {
            FakeChatServer.reply(for: messages.map { M(role: $0.0, content: $0.1, toolCallNames: []) }, script: Self.script)
        }
        #expect(reply([("system", "Be brief."), ("system", "Greet the caller.")]).text == "Hello! How can I help?")
        #expect(reply([("system", "Be brief."), ("user", "Hi")]).text == "Sure thing.")
        #expect(reply([("system", "x"), ("user", "Hi"), ("assistant", "Sure thing."), ("system", #"Say: "Are you still there?""#)]).text == "Are you still there?")
        #expect(reply([("system", "x"), ("user", "a"), ("assistant", "b"), ("user", "c")]).text == "Goodbye!")
    }

    @Test func authValidationAndFaults() async throws {
        let server = FakeChatServer(script: Self.script)
        try await withDeadline {
            try await server.withRunning { base in
                let good = #"{"model":"m","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#
                let unauthorized = try await HTTPClient.shared.execute(Self.post(base, good, key: "nope"), timeout: .seconds(10))
                #expect(unauthorized.status.code == 401)
                for bad in [#"{"stream":true,"messages":[{"role":"user","content":"Hi"}]}"#, #"{"model":"m","stream":true,"messages":[]}"#, #"{"model":"m","stream":true,"messages":[{"role":"robot"}]}"#, "nope"] {
                    let response = try await HTTPClient.shared.execute(Self.post(base, bad), timeout: .seconds(10))
                    #expect(response.status.code == 400, "\(bad)")
                }
                server.failNext([.rateLimited, .serverError])
                let limited = try await HTTPClient.shared.execute(Self.post(base, good), timeout: .seconds(10))
                #expect(limited.status.code == 429)
                #expect(limited.headers.first(name: "retry-after") == "1")
                let failed = try await HTTPClient.shared.execute(Self.post(base, good), timeout: .seconds(10))
                #expect(failed.status.code == 500)
                let ok = try await HTTPClient.shared.execute(Self.post(base, good), timeout: .seconds(10))
                #expect(ok.status.code == 200)
                _ = try await ok.body.collect(upTo: 1 << 20)
                #expect(server.requests.records.map(\.status) == [401, 400, 400, 400, 400, 429, 500, 200])
            }
        }
    }
}
