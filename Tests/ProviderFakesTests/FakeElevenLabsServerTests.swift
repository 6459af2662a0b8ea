import AsyncHTTPClient
import Foundation
import NIOCore
import ProviderFakes
import Testing

@Suite("Fake ElevenLabs server")
struct FakeElevenLabsServerTests {
    static func request(_ base: String, voice: String = "voice1", format: String? = "ulaw_8000", key: String? = "fake-elevenlabs-key", body: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "\(base)/v1/text-to-speech/\(voice)/stream" + (format.map { "?output_format=\($0)" } ?? ""))
        request.method = .POST
        if let key { request.headers.add(name: "xi-api-key", value: key) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        return request
    }

    static func json(_ response: HTTPClientResponse) async throws -> RealtimeJSON {
        let body = try await response.body.collect(upTo: 1 << 16)
        return try RealtimeJSON.parse(String(buffer: body))
    }

    @Test func streamsRealTimeLengthMuLawInSeveralChunks() async throws {
        let server = FakeElevenLabsServer()
        try await withDeadline {
            try await server.withRunning { base in
                let text = "Thanks for calling, how can I help?"
                let response = try await HTTPClient.shared.execute(
                    Self.request(base, body: #"{"text":"\#(text)","model_id":"eleven_flash_v2_5","voice_settings":{"stability":0.5,"similarity_boost":0.75}}"#),
                    timeout: .seconds(10))
                #expect(response.status.code == 200)
                #expect(response.headers.first(name: "character-cost") == "\(text.count)")
                var chunks = 0
                var bytes: [UInt8] = []
                for try await chunk in response.body {
                    chunks += 1
                    bytes += Array(chunk.readableBytesView)
                }
                #expect(bytes.count == server.options.audioMilliseconds(for: text) * 8)
                #expect(chunks > 1)
                #expect(MuLaw.meanAmplitude(Data(bytes)) > 500)
                #expect(await server.requests.wait { $0.first?.completed == true })
                let record = try #require(server.requests.records.first)
                #expect(record.voiceID == "voice1" && record.outputFormat == "ulaw_8000" && record.text == text)
                #expect(record.modelID == "eleven_flash_v2_5" && record.keyAccepted && !record.cancelledByClient)
            }
        }
    }

    @Test func missingOrWrongKeyIs401InvalidAPIKey() async throws {
        let server = FakeElevenLabsServer()
        try await withDeadline {
            try await server.withRunning { base in
                for key in [nil, "wrong"] as [String?] {
                    let response = try await HTTPClient.shared.execute(Self.request(base, key: key, body: #"{"text":"Hi."}"#), timeout: .seconds(10))
                    #expect(response.status.code == 401)
                    #expect(try await Self.json(response)["detail"]?["status"]?.stringValue == "invalid_api_key")
                }
            }
        }
    }

    @Test(arguments: [
        (FakeElevenLabsFault.quotaExceeded, 401, "quota_exceeded"), (.invalidAPIKey, 401, "invalid_api_key"),
        (.tooManyConcurrentRequests, 429, "too_many_concurrent_requests"), (.systemBusy, 429, "system_busy"),
    ])
    func faultsOnDemand(_ fault: FakeElevenLabsFault, _ status: Int, _ detail: String) async throws {
        let server = FakeElevenLabsServer()
        server.failNext([fault])
        try await withDeadline {
            try await server.withRunning { base in
                let failed = try await HTTPClient.shared.execute(Self.request(base, body: #"{"text":"Hi."}"#), timeout: .seconds(10))
                #expect(failed.status.code == status)
                #expect(failed.headers.first(name: "retry-after") == nil)
                #expect(try await Self.json(failed)["detail"]?["status"]?.stringValue == detail)
                let next = try await HTTPClient.shared.execute(Self.request(base, body: #"{"text":"Hi."}"#), timeout: .seconds(10))
                #expect(next.status.code == 200)
                _ = try await next.body.collect(upTo: 1 << 20)
            }
        }
    }

    @Test(arguments: [
        (#"{"model_id":"eleven_flash_v2_5"}"#, "text"), (#"{"text":42}"#, "text"), ("not json", "body"),
        (#"{"text":"Hi.","voice_settings":{"stability":3}}"#, "stability"),
    ])
    func invalidBodiesAre422WithADetailList(_ body: String, _ location: String) async throws {
        let server = FakeElevenLabsServer()
        try await withDeadline {
            try await server.withRunning { base in
                let response = try await HTTPClient.shared.execute(Self.request(base, body: body), timeout: .seconds(10))
                #expect(response.status.code == 422)
                let detail = try #require(try await Self.json(response)["detail"]?.arrayValue?.first)
                #expect(detail["loc"]?.arrayValue?.last?.stringValue == location)
                #expect(detail["msg"]?.stringValue != nil)
            }
        }
    }

    @Test func unknownOutputFormatIs422() async throws {
        let server = FakeElevenLabsServer()
        try await withDeadline {
            try await server.withRunning { base in
                let response = try await HTTPClient.shared.execute(Self.request(base, format: "wav_1", body: #"{"text":"Hi."}"#), timeout: .seconds(10))
                #expect(response.status.code == 422)
            }
        }
    }

    @Test func clientClosingMidStreamIsRecordedAsCancelled() async throws {
        let server = FakeElevenLabsServer(options: .init(millisecondsPerCharacter: 60, realTimePacing: true))
        try await withDeadline {
            try await server.withRunning { base in
                let text = String(repeating: "A long sentence that takes a while. ", count: 4)
                let request = Self.request(base, body: #"{"text":"\#(text)"}"#)
                let firstChunk = AsyncStream.makeStream(of: Void.self)
                let reader = Task {
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                    var iterator = response.body.makeAsyncIterator()
                    _ = try await iterator.next()
                    firstChunk.continuation.yield()
                    while try await iterator.next() != nil {}
                }
                var chunks = firstChunk.stream.makeAsyncIterator()
                _ = await chunks.next()
                reader.cancel()  // closes the request mid-stream
                _ = await reader.result
                #expect(await server.requests.wait(timeout: .seconds(10)) { $0.first?.cancelledByClient == true })
                let record = try #require(server.requests.records.first)
                #expect(!record.completed)
                #expect(record.bytesSent < record.bytesPlanned)
            }
        }
    }

    @Test func slowFirstByteAndDroppedStream() async throws {
        let server = FakeElevenLabsServer(options: .init(firstByteDelay: .milliseconds(300)))
        server.failNext([.dropAfter(bytes: 400)])
        try await withDeadline {
            try await server.withRunning { base in
                let start = ContinuousClock.now
                let response = try await HTTPClient.shared.execute(Self.request(base, body: #"{"text":"A sentence long enough to be cut."}"#), timeout: .seconds(10))
                await #expect(throws: (any Error).self) {
                    var total = 0
                    for try await chunk in response.body { total += chunk.readableBytes }
                    if total < server.options.audioMilliseconds(for: "A sentence long enough to be cut.") * 8 { throw CancellationError() }
                }
                #expect(ContinuousClock.now - start >= .milliseconds(300))
            }
        }
    }
}
