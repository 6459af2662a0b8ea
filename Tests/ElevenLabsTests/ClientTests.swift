import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing
@testable import ElevenLabs

@Suite struct ClientTests {
    @Test func streamsReChunkedAudioAndSendsTheExactRequest() async throws {
        let audio = bytes(100) + bytes(250, seed: 7) + bytes(7, seed: 3) + bytes(3, seed: 1)
        let server = try await LocalTTSServer.start(replies: [
            .stream(chunks: [Array(audio[0..<100]), Array(audio[100..<350]), Array(audio[350..<357]), Array(audio[357...])],
                    headers: [("request-id", "req_123"), ("character-cost", "19")]),
        ])
        let client = makeClient(server)
        let collector = ChunkCollector()
        let result = try await withTimeout {
            try await client.synthesize(text: "Thanks for calling.") { collector.add($0) }
        }
        try await server.shutdown()

        #expect(collector.bytes == audio)
        let sizes = collector.all.map(\.count)
        #expect(sizes.dropLast().allSatisfy { $0 > 0 && $0 % 160 == 0 })
        #expect(sizes.last == 40)
        #expect(result.bytes == 360)
        #expect(result.attempts == 1)
        #expect(result.requestID == "req_123")
        #expect(result.characterCost == 19)
        #expect(result.timeToFirstByte != nil)

        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb/stream?output_format=ulaw_8000")
        #expect(request.headers["xi-api-key"] == "sk_test_key")
        #expect(request.headers["content-type"] == "application/json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(json["text"] as? String == "Thanks for calling.")
        #expect(json["model_id"] as? String == "eleven_flash_v2_5")
        #expect(json["language_code"] == nil)
        let settings = try #require(json["voice_settings"] as? [String: Any])
        #expect(settings["stability"] as? Double == 0.5)
        #expect(settings["similarity_boost"] as? Double == 0.75)
        #expect(settings["speed"] as? Double == 1.0)
        #expect(Set(settings.keys) == ["stability", "similarity_boost", "speed"])
        #expect(Set(json.keys) == ["text", "model_id", "voice_settings"])
    }

    @Test func hebrewTextAndLanguageCodeGoOutVerbatim() async throws {
        let server = try await LocalTTSServer.start(replies: [.stream(chunks: [bytes(160)])])
        let client = makeClient(server) { $0.languageCode = "he"; $0.voiceSettings = nil }
        _ = try await withTimeout { try await client.synthesize(text: "ביי ולהתראות", previousText: "תודה.") { _ in } }
        try await server.shutdown()
        let request = try #require(server.requests.first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(json["text"] as? String == "ביי ולהתראות")
        #expect(json["language_code"] as? String == "he")
        #expect(json["previous_text"] as? String == "תודה.")
        #expect(json["voice_settings"] == nil)
    }

    @Test func rejectsLocallyWhatTheAPIWouldReject() async throws {
        let server = try await LocalTTSServer.start(replies: [])
        let multilingual = makeClient(server) { $0.modelID = "eleven_multilingual_v2"; $0.languageCode = "he" }
        await #expect(throws: ElevenLabsError.self) { try await multilingual.synthesize(text: "hi") { _ in } }
        let badVoice = makeClient(server, voiceID: "../x?y")
        await #expect(throws: ElevenLabsError.invalidRequest("invalid voice id")) { try await badVoice.synthesize(text: "hi") { _ in } }
        await #expect(throws: ElevenLabsError.invalidRequest("text is empty")) { try await makeClient(server).synthesize(text: "  ") { _ in } }
        try await server.shutdown()
        #expect(server.requests.isEmpty)
    }

