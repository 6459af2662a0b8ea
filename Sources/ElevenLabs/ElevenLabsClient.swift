import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// What a finished synthesis reports (for logs and metrics).
public struct ElevenLabsSynthesisResult: Sendable, Equatable {
    /// Audio bytes delivered to the callback.
    public var bytes: Int
    /// 1, or 2 after the single 429 retry.
    public var attempts: Int
    /// `request-id` response header.
    public var requestID: String?
    /// `character-cost` response header (billed characters).
    public var characterCost: Int?
    /// Time from the start of `synthesize` to the first audio byte.
    public var timeToFirstByte: Duration?
}

/// Streaming text-to-speech over `POST {baseURL}/v1/text-to-speech/{voice_id}/stream?output_format=…`.
///
/// `synthesize` runs in the caller's task: audio is handed to a callback as it arrives, re-chunked into
/// whole 20 ms frames. Cancelling the caller's task, or an `ElevenLabsCancellation`, closes the HTTP request
/// at once and no further callback starts. Audio never restarts once it has begun (no retry mid-stream);
/// a 429 before any audio is retried once after a short backoff.
public struct ElevenLabsClient: Sendable {
    private let httpClient: HTTPClient
    public let configuration: ElevenLabsConfiguration
    private let logger: Logger

    /// - Parameter httpClient: shared client owned (and shut down) by the caller.
    public init(httpClient: HTTPClient, configuration: ElevenLabsConfiguration, logger: Logger = Logger(label: "switchboard.elevenlabs")) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.logger = logger
    }

    /// Synthesizes `text` and calls `onAudio` with each audio chunk in order (for μ-law: multiples of 160 bytes,
    /// except possibly the last).
    ///
    /// - Parameters:
    ///   - languageCode: overrides the configured `language_code` for this request.
    ///   - previousText/nextText: neighbouring sentences, for natural prosody across sentence-by-sentence requests.
    ///   - cancellation: an explicit stop (barge-in, hang-up).
    /// - Throws: `ElevenLabsError`; `CancellationError` when cancelled; errors thrown by `onAudio` unchanged.
    @discardableResult
    public func synthesize(
        text: String, languageCode: String? = nil, previousText: String? = nil, nextText: String? = nil,
        cancellation: ElevenLabsCancellation? = nil,
        onAudio: @escaping @Sendable (ByteBuffer) async throws -> Void
    ) async throws -> ElevenLabsSynthesisResult {
        let request = try makeRequest(text: text, languageCode: languageCode ?? configuration.languageCode, previousText: previousText, nextText: nextText)
        var log = self.logger
        log[metadataKey: "voice_id"] = .string(configuration.voiceID)
        log[metadataKey: "tts_chars"] = .stringConvertible(text.count)
        let logger = log
        if cancellation?.isCancelled == true { throw CancellationError() }

        let start = ContinuousClock.now
        let progress = Progress()
        let config = configuration
        do {
            return try await withThrowingTaskGroup(of: Child.self) { group in
                group.addTask {
                    .finished(try await self.stream(request, start: start, progress: progress, cancellation: cancellation, logger: logger, onAudio: onAudio))
                }
                group.addTask {
                    if config.firstByteTimeout < config.totalTimeout {
                        try await Task.sleep(until: start + config.firstByteTimeout, clock: .continuous)
                        if !progress.hasFirstByte { throw ElevenLabsError.timeout(.firstByte, after: config.firstByteTimeout) }
                    }
                    try await Task.sleep(until: start + config.totalTimeout, clock: .continuous)
                    throw ElevenLabsError.timeout(.total, after: config.totalTimeout)
                }
                if let cancellation {
                    group.addTask {
                        await cancellation.wait()
                        return cancellation.isCancelled ? .explicitlyCancelled : .idle
                    }
                }
                while let child = try await group.next() {
                    switch child {
                    case .finished(let result):
                        group.cancelAll()
                        logger.debug("ElevenLabs synthesis done", metadata: ["bytes": "\(result.bytes)", "attempts": "\(result.attempts)"])
                        return result
                    case .explicitlyCancelled:
                        group.cancelAll()
                        throw CancellationError()
                    case .idle:
                        continue
                    }
                }
                throw CancellationError()
            }
        } catch let error as ElevenLabsError {
            logger.error("ElevenLabs synthesis failed", metadata: ["error": "\(error)"])
            throw error
        } catch let failure as CallbackFailure {
            throw failure.underlying
        } catch let error as CancellationError {
            logger.debug("ElevenLabs synthesis cancelled", metadata: ["bytes": "\(progress.bytes)"])
            throw error
        }
    }

    /// Builds the HTTP request; throws `.invalidRequest` for input the API would reject.
    func makeRequest(text: String, languageCode: String?, previousText: String?, nextText: String?) throws -> HTTPClientRequest {
        guard Self.isSafeSegment(configuration.voiceID) else {
            throw ElevenLabsError.invalidRequest("invalid voice id")
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            throw ElevenLabsError.invalidRequest("text is empty")
        }
        if languageCode != nil, !configuration.modelID.contains("v2_5") {
            throw ElevenLabsError.invalidRequest("language_code is only accepted by the v2.5 models, not \(configuration.modelID)")
        }
        guard Self.isSafeSegment(configuration.outputFormat.rawValue) else {
            throw ElevenLabsError.invalidRequest("invalid output format")
        }
        let body = ElevenLabsTTSRequestBody(
            text: text, modelID: configuration.modelID, voiceSettings: configuration.voiceSettings,
            languageCode: languageCode, previousText: previousText, nextText: nextText
        )
        let data: Data
        do {
            data = try body.encoded()
        } catch {
            throw ElevenLabsError.invalidRequest("cannot encode body: \(error)")
        }
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: "\(base)/v1/text-to-speech/\(configuration.voiceID)/stream?output_format=\(configuration.outputFormat.rawValue)")
        request.method = .POST
        request.headers.add(name: "xi-api-key", value: configuration.apiKey)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: data))
        return request
    }

    // MARK: - Internals

    private enum Child: Sendable {
        case finished(ElevenLabsSynthesisResult)
        case explicitlyCancelled
        case idle
    }

    /// An error thrown by the caller's `onAudio`, carried through unchanged.
    private struct CallbackFailure: Error {
        var underlying: any Error
    }

    /// Shared between the streaming child and the deadline child.
    private final class Progress: Sendable {
        private let state = Mutex<(first: Bool, bytes: Int)>((false, 0))
        var hasFirstByte: Bool { state.withLock { $0.first } }
        var bytes: Int { state.withLock { $0.bytes } }
        func received(_ count: Int) { state.withLock { $0.first = true; $0.bytes += count } }
    }

    private func stream(
        _ request: HTTPClientRequest, start: ContinuousClock.Instant, progress: Progress,
        cancellation: ElevenLabsCancellation?, logger: Logger,
        onAudio: @escaping @Sendable (ByteBuffer) async throws -> Void
    ) async throws -> ElevenLabsSynthesisResult {
        func checkLive() throws {
            if Task.isCancelled || cancellation?.isCancelled == true { throw CancellationError() }
        }
        func deliver(_ chunk: ByteBuffer) async throws {
            try checkLive()
            do { try await onAudio(chunk) } catch { throw CallbackFailure(underlying: error) }
        }
        let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(configuration.totalTimeout))
        var attempt = 1
        while true {
            try checkLive()
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, deadline: deadline, logger: logger)
            } catch {
                try checkLive()
                throw ElevenLabsError.transport(String(describing: error))
            }
            let status = Int(response.status.code)
            guard (200..<300).contains(status) else {
                let body: ByteBuffer
                do {
                    body = try await response.body.collect(upTo: configuration.maxErrorBodyBytes)
                } catch {
                    try checkLive()
                    body = ByteBuffer(string: "<unreadable body: \(error)>")
                }
                let error = ElevenLabsError.from(httpStatus: status, body: body)
                if case .rateLimited = error, attempt == 1, let backoff = configuration.rateLimitRetryBackoff {
                    logger.warning("ElevenLabs 429 before audio; retrying once", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                    try await Task.sleep(for: backoff)
                    attempt += 1
                    continue
                }
                throw error
            }

            var result = ElevenLabsSynthesisResult(
                bytes: 0, attempts: attempt, requestID: response.headers.first(name: "request-id"),
                characterCost: response.headers.first(name: "character-cost").flatMap { Int($0) }
            )
            let format = configuration.outputFormat
            let frameBytes = configuration.rechunkToFrames ? (format.frameBytes ?? 1) : format.sampleBytes
            var chunker = AudioFrameChunker(frameBytes: frameBytes, sampleBytes: format.sampleBytes)
            do {
                for try await buffer in response.body where buffer.readableBytes > 0 {
                    try checkLive()
                    if result.timeToFirstByte == nil { result.timeToFirstByte = ContinuousClock.now - start }
                    progress.received(buffer.readableBytes)
                    if let frames = chunker.push(buffer) {
                        result.bytes += frames.readableBytes
                        try await deliver(frames)
                    }
                }
            } catch let error as CallbackFailure {
                throw error
            } catch {
                try checkLive()
                throw ElevenLabsError.transport("audio stream broke after \(progress.bytes) bytes: \(error)")
            }
            // A cancelled body iteration may end like a normal one: never flush after a cancel.
            try checkLive()
            if let rest = chunker.flush() {
                result.bytes += rest.readableBytes
                try await deliver(rest)
            }
            return result
        }
    }

    /// Voice ids and format names are plain path/query segments.
    static func isSafeSegment(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128
            && text.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D
            }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 { return 0 }
        return min(seconds, 86_400) * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
