/// When the fake phone posts the `completed` status callback relative to the socket's `stop`.
public enum FakeStatusCallbackTiming: Sendable, Equatable {
    /// After `stop` and the socket close (the usual order).
    case afterStop
    /// Before `stop` is sent (the callback wins the race).
    case beforeStop
    /// `milliseconds` after the socket closed.
    case delayedAfterStop(milliseconds: Int)
    /// Never (a lost callback).
    case never
}

/// How a `FakeTwilioPhone` dials in.
public struct FakeTwilioPhoneConfiguration: Sendable {
    /// Where the server really listens, e.g. `http://127.0.0.1:8080`.
    public var serverURL: String
    /// The public URL the server is known by (what Twilio signs); defaults to `serverURL`.
    public var publicURL: String?
    /// Account SID (`AC…`) sent on the webhook and the socket.
    public var accountSid: String
    /// Auth token for `X-Twilio-Signature`; nil sends no signature.
    public var authToken: String?
    /// Caller number.
    public var from: String
    /// Called number.
    public var to: String
    /// What the caller does.
    public var script: CallerScript
    /// Hard bound on the call; the phone hangs up when it elapses.
    public var maxDuration: Duration
    /// When the `completed` status callback is posted.
    public var statusCallbackTiming: FakeStatusCallbackTiming
    /// Path of the voice webhook.
    public var voicePath: String
    /// Path of the status callback.
    public var statusPath: String
    /// Fixed call SID (a random `CA…` when nil).
    public var callSid: String?
    /// Whether played marks are echoed. False simulates a stuck transmit side: the audio still plays but
    /// no `mark` ever comes back (seed 003).
    public var echoesMarks: Bool = true
    /// Frames a buggy peer sends before `start` (after `connected`).
    public var junkBeforeStart: [FakeJunkFrame] = []
    /// Frames a buggy peer sends right after `start`.
    public var junkAfterStart: [FakeJunkFrame] = []

    public init(
        serverURL: String,
        publicURL: String? = nil,
        accountSid: String = FakeTwilioIDs.accountSid(),
        authToken: String? = nil,
        from: String = "+15550100001",
        to: String = "+15550100002",
        script: CallerScript = .simple,
        maxDuration: Duration = .seconds(60),
        statusCallbackTiming: FakeStatusCallbackTiming = .afterStop,
        voicePath: String = "/twilio/voice",
        statusPath: String = "/twilio/status",
        callSid: String? = nil
    ) {
        self.serverURL = serverURL
        self.publicURL = publicURL
        self.accountSid = accountSid
        self.authToken = authToken
        self.from = from
        self.to = to
        self.script = script
        self.maxDuration = maxDuration
        self.statusCallbackTiming = statusCallbackTiming
        self.voicePath = voicePath
        self.statusPath = statusPath
        self.callSid = callSid
    }
}

/// A frame that real Twilio never sends, for testing how a server copes with bad input.
public enum FakeJunkFrame: Sendable, Equatable {
    /// A raw text frame (e.g. malformed JSON).
    case text(String)
    /// A binary frame.
    case binary([UInt8])
    /// A well-formed 20 ms silent media frame of this stream (bad only before `start`).
    case media
    /// A well-formed 20 ms silent media frame carrying another stream's SID.
    case mediaForOtherStream
}

/// One frame the phone writes to its media socket.
enum FakeOutboundFrame: Sendable {
    case text(String)
    case binary([UInt8])
}

/// Why a fake call could not be placed.
public enum FakeTwilioPhoneError: Error, Sendable, CustomStringConvertible {
    /// The voice webhook did not answer 200.
    case webhookStatus(Int, body: String)
    /// The webhook answered something that is not XML.
    case webhookNotXML(contentType: String?)
    /// The TwiML was refused (no `<Connect><Stream>`, not `wss`, query string, …).
    case invalidTwiML(FakeTwiMLError)
    /// The media WebSocket could not be opened or failed.
    case socket(String)
    /// The call did not finish within its bound.
    case timedOut

    public var description: String {
        switch self {
        case .webhookStatus(let status, let body): "voice webhook answered HTTP \(status): \(body.prefix(200))"
        case .webhookNotXML(let type): "voice webhook answered Content-Type \(type ?? "none"), expected text/xml or application/xml"
        case .invalidTwiML(let error): "invalid TwiML: \(error)"
        case .socket(let reason): "media WebSocket failed: \(reason)"
        case .timedOut: "the call did not finish within its maximum duration"
        }
    }
}
