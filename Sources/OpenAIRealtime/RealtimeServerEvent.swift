/// An event received from the Realtime API (GA names; beta `conversation.item.created` accepted).
/// Anything else, including retired beta names, decodes as ``unknown(type:)``.
public enum RealtimeServerEvent: Sendable, Equatable {
    /// `session.created`: first event after connect, with the server defaults.
    case sessionCreated(RealtimeSessionInfo)
    /// `session.updated`: the full effective configuration after a `session.update`.
    case sessionUpdated(RealtimeSessionInfo)
    /// `error`: most are recoverable; the session stays open.
    case error(RealtimeAPIError)
    /// `input_audio_buffer.speech_started`.
    case speechStarted(audioStartMs: Int, itemID: String)
    /// `input_audio_buffer.speech_stopped`.
    case speechStopped(audioEndMs: Int, itemID: String)
    /// `input_audio_buffer.committed`.
    case inputAudioCommitted(itemID: String, previousItemID: String?)
    /// `conversation.item.added` (GA).
    case conversationItemAdded(RealtimeItem, previousItemID: String?)
    /// `conversation.item.done` (GA).
    case conversationItemDone(RealtimeItem, previousItemID: String?)
    /// `conversation.item.created` (beta name, still in the GA union).
    case conversationItemCreated(RealtimeItem, previousItemID: String?)
    /// `conversation.item.input_audio_transcription.completed`.
    case inputTranscriptionCompleted(itemID: String, contentIndex: Int, transcript: String)
    /// `conversation.item.input_audio_transcription.failed`.
    case inputTranscriptionFailed(itemID: String, contentIndex: Int, error: RealtimeAPIError)
    /// `conversation.item.truncated`.
    case conversationItemTruncated(itemID: String, contentIndex: Int, audioEndMs: Int)
    /// `response.created` (status `in_progress`).
    case responseCreated(RealtimeResponse)
    /// `response.output_item.added`.
    case outputItemAdded(responseID: String, outputIndex: Int, item: RealtimeItem)
    /// `response.output_item.done`.
    case outputItemDone(responseID: String, outputIndex: Int, item: RealtimeItem)
    /// `response.content_part.added` (part type may be `output_audio`, `audio`, `output_text` or `text`).
    case contentPartAdded(RealtimeContentRef, part: RealtimeContentPart)
    /// `response.content_part.done`.
    case contentPartDone(RealtimeContentRef, part: RealtimeContentPart)
    /// `response.output_audio.delta`: base64 audio in the output format, untouched.
    case outputAudioDelta(RealtimeContentRef, delta: String)
    /// `response.output_audio.done`.
    case outputAudioDone(RealtimeContentRef)
    /// `response.output_audio_transcript.delta`.
    case outputAudioTranscriptDelta(RealtimeContentRef, delta: String)
    /// `response.output_audio_transcript.done`: what was generated (not necessarily heard).
    case outputAudioTranscriptDone(RealtimeContentRef, transcript: String)
    /// `response.output_text.delta`.
    case outputTextDelta(RealtimeContentRef, delta: String)
    /// `response.output_text.done`.
    case outputTextDone(RealtimeContentRef, text: String)
    /// `response.function_call_arguments.done`.
    case functionCallArgumentsDone(RealtimeFunctionCallArguments)
    /// `response.done`: always sent, whatever the final status.
    case responseDone(RealtimeResponse)
    /// `rate_limits.updated`.
    case rateLimitsUpdated([RealtimeRateLimit])
    /// Any other event type; never an error.
    case unknown(type: String)
}

/// Ids locating a content part of a response (`response_id`, `item_id`, `output_index`, `content_index`).
public struct RealtimeContentRef: Sendable, Equatable, Hashable {
    public var responseID: String
    public var itemID: String
    public var outputIndex: Int
    public var contentIndex: Int

    public init(responseID: String, itemID: String, outputIndex: Int = 0, contentIndex: Int = 0) {
        self.responseID = responseID
        self.itemID = itemID
        self.outputIndex = outputIndex
        self.contentIndex = contentIndex
    }
}

/// The parts of a `session` object a bridge checks after `session.created` / `session.updated`.
public struct RealtimeSessionInfo: Sendable, Equatable {
    /// `sess_…`
    public var id: String?
    public var model: String?
    /// `audio.input.format.type`, e.g. `audio/pcmu`.
    public var inputFormat: String?
    /// `audio.output.format.type`.
    public var outputFormat: String?
    /// `audio.output.voice` (string form, or the `id` of a voice object).
    public var voice: String?
    /// Names of the configured tools.
    public var toolNames: [String]

    public init(
        id: String? = nil, model: String? = nil, inputFormat: String? = nil, outputFormat: String? = nil,
        voice: String? = nil, toolNames: [String] = []
    ) {
        self.id = id
        self.model = model
        self.inputFormat = inputFormat
        self.outputFormat = outputFormat
        self.voice = voice
        self.toolNames = toolNames
    }
}

/// The `error` object of an `error` event or of a failed transcription.
public struct RealtimeAPIError: Sendable, Equatable, Error {
    /// e.g. `invalid_request_error`, `server_error`.
    public var type: String?
    /// e.g. `response_cancel_not_active`, `session_expired`, `beta_api_shape_disabled`.
    public var code: String?
    public var message: String?
    /// The offending parameter, e.g. `session.type`.
    public var param: String?
    /// The client `event_id` of the event that failed, if it carried one.
    public var eventID: String?

