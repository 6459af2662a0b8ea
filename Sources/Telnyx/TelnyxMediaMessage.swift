/// A frame Telnyx sends on the media streaming WebSocket (telephony.md §5.2).
public enum TelnyxInboundMessage: Sendable, Equatable {
    /// First frame; may echo the `stream_auth_token`.
    case connected(TelnyxConnected)
    /// Identifies the stream (`stream_id`, top level) and the call (`start.call_control_id`).
    case start(TelnyxStart)
    /// Caller audio; order is NOT guaranteed (see `TelnyxMediaReorderBuffer`). Payload kept base64.
    case media(TelnyxMedia)
    /// Echo of a mark we sent: the audio before it has played (or was cleared).
    case mark(TelnyxMark)
    /// A key the caller pressed (may also arrive as the `call.dtmf.received` webhook).
    case dtmf(TelnyxDTMF)
    /// Telnyx stopped streaming (call ended or `streaming_stop`).
    case stop(TelnyxStop)
    /// Telnyx rejected something we sent (e.g. `100003` malformed_frame).
    case error(TelnyxStreamError)
    /// An `event` this decoder does not know; log and ignore.
    case unknown(event: String)

    /// The frame's `sequence_number`, when it has one.
    public var sequenceNumber: Int? {
        switch self {
        case .connected, .unknown: nil
        case .start(let m): m.sequenceNumber
        case .media(let m): m.sequenceNumber
        case .mark(let m): m.sequenceNumber
        case .dtmf(let m): m.sequenceNumber
        case .stop(let m): m.sequenceNumber
        case .error(let m): m.sequenceNumber
        }
    }
}

/// `{"event":"connected","version":"1.0.0"}`.
public struct TelnyxConnected: Sendable, Equatable {
    public var version: String?
    /// `x-telnyx-streaming-auth-token`, if a `stream_auth_token` was set.
    public var authToken: String?
    public init(version: String? = nil, authToken: String? = nil) {
        self.version = version
        self.authToken = authToken
    }
}

/// The codec named in `media_format.encoding`; both doc spellings map to one case (§9.21).
public enum TelnyxCodec: Sendable, Equatable {
    case pcmu
    case pcma
    case g722
    case opus
    case amrWB
    /// Big-endian 16-bit PCM.
    case l16
    case other(String)

    public init(encoding: String) {
        switch encoding.lowercased() {
        case "pcmu", "audio/x-mulaw", "audio/pcmu", "mulaw", "g711_ulaw": self = .pcmu
        case "pcma", "audio/x-alaw", "audio/pcma", "alaw", "g711_alaw": self = .pcma
        case "g722", "audio/g722": self = .g722
        case "opus", "audio/opus": self = .opus
        case "amr-wb", "audio/amr-wb": self = .amrWB
        case "l16", "audio/l16": self = .l16
        default: self = .other(encoding)
        }
    }
}

/// `start.media_format`.
public struct TelnyxMediaFormat: Sendable, Equatable {
    /// As sent (`PCMU` or `audio/x-mulaw`, …).
    public var encoding: String
    public var sampleRate: Int
    public var channels: Int
    public init(encoding: String = "PCMU", sampleRate: Int = 8000, channels: Int = 1) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// `encoding` mapped to a codec.
    public var codec: TelnyxCodec { TelnyxCodec(encoding: encoding) }
}

/// The `start` frame.
public struct TelnyxStart: Sendable, Equatable {
    public var sequenceNumber: Int?
    /// Top-level `stream_id` (UUID).
    public var streamId: String
    /// The call's command token; key the media session on this (§9.5).
    public var callControlId: String
    public var callSessionId: String?
    public var userId: String?
    public var from: String?
    public var to: String?
    public var tags: [String]
    /// Base64 `client_state`; nil when absent or empty.
    public var clientState: String?
    /// The `custom_parameters` given to `streaming_start` (an object here).
    public var customParameters: [String: String]
    public var mediaFormat: TelnyxMediaFormat

