import Foundation

/// `voice_settings` of a text-to-speech request; `nil` fields are omitted so the voice's stored defaults apply.
public struct ElevenLabsVoiceSettings: Sendable, Equatable, Encodable {
    /// 0…1: lower is more expressive, higher more monotone and stable.
    public var stability: Double?
    /// 0…1: how closely to follow the original voice.
    public var similarityBoost: Double?
    /// 0…1: style exaggeration (adds latency when above 0).
    public var style: Double?
    public var useSpeakerBoost: Bool?
    /// Speaking rate, 1.0 is normal.
    public var speed: Double?

    public init(stability: Double? = 0.5, similarityBoost: Double? = 0.75, style: Double? = nil, useSpeakerBoost: Bool? = nil, speed: Double? = 1.0) {
        self.stability = stability
        self.similarityBoost = similarityBoost
        self.style = style
        self.useSpeakerBoost = useSpeakerBoost
        self.speed = speed
    }

    enum CodingKeys: String, CodingKey {
        case stability, style, speed
        case similarityBoost = "similarity_boost"
        case useSpeakerBoost = "use_speaker_boost"
    }
}

/// The `output_format` query value. Use `.ulaw8000` for phone legs (8 bytes per ms, 160 bytes per 20 ms).
public struct ElevenLabsOutputFormat: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let ulaw8000 = Self(rawValue: "ulaw_8000")
    public static let alaw8000 = Self(rawValue: "alaw_8000")
    public static let pcm8000 = Self(rawValue: "pcm_8000")
    public static let pcm16000 = Self(rawValue: "pcm_16000")
    public static let pcm22050 = Self(rawValue: "pcm_22050")
    public static let pcm24000 = Self(rawValue: "pcm_24000")
    public static let pcm44100 = Self(rawValue: "pcm_44100")
    public static let pcm48000 = Self(rawValue: "pcm_48000")
    public static let mp3_44100_128 = Self(rawValue: "mp3_44100_128")

    public var description: String { rawValue }

    /// Bytes per sample for raw formats (μ-law/A-law 1, 16-bit PCM 2); 1 for compressed formats.
    public var sampleBytes: Int { rawValue.hasPrefix("pcm_") ? 2 : 1 }

    /// Bytes in 20 ms of audio for raw formats; nil for compressed ones (mp3, opus), which are never re-chunked.
    public var frameBytes: Int? {
        if rawValue == "ulaw_8000" || rawValue == "alaw_8000" { return 160 }
        if rawValue.hasPrefix("pcm_"), let rate = Int(rawValue.dropFirst(4)), rate > 0, rate % 50 == 0 {
            return rate / 50 * 2
        }
        return nil
    }
}

/// Configuration of `ElevenLabsClient`.
public struct ElevenLabsConfiguration: Sendable {
    /// Sent as `xi-api-key`; never logged.
    public var apiKey: String
    public var voiceID: String
    /// `https://api.elevenlabs.io` in production; tests point it at a local server (`SWITCHBOARD_ELEVENLABS_API_URL`).
    public var baseURL: String
    /// `eleven_flash_v2_5` (≈75 ms inference) is the model for calls.
    public var modelID: String
    /// nil omits `voice_settings`.
    public var voiceSettings: ElevenLabsVoiceSettings?
    /// ISO 639-1 code (`language_code`), accepted only by the v2.5 models; nil omits it.
    public var languageCode: String?
    public var outputFormat: ElevenLabsOutputFormat
    /// Re-chunk raw audio into whole 20 ms frames (160 bytes for μ-law), carrying the remainder.
    public var rechunkToFrames: Bool
    /// Deadline for the first audio byte, measured from the start of `synthesize` (retry included).
    public var firstByteTimeout: Duration
    /// Bound for the whole synthesis, measured from the start of `synthesize`.
    public var totalTimeout: Duration
    /// Wait before the single retry of a 429 answered before any audio; nil disables the retry.
    public var rateLimitRetryBackoff: Duration?
    /// Upper bound for an error body read into memory.
    public var maxErrorBodyBytes: Int

    public init(
        apiKey: String, voiceID: String, baseURL: String = "https://api.elevenlabs.io",
        modelID: String = "eleven_flash_v2_5", voiceSettings: ElevenLabsVoiceSettings? = ElevenLabsVoiceSettings(),
        languageCode: String? = nil, outputFormat: ElevenLabsOutputFormat = .ulaw8000, rechunkToFrames: Bool = true,
        firstByteTimeout: Duration = .seconds(3), totalTimeout: Duration = .seconds(30),
        rateLimitRetryBackoff: Duration? = .milliseconds(300), maxErrorBodyBytes: Int = 64 * 1024
    ) {
        self.apiKey = apiKey
        self.voiceID = voiceID
        self.baseURL = baseURL
        self.modelID = modelID
        self.voiceSettings = voiceSettings
        self.languageCode = languageCode
        self.outputFormat = outputFormat
        self.rechunkToFrames = rechunkToFrames
        self.firstByteTimeout = firstByteTimeout
        self.totalTimeout = totalTimeout
        self.rateLimitRetryBackoff = rateLimitRetryBackoff
        self.maxErrorBodyBytes = max(1024, maxErrorBodyBytes)
    }
}

extension ElevenLabsConfiguration: CustomStringConvertible {
    /// Redacts the API key.
    public var description: String {
        "ElevenLabsConfiguration(apiKey: <redacted>, voiceID: \(voiceID), baseURL: \(baseURL), modelID: \(modelID), "
            + "outputFormat: \(outputFormat), languageCode: \(languageCode ?? "nil"), firstByteTimeout: \(firstByteTimeout), "
            + "totalTimeout: \(totalTimeout))"
    }
}

/// JSON body of `POST /v1/text-to-speech/{voice_id}/stream`.
struct ElevenLabsTTSRequestBody: Encodable, Equatable {
    var text: String
    var modelID: String
    var voiceSettings: ElevenLabsVoiceSettings?
    var languageCode: String?
    var previousText: String?
    var nextText: String?

    enum CodingKeys: String, CodingKey {
        case text
        case modelID = "model_id"
        case voiceSettings = "voice_settings"
        case languageCode = "language_code"
        case previousText = "previous_text"
        case nextText = "next_text"
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
