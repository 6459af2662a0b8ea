/// One entry of a fake call's timeline.
public struct FakeCallEvent: Sendable, Equatable, CustomStringConvertible {
    /// What happened.
    public enum Kind: Sendable, Equatable {
        /// The voice webhook answered with a `<Connect><Stream>`.
        case webhookAnswered(streamURL: String)
        /// The media WebSocket is open.
        case socketOpened
        /// `connected` and `start` were sent.
        case startSent
        /// The caller started speaking (speech frames begin).
        case callerSpeechStarted(text: String)
        /// The caller stopped speaking.
        case callerSpeechEnded
        /// The caller started speaking while the bot's audio was still playing.
        case callerBargedIn(text: String)
        /// A DTMF digit was sent.
        case dtmfSent(digit: String)
        /// Bot audio started playing to the caller (one per burst).
        case botAudioStarted
        /// A burst of bot audio finished playing (or was cleared); `playedMilliseconds` of it were heard.
        case botAudioEnded(playedMilliseconds: Int)
        /// The server sent a `mark`.
        case markReceived(name: String)
        /// The phone echoed a `mark`; `cleared` when it was returned by a `clear`.
        case markEchoed(name: String, cleared: Bool)
        /// The server sent `clear`; `droppedMilliseconds` of queued audio were discarded.
        case clearReceived(droppedMilliseconds: Int)
        /// The phone sent `stop`.
        case stopSent
        /// The caller hung up.
        case callerHungUp
        /// The fake REST API ended the call (`Status=completed`).
        case hangupByREST
        /// The fake REST API redirected the call to new TwiML; the stream ends, the call continues.
        case transferByREST(twiml: String)
        /// The server closed the WebSocket.
        case socketClosedByServer
        /// The phone closed the WebSocket.
        case socketClosedByPhone
        /// The status callback `completed` was posted; `httpStatus` is the server's answer (nil on failure).
        case statusCallbackPosted(httpStatus: Int?)
        /// The bounded maximum call duration elapsed.
        case maxDurationReached
        /// The server broke the Media Streams protocol (see `FakeCallResult.violations`).
        case violation(String)

        // Telnyx (Call Control webhooks, commands and the media stream).

        /// A webhook was delivered (`attempt` from `meta.attempt`); `httpStatus` is the server's answer
        /// (nil when the request failed).
        case webhookPosted(event: String, attempt: Int, httpStatus: Int?)
        /// The fake Call Control API received a command for this call and answered `httpStatus`
        /// (`errorCode` is the Telnyx error code of an error answer, `duplicate` a repeated `command_id`).
        case commandReceived(action: String, httpStatus: Int, errorCode: String?, duplicate: Bool)
        /// The phone is opening the media WebSocket to this `stream_url`.
        case streamConnecting(streamURL: String)
        /// The media WebSocket could not be opened (a `streaming.failed` webhook follows).
        case streamFailed(reason: String)
        /// The phone sent an `error` frame (`100003` malformed frame, `100004` invalid media, `100005` rate limit).
        case errorFrameSent(code: String)
        /// `streaming_stop` stopped the stream; the call goes on.
        case streamStoppedByREST
        /// `transfer` bridged the caller to `to`; the media stream is not stopped by it.
        case transferredTo(String)
        /// The server never answered the call within the answer timeout; the caller gave up.
        case notAnswered
    }

    /// Milliseconds since the phone dialled.
    public var atMilliseconds: Int
    /// What happened.
    public var kind: Kind

    public init(atMilliseconds: Int, kind: Kind) {
        self.atMilliseconds = atMilliseconds
        self.kind = kind
    }

    public var description: String {
        let time = String(repeating: " ", count: max(0, 7 - String(atMilliseconds).count)) + "\(atMilliseconds) ms"
        return "\(time)  \(kind)"
    }
}