    @Test func explicitCancelClosesTheConnectionAndStopsAudio() async throws {
        let server = try await LocalTTSServer.start(replies: [.stream(chunks: [bytes(320)], hold: true)])
        let client = makeClient(server) { $0.totalTimeout = .seconds(20) }
        let cancellation = ElevenLabsCancellation()
        let collector = ChunkCollector()
        await #expect(throws: CancellationError.self) {
            try await withTimeout {
                try await client.synthesize(text: "A long reply.", cancellation: cancellation) { chunk in
                    collector.add(chunk)
                    cancellation.cancel()
                }
            }
        }
        try await withTimeout { await server.waitForCloses(1) }
        #expect(server.connectionCloses >= 1)
        #expect(collector.all.map(\.count) == [320])
        try await server.shutdown()
    }

    @Test func cancellingTheConsumingTaskClosesTheConnection() async throws {
        let server = try await LocalTTSServer.start(replies: [.stream(chunks: [bytes(160)], hold: true)])
        let client = makeClient(server) { $0.totalTimeout = .seconds(20) }
        let collector = ChunkCollector()
        let (firstChunk, signal) = AsyncStream.makeStream(of: Void.self)
        let outcome: (any Error)? = try await withTimeout {
            await withTaskGroup(of: (any Error)?.self) { group in
                group.addTask {
                    do {
                        try await client.synthesize(text: "Hello.") { chunk in
                            collector.add(chunk)
                            signal.yield()
                        }
                        return nil
                    } catch {
                        return error
                    }
                }
                for await _ in firstChunk { break }
                group.cancelAll()  // barge-in
                return await group.next() ?? nil
            }
        }
        #expect(outcome is CancellationError)
        try await withTimeout { await server.waitForCloses(1) }
        #expect(collector.all.map(\.count) == [160])
        try await server.shutdown()
    }

    @Test func quotaIsNotRetried() async throws {
        let body = #"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota of 10000. You have 0 credits remaining, while 43 credits are required for this request."}}"#
        let server = try await LocalTTSServer.start(replies: [.respond(status: 401, body: body), .stream(chunks: [bytes(160)])])
        let client = makeClient(server)
        await #expect {
            try await withTimeout { try await client.synthesize(text: "Hi.") { _ in } }
        } throws: { error in
            guard case .quotaExceeded = error as? ElevenLabsError else { return false }
            return true
        }
        try await server.shutdown()
        #expect(server.requests.count == 1)
    }

    @Test func validationErrorEndToEnd() async throws {
        let body = #"{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}"#
        let server = try await LocalTTSServer.start(replies: [.respond(status: 422, body: body)])
        let client = makeClient(server)
        await #expect(throws: ElevenLabsError.validation(message: "body.text: field required")) {
            try await withTimeout { try await client.synthesize(text: "Hi.") { _ in } }
        }
        try await server.shutdown()
    }

    @Test func rateLimitBeforeAudioIsRetriedOnce() async throws {
        let busy = #"{"detail":{"status":"too_many_concurrent_requests","message":"busy"}}"#
        let server = try await LocalTTSServer.start(replies: [.respond(status: 429, body: busy), .stream(chunks: [bytes(160)])])
        let client = makeClient(server)
        let collector = ChunkCollector()
        let result = try await withTimeout { try await client.synthesize(text: "Hi.") { collector.add($0) } }
        try await server.shutdown()
        #expect(result.attempts == 2)
        #expect(server.requests.count == 2)
        #expect(collector.bytes == bytes(160))
    }

    @Test func rateLimitIsRetriedAtMostOnce() async throws {
        let busy = #"{"detail":{"status":"system_busy","message":"busy"}}"#
        let server = try await LocalTTSServer.start(replies: [
            .respond(status: 429, body: busy), .respond(status: 429, body: busy), .stream(chunks: [bytes(160)]),
        ])
        let client = makeClient(server)
        await #expect(throws: ElevenLabsError.rateLimited(reason: .systemBusy, message: "busy")) {
            try await withTimeout { try await client.synthesize(text: "Hi.") { _ in } }
        }
        try await server.shutdown()
        #expect(server.requests.count == 2)
    }

    @Test func rateLimitRetryCanBeDisabled() async throws {
        let busy = #"{"detail":{"status":"system_busy","message":"busy"}}"#
        let server = try await LocalTTSServer.start(replies: [.respond(status: 429, body: busy), .stream(chunks: [bytes(160)])])
        let client = makeClient(server) { $0.rateLimitRetryBackoff = nil }
        await #expect(throws: ElevenLabsError.rateLimited(reason: .systemBusy, message: "busy")) {
            try await withTimeout { try await client.synthesize(text: "Hi.") { _ in } }
        }
        try await server.shutdown()
        #expect(server.requests.count == 1)
    }

    @Test func firstByteDeadline() async throws {
        // Headers arrive, audio never does.
        let server = try await LocalTTSServer.start(replies: [.stream(chunks: [], hold: true), .silence])
        let client = makeClient(server) { $0.firstByteTimeout = .milliseconds(200) }
        for _ in 0..<2 {
            await #expect(throws: ElevenLabsError.timeout(.firstByte, after: .milliseconds(200))) {
                try await withTimeout { try await client.synthesize(text: "Hi.") { _ in } }
            }
        }
        try await withTimeout { await server.waitForCloses(2) }
        try await server.shutdown()
    }

    @Test func totalDeadlineStopsAStalledStream() async throws {
        let server = try await LocalTTSServer.start(replies: [.stream(chunks: [bytes(200)], hold: true)])
        // The total bound is long enough for the first chunk to arrive even on a loaded machine (the test
        // suite runs in parallel); the first-byte bound is longer still, so the error must name the total one.
        let client = makeClient(server) {
            $0.totalTimeout = .seconds(2)
            $0.firstByteTimeout = .seconds(10)
        }
        let collector = ChunkCollector()
        await #expect(throws: ElevenLabsError.timeout(.total, after: .seconds(2))) {
            try await withTimeout { try await client.synthesize(text: "Hi.") { collector.add($0) } }
        }
        try await withTimeout { await server.waitForCloses(1) }
        #expect(collector.all.map(\.count) == [160])  // the unfinished 40-byte remainder is not flushed
        try await server.shutdown()
    }

    @Test func connectionDropMidStreamIsATransportError() async throws {
        let server = try await LocalTTSServer.start(replies: [.stream(chunks: [bytes(170)], drop: true)])
        let client = makeClient(server)
        let collector = ChunkCollector()
        await #expect {
            try await withTimeout { try await client.synthesize(text: "Hi.") { collector.add($0) } }
        } throws: { error in
            guard case .transport = error as? ElevenLabsError else { return false }
            return true
        }
        try await server.shutdown()
        #expect(server.requests.count == 1)  // never retried once audio started
        #expect(collector.bytes.count <= 170)
    }

    @Test func callbackErrorsPropagateUnchanged() async throws {
        struct PhoneGone: Error, Equatable {}
        let server = try await LocalTTSServer.start(replies: [.stream(chunks: [bytes(320)], hold: true)])
        let client = makeClient(server)
        await #expect(throws: PhoneGone()) {
            try await withTimeout { try await client.synthesize(text: "Hi.") { _ in throw PhoneGone() } }
        }
        try await withTimeout { await server.waitForCloses(1) }
        try await server.shutdown()
    }
}
