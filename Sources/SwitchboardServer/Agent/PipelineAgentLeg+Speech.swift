import CallCore
import ElevenLabs
import Foundation
import NIOCore

extension PipelineAgentLeg {
    /// Speaks one sentence the machine chose (`synthesize`): ElevenLabs μ-law, one `ttsChunk` per chunk of
    /// whole 20 ms frames, then `ttsFinished`. Cancelled (`cancelSynthesis`, barge-in, hang-up, close):
    /// the request is closed and nothing more is delivered. A failure → the fallback.
    func runSpeech(operationID: Int, text: String, cancellation: ElevenLabsCancellation, deliver: @escaping @Sendable (CallEvent) -> Void) async {
        defer { _ = state.withLock { $0.syntheses.removeValue(forKey: operationID) } }
        if state.withLock({ $0.speechUnavailable }) != nil {
            // Text to speech already failed for good in this call: nothing is fetched (the text is kept).
            fallback(operationID, error: nil, cancellation: cancellation, deliver: deliver)
            return
        }
        do {
            try await speech.synthesize(text: text, cancellation: cancellation) { [self] buffer in
                guard !cancellation.isCancelled else { throw CancellationError() }
                let bytes = Array(buffer.readableBytesView)
                deliverIfOpen(.ttsChunk(operationID: operationID, audio: AudioPayload(base64: Data(bytes).base64EncodedString(), byteCount: bytes.count)), deliver)
            }
            finishSpeech(operationID, cancellation: cancellation, deliver: deliver)
        } catch let error as ElevenLabsError {
            guard !cancellation.isCancelled else { return }
            fallback(operationID, error: error, cancellation: cancellation, deliver: deliver)
        } catch {
            // CancellationError: stopped on purpose; nothing of it reaches the call.
        }
    }

    private func finishSpeech(_ operationID: Int, cancellation: ElevenLabsCancellation, deliver: @Sendable (CallEvent) -> Void) {
        guard !cancellation.isCancelled else { return }
        deliverIfOpen(.ttsFinished(operationID: operationID), deliver)
    }

    /// The fallback when a sentence cannot be synthesized (401 invalid key or quota, 422, 429 after the
    /// client's retry, transport, timeout): one error line per call naming the cause; for the first
    /// sentence of each reply an `end_call` for that reply and the locally generated chime instead of the
    /// words, so the caller hears the line is alive and the machine ends the call politely once the chime
    /// has played. Later sentences are not fetched (their text is still saved).
    private func fallback(_ operationID: Int, error: ElevenLabsError?, cancellation: ElevenLabsCancellation, deliver: @Sendable (CallEvent) -> Void) {
        let (first, cause, responseID) = state.withLock { s -> (Bool, String, String?) in
            let first = s.speechUnavailable == nil
            if first { s.speechUnavailable = error.map(Self.cause(of:)) ?? "unknown" }
            var responseID = s.operationResponses[operationID]
            if let id = responseID, !s.fallbackResponses.insert(id).inserted { responseID = nil }
            if s.fallbackResponses.count > 64 { s.fallbackResponses.removeAll() }
            return (first, s.speechUnavailable ?? "unknown", responseID)
        }
        if first, let error {
            logger.error("pipeline: text to speech unavailable (\(cause)): \(error); playing the fallback chime and ending the call politely")
        }
        if let responseID {
            deliverIfOpen(.agentToolCall(responseID: responseID, callID: "tts_fallback_\(operationID)", tool: .endCall(reason: "text to speech unavailable: \(cause)")), deliver)
            for frame in PipelineFallbackTone.frames where !cancellation.isCancelled {
                deliverIfOpen(.ttsChunk(operationID: operationID, audio: frame), deliver)
            }
        }
        finishSpeech(operationID, cancellation: cancellation, deliver: deliver)
    }

    /// A short name for the log line: `quota_exceeded`, `invalid_api_key`, `422`, `429 too_many_concurrent_requests`, …
    static func cause(of error: ElevenLabsError) -> String {
        switch error {
        case .quotaExceeded: "401 quota_exceeded"
        case .invalidAPIKey: "401 invalid_api_key"
        case .unauthorized(let http, let status, _): "\(http) \(status ?? "unauthorized")"
        case .validation: "422 validation"
        case .textTooLong: "max_character_limit_exceeded"
        case .rateLimited(let reason, _): "429 \(reason)"
        case .voiceNotFound: "voice_not_found"
        case .http(let status, _): "HTTP \(status)"
        case .transport: "transport"
        case .timeout(let phase, _): "timeout \(phase.rawValue)"
        case .invalidRequest: "invalid_request"
        }
    }
}