    public init(
        sequenceNumber: Int? = 1, streamId: String, callControlId: String, callSessionId: String? = nil, userId: String? = nil,
        from: String? = nil, to: String? = nil, tags: [String] = [], clientState: String? = nil,
        customParameters: [String: String] = [:], mediaFormat: TelnyxMediaFormat = .init()
    ) {
        self.sequenceNumber = sequenceNumber
        self.streamId = streamId
        self.callControlId = callControlId
        self.callSessionId = callSessionId
        self.userId = userId
        self.from = from
        self.to = to
        self.tags = tags
        self.clientState = clientState
        self.customParameters = customParameters
        self.mediaFormat = mediaFormat
    }

    /// `clientState` base64-decoded as UTF-8 text.
    public var decodedClientState: String? { clientState.flatMap(TelnyxClientState.decode) }
}

/// The `media` frame (about 50 per second per call).
public struct TelnyxMedia: Sendable, Equatable {
    /// Counter over all frames of the stream; used to reorder.
    public var sequenceNumber: Int
    public var streamId: String?
    /// `inbound` or `outbound`.
    public var track: String
    /// Media frame counter, when present.
    public var chunk: Int?
    /// Milliseconds since the stream began, when present.
    public var timestamp: Int?
    /// Base64 RTP payload (raw codec bytes, no RTP header), not decoded.
    public var payload: String

    public init(sequenceNumber: Int, streamId: String? = nil, track: String = "inbound", chunk: Int? = nil, timestamp: Int? = nil, payload: String) {
        self.sequenceNumber = sequenceNumber
        self.streamId = streamId
        self.track = track
        self.chunk = chunk
        self.timestamp = timestamp
        self.payload = payload
    }
}

/// The `mark` echo.
public struct TelnyxMark: Sendable, Equatable {
    public var sequenceNumber: Int?
    public var streamId: String?
    public var name: String
    public init(sequenceNumber: Int? = nil, streamId: String? = nil, name: String) {
        self.sequenceNumber = sequenceNumber
        self.streamId = streamId
        self.name = name
    }
}

/// The `dtmf` frame.
public struct TelnyxDTMF: Sendable, Equatable {
    public var sequenceNumber: Int?
    public var streamId: String?
    public var occurredAt: String?
    public var digit: String
    public init(sequenceNumber: Int? = nil, streamId: String? = nil, occurredAt: String? = nil, digit: String) {
        self.sequenceNumber = sequenceNumber
        self.streamId = streamId
        self.occurredAt = occurredAt
        self.digit = digit
    }
}

/// The `stop` frame (last one).
public struct TelnyxStop: Sendable, Equatable {
    public var sequenceNumber: Int?
    public var streamId: String?
    public var callControlId: String?
    public var userId: String?
    public init(sequenceNumber: Int? = nil, streamId: String? = nil, callControlId: String? = nil, userId: String? = nil) {
        self.sequenceNumber = sequenceNumber
        self.streamId = streamId
        self.callControlId = callControlId
        self.userId = userId
    }
}

/// The `error` frame: `100002` unknown_error, `100003` malformed_frame, `100004` invalid_media, `100005` rate_limit_reached.
public struct TelnyxStreamError: Sendable, Equatable {
    public var sequenceNumber: Int?
    public var streamId: String?
    /// A string on Telnyx (numbers are accepted and converted).
    public var code: String?
    public var title: String?
    public var detail: String?
    public init(sequenceNumber: Int? = nil, streamId: String? = nil, code: String? = nil, title: String? = nil, detail: String? = nil) {
        self.sequenceNumber = sequenceNumber
        self.streamId = streamId
        self.code = code
        self.title = title
        self.detail = detail
    }
}

/// Why a media frame could not be decoded.
public enum TelnyxMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not valid JSON, or not a JSON object with a string `event`.
    case malformedJSON(String)
    /// A field the event requires is absent.
    case missingField(event: String, field: String)
    /// A field has the wrong type or an unparseable value.
    case invalidField(event: String, field: String, value: String)

    public var description: String {
        switch self {
        case .malformedJSON(let detail): "Telnyx media frame is not valid JSON: \(detail)"
        case .missingField(let event, let field): "Telnyx '\(event)' frame lacks required field '\(field)'"
        case .invalidField(let event, let field, let value): "Telnyx '\(event)' frame has invalid '\(field)': \(value)"
        }
    }
}
