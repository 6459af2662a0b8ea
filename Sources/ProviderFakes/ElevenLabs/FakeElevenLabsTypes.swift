/// One request a ``FakeElevenLabsServer`` received, and what became of it.
public struct FakeElevenLabsRequestRecord: Sendable, Equatable {
    /// `{voice_id}` of the path.
    public var voiceID: String
    /// `output_format` query value.
    public var outputFormat: String?
    /// `text` of the body (nil when missing or not a string).
    public var text: String?
    /// `model_id` of the body.
    public var modelID: String?
    /// `xi-api-key` matched the expected key.
    public var keyAccepted: Bool
    /// HTTP status answered.
    public var status: Int
    /// Audio bytes written so far.
    public var bytesSent = 0
    /// Audio bytes the text was going to produce.
    public var bytesPlanned = 0
    /// The whole audio was written and the response finished.
    public var completed = false
    /// The client closed the request before the end (barge-in, hang-up).
    public var cancelledByClient = false
}

/// An error the fake ElevenLabs server answers on demand (ElevenLabs `detail.status` values, §4.5).
public enum FakeElevenLabsFault: Sendable, Equatable {
    /// 401 `invalid_api_key`.
    case invalidAPIKey
    /// 401 `quota_exceeded` (a 401, not a 429).
    case quotaExceeded
    /// 429 `too_many_concurrent_requests` (no `Retry-After`).
    case tooManyConcurrentRequests
    /// 429 `system_busy`.
    case systemBusy
    /// 200, then the connection drops after `bytes` of audio.
    case dropAfter(bytes: Int)

    var status: Int {
        switch self {
        case .invalidAPIKey, .quotaExceeded: 401
        case .tooManyConcurrentRequests, .systemBusy: 429
        case .dropAfter: 200
        }
    }

    var body: String {
        switch self {
        case .invalidAPIKey:
            #"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#
        case .quotaExceeded:
            #"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota of 10000. You have 0 credits remaining, while 43 credits are required for this request."}}"#
        case .tooManyConcurrentRequests:
            #"{"detail":{"type":"rate_limit_error","code":"concurrent_limit_exceeded","status":"too_many_concurrent_requests","message":"Too many concurrent requests for your subscription."}}"#
        case .systemBusy:
            #"{"detail":{"status":"system_busy","message":"We are experiencing heavy traffic, please try again later."}}"#
        case .dropAfter:
            ""
        }
    }
}
