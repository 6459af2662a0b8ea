/// How the stream is started (telephony.md §4.3), shared by `answer` and `streaming_start`.
public struct TelnyxStreamOptions: Sendable, Equatable {
    /// `wss://…` URL Telnyx connects to.
    public var streamURL: String
    /// `inbound_track` (default), `outbound_track` or `both_tracks`.
    public var track: String
    /// `stream_codec` (what Telnyx sends us); nil leaves Telnyx's default.
    public var codec: String?
    /// `rtp` (default: required for us to be heard) or `mp3`; nil sends a one-way stream.
    public var bidirectionalMode: String?
    /// Codec of the audio we send in `rtp` mode (case sensitive; default `PCMU`).
    public var bidirectionalCodec: String?
    /// `stream_bidirectional_sampling_rate` (streaming_start only; 8000, 16000, 22050, 24000, 48000).
    public var bidirectionalSamplingRate: Int?
    /// `both`, `self` or `opposite`.
    public var bidirectionalTargetLegs: String?
    /// Sent to our socket as `x-telnyx-streaming-auth-token` (streaming_start only; max 4000 characters).
    public var authToken: String?
    /// Become `start.custom_parameters` on the socket (streaming_start only).
    public var customParameters: [TelnyxCustomParameter]

    public init(
        streamURL: String, track: String = "inbound_track", codec: String? = nil,
        bidirectionalMode: String? = "rtp", bidirectionalCodec: String? = "PCMU",
        bidirectionalSamplingRate: Int? = nil, bidirectionalTargetLegs: String? = nil,
        authToken: String? = nil, customParameters: [TelnyxCustomParameter] = []
    ) {
        self.streamURL = streamURL
        self.track = track
        self.codec = codec
        self.bidirectionalMode = bidirectionalMode
        self.bidirectionalCodec = bidirectionalCodec
        self.bidirectionalSamplingRate = bidirectionalSamplingRate
        self.bidirectionalTargetLegs = bidirectionalTargetLegs
        self.authToken = authToken
        self.customParameters = customParameters
    }
}

/// One `{"name": …, "value": …}` entry of `custom_parameters`.
public struct TelnyxCustomParameter: Sendable, Equatable, Encodable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// JSON bodies of the commands (snake_case keys; nil fields are omitted).
enum TelnyxCommandBody {
    struct Answer: Encodable {
        var client_state: String?
        var command_id: String
        var stream_url: String?
        var stream_track: String?
        var stream_codec: String?
        var stream_bidirectional_mode: String?
        var stream_bidirectional_codec: String?
        var stream_bidirectional_target_legs: String?

        /// `answer` takes the stream fields §4.3 lists for it (no auth token, custom parameters or sampling rate).
        init(clientState: String?, commandId: String, stream: TelnyxStreamOptions?) {
            client_state = clientState
            command_id = commandId
            stream_url = stream?.streamURL
            stream_track = stream?.track
            stream_codec = stream?.codec
            stream_bidirectional_mode = stream?.bidirectionalMode
            stream_bidirectional_codec = stream?.bidirectionalMode == "rtp" ? stream?.bidirectionalCodec : nil
            stream_bidirectional_target_legs = stream?.bidirectionalTargetLegs
        }
    }

    struct StreamingStart: Encodable {
        var client_state: String?
        var command_id: String
        var stream_url: String
        var stream_track: String
        var stream_codec: String?
        var stream_bidirectional_mode: String?
        var stream_bidirectional_codec: String?
        var stream_bidirectional_sampling_rate: Int?
        var stream_bidirectional_target_legs: String?
        var stream_auth_token: String?
        var custom_parameters: [TelnyxCustomParameter]?

        init(clientState: String?, commandId: String, stream: TelnyxStreamOptions) {
            client_state = clientState
            command_id = commandId
            stream_url = stream.streamURL
            stream_track = stream.track
            stream_codec = stream.codec
            stream_bidirectional_mode = stream.bidirectionalMode
            let rtp = stream.bidirectionalMode == "rtp"
            stream_bidirectional_codec = rtp ? stream.bidirectionalCodec : nil
            stream_bidirectional_sampling_rate = rtp ? stream.bidirectionalSamplingRate : nil
            stream_bidirectional_target_legs = stream.bidirectionalTargetLegs
            stream_auth_token = stream.authToken
            custom_parameters = stream.customParameters.isEmpty ? nil : stream.customParameters
        }
    }

    struct Hangup: Encodable {
        var client_state: String?
        var command_id: String
    }

    struct StreamingStop: Encodable {
        var stream_id: String?
        var client_state: String?
        var command_id: String
    }

    struct Transfer: Encodable {
        var to: String
        var from: String?
        var timeout_secs: Int?
        var client_state: String?
        var command_id: String
    }
}
