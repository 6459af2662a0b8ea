import Foundation

/// The configuration of a transcription-only Realtime session (connect with `?intent=transcription`),
/// sent with `session.update` in the GA shape:
/// `{"type":"transcription","audio":{"input":{"format":…,"transcription":…,"turn_detection":…}}}`.
///
/// The server then sends `input_audio_buffer.speech_started/speech_stopped/committed` and
/// `conversation.item.input_audio_transcription.delta/completed/failed`, and never creates a response.
public struct RealtimeTranscriptionSessionConfig: Sendable, Equatable {
    /// Format of the appended caller audio.
    public var inputFormat: RealtimeAudioFormat
    /// Transcription model and language.
    public var transcription: RealtimeTranscriptionConfig
    /// Server VAD (`create_response` / `interrupt_response` do not apply and are not sent).
    public var turnDetection: RealtimeServerVAD
    /// `near_field` / `far_field`; nil omits it.
    public var noiseReduction: String?

    public init(
        inputFormat: RealtimeAudioFormat = .pcmu,
        transcription: RealtimeTranscriptionConfig = RealtimeTranscriptionConfig(),
        turnDetection: RealtimeServerVAD = RealtimeServerVAD(),
        noiseReduction: String? = nil
    ) {
        self.inputFormat = inputFormat
        self.transcription = transcription
        self.turnDetection = turnDetection
        self.noiseReduction = noiseReduction
    }

    /// `wss://…/v1/realtime?intent=transcription` from a Realtime URL (its `model` query is dropped: the
    /// transcription model is part of the session).
    public static func transcriptionURL(fromRealtimeURL url: String) -> String {
        let base = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        return base + "?intent=transcription"
    }
}

struct WireTranscriptionSessionUpdate: Encodable {
    struct Format: Encodable { let type: String }
    struct Transcription: Encodable {
        let model: String
        let language: String?
    }
    struct NoiseReduction: Encodable { let type: String }
    struct TurnDetection: Encodable {
        let type = "server_vad"
        let threshold: Double
        let prefixPaddingMs: Int
        let silenceDurationMs: Int
        enum CodingKeys: String, CodingKey {
            case type, threshold
            case prefixPaddingMs = "prefix_padding_ms"
            case silenceDurationMs = "silence_duration_ms"
        }
    }
    struct Input: Encodable {
        let format: Format
        let transcription: Transcription
        let turnDetection: TurnDetection
        let noiseReduction: NoiseReduction?
        enum CodingKeys: String, CodingKey {
            case format, transcription
            case turnDetection = "turn_detection"
            case noiseReduction = "noise_reduction"
        }
    }
    struct Audio: Encodable { let input: Input }
    struct Session: Encodable {
        let type = "transcription"
        let audio: Audio
    }

    let type = "session.update"
    let eventID: String?
    let session: Session

    enum CodingKeys: String, CodingKey {
        case type, session
        case eventID = "event_id"
    }

    init(_ config: RealtimeTranscriptionSessionConfig, eventID: String?) {
        self.eventID = eventID
        let vad = config.turnDetection
        self.session = Session(
            audio: Audio(
                input: Input(
                    format: Format(type: config.inputFormat.rawValue),
                    transcription: Transcription(model: config.transcription.model, language: config.transcription.language),
                    turnDetection: TurnDetection(threshold: vad.threshold, prefixPaddingMs: vad.prefixPaddingMs, silenceDurationMs: vad.silenceDurationMs),
                    noiseReduction: config.noiseReduction.map(NoiseReduction.init))))
    }
}
