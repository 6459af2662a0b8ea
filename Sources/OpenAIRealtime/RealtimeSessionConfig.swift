/// Audio encodings a phone bridge uses with the Realtime API (GA `audio.*.format.type`).
public enum RealtimeAudioFormat: String, Sendable, Equatable, Codable {
    /// G.711 μ-law, 8 kHz mono (Twilio Media Streams, Telnyx PCMU).
    case pcmu = "audio/pcmu"
    /// G.711 A-law, 8 kHz mono.
    case pcma = "audio/pcma"
}

/// Server-side voice activity detection (`audio.input.turn_detection`, type `server_vad`).
public struct RealtimeServerVAD: Sendable, Equatable {
    /// Activation threshold, 0...1.
    public var threshold: Double
    /// Audio kept before detected speech, in milliseconds.
    public var prefixPaddingMs: Int
    /// Silence that ends a caller turn, in milliseconds.
    public var silenceDurationMs: Int
    /// Whether the server starts a response when the caller stops speaking.
    public var createResponse: Bool
    /// Whether the server cancels the in-flight response when the caller starts speaking.
    public var interruptResponse: Bool

    /// Creates a VAD configuration; the defaults are the documented server defaults, with
    /// `interrupt_response` set explicitly as the agents SDKs do.
    public init(
        threshold: Double = 0.5,
        prefixPaddingMs: Int = 300,
        silenceDurationMs: Int = 500,
        createResponse: Bool = true,
        interruptResponse: Bool = true
    ) {
        self.threshold = threshold
        self.prefixPaddingMs = prefixPaddingMs
        self.silenceDurationMs = silenceDurationMs
        self.createResponse = createResponse
        self.interruptResponse = interruptResponse
    }
}

/// Transcription of the caller's audio (`audio.input.transcription`).
public struct RealtimeTranscriptionConfig: Sendable, Equatable {
    /// Transcription model, e.g. `gpt-4o-mini-transcribe` or `whisper-1`.
    public var model: String
    /// Optional ISO-639-1 language hint, e.g. `en` or `he`.
    public var language: String?

    /// Creates a transcription configuration.
    public init(model: String = "gpt-4o-mini-transcribe", language: String? = nil) {
        self.model = model
        self.language = language
    }
}

/// A function tool offered to the model (`tools[]` entry with `type: "function"`).
public struct RealtimeTool: Sendable, Equatable {
    /// Function name the model calls.
    public var name: String
    /// What the function does, for the model.
    public var description: String
    /// JSON schema of the arguments object.
    public var parameters: RealtimeJSONValue

    /// Creates a function tool.
    public init(name: String, description: String, parameters: RealtimeJSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// Schema `{"type":"object","properties":{"reason":{"type":"string",...}},"required":["reason"]}`.
    static func reasonSchema(_ reasonDescription: String) -> RealtimeJSONValue {
        .object([
            "type": .string("object"),
            "properties": .object([
                "reason": .object([
                    "type": .string("string"),
                    "description": .string(reasonDescription),
                ])
            ]),
            "required": .array([.string("reason")]),
        ])
    }

    /// `end_call {reason}`: the agent wants to hang up after its goodbye.
    public static let endCall = RealtimeTool(
        name: "end_call",
        description: "Hang up the phone call once the conversation is over and you have said goodbye.",
        parameters: reasonSchema("Why the call is ending.")
    )

    /// `transfer_call {reason}`: the agent wants to hand the caller to a human.
    public static let transferCall = RealtimeTool(
        name: "transfer_call",
        description: "Transfer the caller to a human agent.",
        parameters: reasonSchema("Why the caller needs a human.")
    )
}

/// The session configuration sent with `session.update`, in the GA nested shape.
///
/// Encodes `session.type: "realtime"`, `output_modalities: ["audio"]`, audio input/output formats,
/// optional transcription, server VAD, voice, function tools and `tool_choice: "auto"`.
/// It never sends beta fields (`modalities`, `input_audio_format`, `temperature`, ...).
public struct RealtimeSessionConfig: Sendable, Equatable {
    /// GA model id, e.g. `gpt-realtime`.
    public var model: String
    /// System instructions for the agent.
    public var instructions: String
    /// Output voice, e.g. `alloy`, `marin`, `cedar`.
    public var voice: String
    /// Format of caller audio appended with `input_audio_buffer.append`.
    public var inputFormat: RealtimeAudioFormat
    /// Format of `response.output_audio.delta` audio.
    public var outputFormat: RealtimeAudioFormat
    /// Caller transcription; `nil` omits it.
    public var transcription: RealtimeTranscriptionConfig?
    /// Server VAD parameters.
    public var turnDetection: RealtimeServerVAD
    /// Function tools offered to the model.
    public var tools: [RealtimeTool]
    /// Optional cap on output tokens per response (1...4096); `nil` leaves the server default (`inf`).
    public var maxOutputTokens: Int?

    /// Creates a session configuration with phone-bridge defaults (μ-law both ways, server VAD with
    /// interruption, caller transcription, `end_call` and `transfer_call` tools).
    public init(
        model: String = "gpt-realtime",
        instructions: String = "You are a helpful voice assistant on a phone call. Keep answers short.",
        voice: String = "alloy",
        inputFormat: RealtimeAudioFormat = .pcmu,
        outputFormat: RealtimeAudioFormat = .pcmu,
        transcription: RealtimeTranscriptionConfig? = RealtimeTranscriptionConfig(),
        turnDetection: RealtimeServerVAD = RealtimeServerVAD(),
        tools: [RealtimeTool] = [.endCall, .transferCall],
        maxOutputTokens: Int? = nil
    ) {
        self.model = model
        self.instructions = instructions
        self.voice = voice
        self.inputFormat = inputFormat
        self.outputFormat = outputFormat
        self.transcription = transcription
        self.turnDetection = turnDetection
        self.tools = tools
        self.maxOutputTokens = maxOutputTokens
    }
}