    public init(type: String? = nil, code: String? = nil, message: String? = nil, param: String? = nil, eventID: String? = nil) {
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.eventID = eventID
    }
}

/// Content part type; GA `output_audio`/`output_text`, beta `audio`/`text` and input types.
public enum RealtimeContentType: Sendable, Equatable, Hashable {
    case inputText, inputAudio, outputText, outputAudio
    case other(String)

    init(wire: String) {
        switch wire {
        case "input_text": self = .inputText
        case "input_audio": self = .inputAudio
        case "output_text", "text": self = .outputText
        case "output_audio", "audio": self = .outputAudio
        default: self = .other(wire)
        }
    }

    /// Whether this part carries audio (`output_audio`, `audio`, `input_audio`).
    public var isAudio: Bool { self == .outputAudio || self == .inputAudio }
}

/// One content part of an item (audio bytes are never kept).
public struct RealtimeContentPart: Sendable, Equatable {
    public var type: RealtimeContentType
    public var text: String?
    public var transcript: String?

    public init(type: RealtimeContentType, text: String? = nil, transcript: String? = nil) {
        self.type = type
        self.text = text
        self.transcript = transcript
    }
}

/// A conversation item (message, function call, function call output, …).
public struct RealtimeItem: Sendable, Equatable {
    /// Item kind; unknown kinds keep their wire string.
    public enum Kind: Sendable, Equatable, Hashable {
        case message, functionCall, functionCallOutput
        case other(String)

        init(wire: String) {
            switch wire {
            case "message": self = .message
            case "function_call": self = .functionCall
            case "function_call_output": self = .functionCallOutput
            default: self = .other(wire)
            }
        }
    }

    /// `item_…`
    public var id: String
    public var kind: Kind
    /// `user`, `assistant` or `system` for messages.
    public var role: String?
    /// `in_progress`, `completed` or `incomplete`.
    public var status: String?
    /// Function name (function_call).
    public var name: String?
    /// `call_…` (function_call / function_call_output).
    public var callID: String?
    /// JSON arguments string (function_call).
    public var arguments: String?
    /// Output string (function_call_output).
    public var output: String?
    public var content: [RealtimeContentPart]

    public init(
        id: String, kind: Kind, role: String? = nil, status: String? = nil, name: String? = nil,
        callID: String? = nil, arguments: String? = nil, output: String? = nil, content: [RealtimeContentPart] = []
    ) {
        self.id = id
        self.kind = kind
        self.role = role
        self.status = status
        self.name = name
        self.callID = callID
        self.arguments = arguments
        self.output = output
        self.content = content
    }
}

/// `response.function_call_arguments.done`; `name` is missing on beta-shaped servers
/// (take it from `response.output_item.added` then).
public struct RealtimeFunctionCallArguments: Sendable, Equatable {
    public var responseID: String
    public var itemID: String
    public var outputIndex: Int
    public var callID: String
    public var name: String?
    public var arguments: String

    public init(responseID: String, itemID: String, outputIndex: Int, callID: String, name: String?, arguments: String) {
        self.responseID = responseID
        self.itemID = itemID
        self.outputIndex = outputIndex
        self.callID = callID
        self.name = name
        self.arguments = arguments
    }
}

/// A response object as carried by `response.created` and `response.done`.
public struct RealtimeResponse: Sendable, Equatable {
    /// Response status.
    public enum Status: Sendable, Equatable, Hashable {
        case inProgress, completed, cancelled, incomplete, failed
        case other(String)

        init(wire: String) {
            switch wire {
            case "in_progress": self = .inProgress
            case "completed": self = .completed
            case "cancelled": self = .cancelled
            case "incomplete": self = .incomplete
            case "failed": self = .failed
            default: self = .other(wire)
            }
        }
    }

    /// `resp_…`
    public var id: String
    public var status: Status
    /// `status_details.reason`: `turn_detected`, `client_cancelled`, `max_output_tokens`, `content_filter`.
    public var statusReason: String?
    /// `status_details.error` for `failed` (e.g. code `rate_limit_exceeded`, `insufficient_quota`).
    public var statusError: RealtimeAPIError?
    /// Output items (never with audio bytes).
    public var output: [RealtimeItem]

    public init(id: String, status: Status, statusReason: String? = nil, statusError: RealtimeAPIError? = nil, output: [RealtimeItem] = []) {
        self.id = id
        self.status = status
        self.statusReason = statusReason
        self.statusError = statusError
        self.output = output
    }

    /// The function calls among the output items.
    public var functionCalls: [RealtimeItem] { output.filter { $0.kind == .functionCall } }
}

/// One entry of `rate_limits.updated`.
public struct RealtimeRateLimit: Sendable, Equatable {
    /// `requests` or `tokens`.
    public var name: String
    public var limit: Double?
    public var remaining: Double?
    public var resetSeconds: Double?

    public init(name: String, limit: Double? = nil, remaining: Double? = nil, resetSeconds: Double? = nil) {
        self.name = name
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
    }
}