/// A message from the server that the real carrier would reject or drop.
public struct FakeProtocolViolation: Sendable, Equatable, CustomStringConvertible {
    /// Category, with the Twilio (or Telnyx) error it corresponds to.
    public enum Kind: String, Sendable, Equatable {
        /// A binary frame (31950).
        case binaryFrame
        /// Not a JSON object (31950).
        case malformedMessage
        /// `event` missing or not `media`/`mark`/`clear` (31951).
        case unknownEvent
        /// Missing, extra or mistyped fields, or a payload that is not base64 (31951).
        case invalidShape
        /// `streamSid` is not this stream's (31951).
        case wrongStreamSid
        /// Anything received after the phone sent `stop`.
        case afterStop
        /// Telnyx: a `media` payload that is not base64 (error frame `100004`).
        case invalidMedia
        /// Telnyx: `media`, `mark` or `clear` on a stream started without `stream_bidirectional_mode`
        /// (real Telnyx silently drops them).
        case notBidirectional
        /// Telnyx: more than one `media` message per second in `mp3` mode (error frame `100005`).
        case rateLimited
    }

    /// Milliseconds since dial.
    public var atMilliseconds: Int
    /// Category.
    public var kind: Kind
    /// Explanation.
    public var detail: String
    /// The start of the offending message.
    public var message: String

    public var description: String { "\(atMilliseconds) ms \(kind.rawValue): \(detail) — \(message)" }
}

/// Why the fake call ended.
public enum FakeCallEndReason: String, Sendable, Equatable {
    /// The caller script hung up.
    case callerHungUp
    /// The server hung up through the fake REST API.
    case hangupByREST
    /// The server transferred the call through the fake REST API (the stream ended, the call went on).
    case transferByREST
    /// The server closed the media WebSocket (with no next verb Twilio ends the call).
    case serverClosedSocket
    /// The bounded maximum duration elapsed; the phone hung up.
    case maxDuration
    /// Telnyx: the server never answered the call (no `answer` within the answer timeout).
    case notAnswered
}

/// Everything the fake phone observed during one call.
public struct FakeCallResult: Sendable, CustomStringConvertible {
    /// The call's SID (`CA…`).
    public var callSid: String
    /// The stream's SID (`MZ…`).
    public var streamSid: String
    /// The account SID sent on the webhook and the socket.
    public var accountSid: String
    /// The `<Stream url>` from the TwiML.
    public var streamURL: String
    /// `<Parameter>`s from the TwiML (sent as `start.customParameters`).
    public var customParameters: [String: String]
    /// How the call ended.
    public var endReason: FakeCallEndReason
    /// The timeline, in order.
    public var events: [FakeCallEvent]
    /// Protocol violations by the server (empty for a correct server).
    public var violations: [FakeProtocolViolation]
    /// Milliseconds of bot audio actually played to the caller.
    public var botAudioMillisecondsPlayed: Int
    /// Bytes of bot audio (decoded μ-law) received.
    public var botAudioBytesReceived: Int
    /// Mark names echoed, in order.
    public var echoedMarks: [String]
    /// Milliseconds from dial to the end of the call.
    public var durationMilliseconds: Int
    /// Telnyx-only details (nil for a Twilio call). On a Telnyx call `callSid` holds the
    /// `call_control_id`, `streamSid` the last `stream_id` and `accountSid` the `connection_id`.
    public var telnyx: FakeTelnyxCallDetails? = nil

    /// Offset of the first event matching `predicate`.
    public func firstOffset(where predicate: (FakeCallEvent.Kind) -> Bool) -> Int? {
        events.first { predicate($0.kind) }?.atMilliseconds
    }

    /// Offset of the last event matching `predicate`.
    public func lastOffset(where predicate: (FakeCallEvent.Kind) -> Bool) -> Int? {
        events.last { predicate($0.kind) }?.atMilliseconds
    }

    /// Events matching `predicate`.
    public func events(where predicate: (FakeCallEvent.Kind) -> Bool) -> [FakeCallEvent] {
        events.filter { predicate($0.kind) }
    }

    public var description: String {
        var lines = ["call \(callSid) stream \(streamSid) ended: \(endReason.rawValue) after \(durationMilliseconds) ms"]
        lines += events.map(\.description)
        lines.append("bot audio played: \(botAudioMillisecondsPlayed) ms, received: \(botAudioBytesReceived) bytes")
        if let telnyx { lines.append(telnyx.description) }
        lines.append("protocol violations: \(violations.count)")
        lines += violations.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}
