import AsyncHTTPClient
import CallCore
import CallRuntime
import ElevenLabs
import Logging
import OpenAIChat
import OpenAIRealtime
import ProviderFakes
import Synchronization
import Testing
@testable import SwitchboardServer

/// The pipeline leg on its own against the fakes (no phone, no machine): what it delivers, and that a
/// cancelled synthesis stops reading at once.
@Suite struct PipelineAgentLegTests {
    /// Events the leg delivered, with waiters.
    final class Sink: Sendable {
        let events = FakeWaitableLog<CallEvent>()
        func deliver(_ event: CallEvent) { _ = events.append(event) }
        func wait(_ predicate: @escaping @Sendable ([CallEvent]) -> Bool) async -> Bool {
            await events.wait(timeout: .seconds(10), until: predicate)
        }
    }

    static let script = FakeAgentScript(
        greeting: "Hello there. How can I help?", replies: [FakeAgentReply("Goodbye!", tool: .endCall())])

    func withLeg(
        speech speechOptions: FakeElevenLabsServer.Options = .init(),
        _ body: @escaping @Sendable (PipelineAgentLeg, Sink, FakeElevenLabsServer) async throws -> Void
    ) async throws {
        let quiet = Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }
        let realtime = FakeRealtimeServer(script: Self.script, logger: quiet)
        let chat = FakeChatServer(script: Self.script, logger: quiet)
        let speech = FakeElevenLabsServer(options: speechOptions, logger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await realtime.run() }
            group.addTask {
                try await chat.withRunning { chatURL in
                    try await speech.withRunning { speechURL in
                        let settings = PipelineSettings(
                            transcription: RealtimeConnectionConfiguration(url: try await realtime.transcriptionURL(), apiKey: "k"),
                            transcriptionSession: RealtimeTranscriptionSessionConfig(),
                            chat: OpenAIChatConfiguration(apiKey: chat.options.apiKey, baseURL: chatURL),
                            model: "gpt-4o-mini", instructions: "Be brief.", tools: [.endCall],
                            speech: ElevenLabsConfiguration(apiKey: speech.options.apiKey, voiceID: "v1", baseURL: speechURL),
                            prompts: AgentInstructions())
                        let leg = PipelineAgentLeg(settings: settings, httpClient: .shared, logger: quiet)
                        let sink = Sink()
                        try await withThrowingTaskGroup(of: Void.self) { inner in
                            inner.addTask { await leg.run { sink.deliver($0) } }
                            try await body(leg, sink, speech)
                            leg.close()
                            try await inner.waitForAll()
                        }
                        #expect(sink.events.records.last == .agentSessionClosed)
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    @Test func greetingStreamsSentencesThenTheWholeText() async throws {
        try await withLeg { leg, sink, _ in
            #expect(await sink.wait { $0.first == .agentSessionReady })
            leg.send(.createResponse(.greeting))
            #expect(await sink.wait { $0.contains { if case .agentResponseDone = $0 { true } else { false } } })
            let events = sink.events.records.filter {
                if case .agentSessionReady = $0 { false } else { true }
            }
            #expect(events == [
                .agentResponseCreated(responseID: "pipe_resp_1"),
                .ttsRequested(operationID: 1, responseID: "pipe_resp_1", text: "Hello there."),
                .ttsRequested(operationID: 2, responseID: "pipe_resp_1", text: "How can I help?"),
                .agentTranscriptDone(responseID: "pipe_resp_1", itemID: "pipe_resp_1_text", text: "Hello there. How can I help?"),
                .agentResponseDone(responseID: "pipe_resp_1", status: .completed),
            ])
        }
    }

    @Test func synthesisDeliversWholeFramesThenFinishes() async throws {
        try await withLeg { leg, sink, speech in
            #expect(await sink.wait { $0.first == .agentSessionReady })
            leg.send(.synthesize(operationID: 7, text: "Hello there."))
            #expect(await sink.wait { $0.contains(.ttsFinished(operationID: 7)) })
            let chunks = sink.events.records.compactMap { event -> Int? in
                if case .ttsChunk(7, let audio) = event { audio.byteCount } else { nil }
            }
            #expect(chunks.reduce(0, +) == speech.options.audioMilliseconds(for: "Hello there.") * 8)
            #expect(chunks.dropLast().allSatisfy { $0 % 160 == 0 })
        }
    }

    @Test func cancelledSynthesisStopsReadingAndClosesTheRequest() async throws {
        let slow = FakeElevenLabsServer.Options(millisecondsPerCharacter: 80, realTimePacing: true)
        try await withLeg(speech: slow) { leg, sink, speech in
            #expect(await sink.wait { $0.first == .agentSessionReady })
            leg.send(.synthesize(operationID: 3, text: "A sentence that takes several seconds to say out loud."))
            #expect(await sink.wait { $0.contains { if case .ttsChunk(3, _) = $0 { true } else { false } } })
            leg.send(.cancelSynthesis(operationID: 3))
            let deliveredAtCancel = sink.events.records.count
            #expect(await speech.requests.wait(timeout: .seconds(5)) { $0.first?.cancelledByClient == true })
            let after = sink.events.records.dropFirst(deliveredAtCancel)
            // At most one chunk that had passed its check when the cancel came; never a finish.
            #expect(after.count <= 1, "\(Array(after))")
            #expect(!sink.events.records.contains(.ttsFinished(operationID: 3)))
            #expect(!sink.events.records.contains { if case .ttsFailed = $0 { true } else { false } })
        }
    }

    @Test func quotaExceededPlaysTheChimeAndAsksToEnd() async throws {
        try await withLeg { leg, sink, speech in
            #expect(await sink.wait { $0.first == .agentSessionReady })
            speech.failAlways(.quotaExceeded)
            leg.send(.createResponse(.greeting))
            #expect(await sink.wait { $0.contains(.ttsRequested(operationID: 1, responseID: "pipe_resp_1", text: "Hello there.")) })
            leg.send(.synthesize(operationID: 1, text: "Hello there."))
            #expect(await sink.wait { $0.contains(.ttsFinished(operationID: 1)) })
            let events = sink.events.records
            #expect(events.contains(.agentToolCall(responseID: "pipe_resp_1", callID: "tts_fallback_1", tool: .endCall(reason: "text to speech unavailable: 401 quota_exceeded"))))
            let chime = events.compactMap { event -> Int? in if case .ttsChunk(1, let audio) = event { audio.byteCount } else { nil } }
            #expect(chime.reduce(0, +) == PipelineFallbackTone.frames.reduce(0) { $0 + $1.byteCount })
            // The next sentence is not fetched at all.
            leg.send(.synthesize(operationID: 2, text: "How can I help?"))
            #expect(await sink.wait { $0.contains(.ttsFinished(operationID: 2)) })
            #expect(speech.requests.records.count == 1)
        }
    }
}
