/// A message Twilio sends on a bidirectional Media Streams WebSocket (telephony.md §1.2).
public enum TwilioInboundMessage: Sendable, Equatable {
    /// First message on the socket; carries no `streamSid`.
    case connected(TwilioConnected)
    /// Second message: identifies the stream, the call and the custom `<Parameter>`s.
    case start(TwilioStart)
    /// Caller audio; the base64 payload is kept as-is so it can be forwarded untouched.
    case media(TwilioMedia)
    /// Echo of a mark we sent: the audio before it has played (or was cleared).
    case mark(TwilioMark)
    /// A key the caller pressed.
    case dtmf(TwilioDTMF)
    /// Last message: the stream stopped (call ended, TwiML replaced, or socket closed by us).
    case stop(TwilioStop)
    /// An `event` this decoder does not know; Twilio may add events, so callers usually log and ignore it.
    case unknown(event: String)
}

/// A media track name (`inbound` / `outbound`).
public struct TwilioTrack: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Audio from the caller.
    public static let inbound = TwilioTrack(rawValue: "inbound")
    /// Audio to the caller.
    public static let outbound = TwilioTrack(rawValue: "outbound")
    public var description: String { rawValue }
}

/// `{"event":"connected","protocol":"Call","version":"1.0.0"}`.
public struct TwilioConnected: Sendable, Equatable {
    public var `protocol`: String?
    public var version: String?
    public init(protocol: String? = nil, version: String? = nil) {
        self.protocol = `protocol`
        self.version = version
    }
}

/// The audio format announced in `start.mediaFormat`.
public struct TwilioMediaFormat: Sendable, Equatable {
    /// Always `audio/x-mulaw` on Twilio.
    public var encoding: String
    /// Always 8000 on Twilio.
    public var sampleRate: Int
    /// Always 1 on Twilio.
    public var channels: Int
    public init(encoding: String = "audio/x-mulaw", sampleRate: Int = 8000, channels: Int = 1) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }
}

/// The `start` message.
public struct TwilioStart: Sendable, Equatable {
    public var sequenceNumber: Int
    public var streamSid: String
    public var accountSid: String
    public var callSid: String
    public var tracks: [TwilioTrack]
    public var mediaFormat: TwilioMediaFormat
    /// The `<Parameter name value>` pairs from the TwiML (empty if none).
    public var customParameters: [String: String]
    public init(
        sequenceNumber: Int, streamSid: String, accountSid: String, callSid: String,
        tracks: [TwilioTrack] = [.inbound], mediaFormat: TwilioMediaFormat = .init(),
        customParameters: [String: String] = [:]
    ) {
        self.sequenceNumber = sequenceNumber
        self.streamSid = streamSid
        self.accountSid = accountSid
        self.callSid = callSid
        self.tracks = tracks
        self.mediaFormat = mediaFormat
        self.customParameters = customParameters
    }
}

/// The `media` message (about 50 per second per call).
public struct TwilioMedia: Sendable, Equatable {
    public var sequenceNumber: Int
    public var streamSid: String
    public var track: TwilioTrack
    /// Starts at 1, +1 per media message.
    public var chunk: Int
    /// Milliseconds since the stream began.
    public var timestamp: Int
    /// Base64 mu-law 8 kHz audio, not decoded.
    public var payload: String
    public init(sequenceNumber: Int, streamSid: String, track: TwilioTrack = .inbound, chunk: Int, timestamp: Int, payload: String) {
        self.sequenceNumber = sequenceNumber
        self.streamSid = streamSid
        self.track = track
        self.chunk = chunk
        self.timestamp = timestamp
        self.payload = payload
    }
}

/// The `mark` echo.
public struct TwilioMark: Sendable, Equatable {
    public var sequenceNumber: Int
    public var streamSid: String
    public var name: String
    public init(sequenceNumber: Int, streamSid: String, name: String) {
        self.sequenceNumber = sequenceNumber
        self.streamSid = streamSid
        self.name = name
    }
}

/// The `dtmf` message.
public struct TwilioDTMF: Sendable, Equatable {
    public var sequenceNumber: Int
    public var streamSid: String
    /// Always `inbound_track` on Twilio (nil if absent).
    public var track: String?
    /// The key, a one-character string.
    public var digit: String
    public init(sequenceNumber: Int, streamSid: String, track: String? = "inbound_track", digit: String) {
        self.sequenceNumber = sequenceNumber
        self.streamSid = streamSid
        self.track = track
        self.digit = digit
    }
}

/// The `stop` message.
public struct TwilioStop: Sendable, Equatable {
    public var sequenceNumber: Int
    public var streamSid: String
    public var accountSid: String?
    public var callSid: String
    public init(sequenceNumber: Int, streamSid: String, accountSid: String? = nil, callSid: String) {
        self.sequenceNumber = sequenceNumber
        self.streamSid = streamSid
        self.accountSid = accountSid
        self.callSid = callSid
    }
}

/// Why an inbound WebSocket message could not be decoded.
public enum TwilioMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not valid JSON, or not a JSON object with a string `event`.
    case malformedJSON(String)
    /// A field the event requires is absent.
    case missingField(event: String, field: String)
    /// A field has the wrong type or an unparseable value.
    case invalidField(event: String, field: String, value: String)

    public var description: String {
        switch self {
        case .malformedJSON(let detail): "Twilio media message is not valid JSON: \(detail)"
        case .missingField(let event, let field): "Twilio '\(event)' message lacks required field '\(field)'"
        case .invalidField(let event, let field, let value): "Twilio '\(event)' message has invalid '\(field)': \(value)"
        }
    }
}
