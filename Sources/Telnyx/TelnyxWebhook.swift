import Foundation

/// A Call Control v2 webhook (telephony.md §4.1): the envelope plus the decoded event.
///
/// Telnyx does not order webhooks and retries them, so the same `id` can arrive twice
/// (dedupe with `TelnyxWebhookDeduplicator`) and in any order relative to the media socket.
public struct TelnyxWebhook: Sendable, Equatable {
    /// `data.id`: unique per event (the dedupe key; retries keep it).
    public var id: String
    /// `data.event_type`, e.g. `call.hangup`.
    public var eventType: String
    /// `data.record_type` (`event`).
    public var recordType: String?
    /// `data.occurred_at`, ISO 8601 text as sent.
    public var occurredAt: String?
    /// `meta.attempt`: delivery attempt, 1 on the first try.
    public var attempt: Int?
    /// `meta.delivered_to`: the URL Telnyx posted to.
    public var deliveredTo: String?
    /// The call ids in `data.payload`; nil when the payload has no `call_control_id` (only possible for `.other`).
    public var call: TelnyxCallReference?
    /// The event, decoded for the types a bridge handles.
    public var event: TelnyxWebhookEvent

    public init(
        id: String, eventType: String, recordType: String? = "event", occurredAt: String? = nil,
        attempt: Int? = nil, deliveredTo: String? = nil, call: TelnyxCallReference?, event: TelnyxWebhookEvent
    ) {
        self.id = id
        self.eventType = eventType
        self.recordType = recordType
        self.occurredAt = occurredAt
        self.attempt = attempt
        self.deliveredTo = deliveredTo
        self.call = call
        self.event = event
    }
}

/// The ids every call event carries in `data.payload`.
public struct TelnyxCallReference: Sendable, Equatable {
    /// The token for command URLs (`v2:…`/`v3:…`).
    public var callControlId: String
    /// Unique per leg (UUID).
    public var callLegId: String?
    /// Groups related legs (e.g. a transfer's second leg).
    public var callSessionId: String?
    /// The Call Control application id.
    public var connectionId: String?
    /// `client_state` exactly as sent (base64); nil when absent, `null` or `""`.
    public var clientState: String?

    public init(callControlId: String, callLegId: String? = nil, callSessionId: String? = nil, connectionId: String? = nil, clientState: String? = nil) {
        self.callControlId = callControlId
        self.callLegId = callLegId
        self.callSessionId = callSessionId
        self.connectionId = connectionId
        self.clientState = clientState
    }

    /// `clientState` base64-decoded as UTF-8 text; nil when absent or not valid base64/UTF-8.
    public var decodedClientState: String? {
        clientState.flatMap(TelnyxClientState.decode)
    }
}

/// The webhook events a bridge handles (§4.2); everything else is `.other`.
public enum TelnyxWebhookEvent: Sendable, Equatable {
    /// `call.initiated`: an inbound call arrived (state `parked`) or an outbound dial started.
    case callInitiated(TelnyxCallInitiated)
    /// `call.answered`.
    case callAnswered(TelnyxCallAnswered)
    /// `call.hangup`: the leg ended (may arrive before or after `streaming.stopped` and the socket `stop`).
    case callHangup(TelnyxCallHangup)
    /// `streaming.started` (may arrive after media is already flowing).
    case streamingStarted(TelnyxStreamingEvent)
    /// `streaming.stopped`.
    case streamingStopped(TelnyxStreamingEvent)
    /// `streaming.failed`.
    case streamingFailed(TelnyxStreamingFailed)
    /// `call.dtmf.received` (the same digit may also come as a socket `dtmf` frame).
    case dtmfReceived(TelnyxDTMFReceived)
    /// Any other `event_type` (e.g. `call.bridged`, `call.speak.ended`); acknowledge and ignore.
    case other(eventType: String)
}

/// `call.initiated` payload fields.
public struct TelnyxCallInitiated: Sendable, Equatable {
    public var from: String?
    public var to: String?
    /// `incoming` or `outgoing`.
    public var direction: String?
    /// `parked` (inbound, must be answered) or `bridging`.
    public var state: String?
    public var callerIdName: String?
    public var startTime: String?

    public init(from: String? = nil, to: String? = nil, direction: String? = nil, state: String? = nil, callerIdName: String? = nil, startTime: String? = nil) {
        self.from = from
        self.to = to
        self.direction = direction
        self.state = state
        self.callerIdName = callerIdName
        self.startTime = startTime
    }

    /// True for an inbound call waiting for `answer`.
    public var isIncoming: Bool { direction == "incoming" }
}

/// `call.answered` payload fields.
public struct TelnyxCallAnswered: Sendable, Equatable {
    public var from: String?
    public var to: String?
    /// `answered`.
    public var state: String?
    public var startTime: String?

    public init(from: String? = nil, to: String? = nil, state: String? = nil, startTime: String? = nil) {
        self.from = from
        self.to = to
        self.state = state
        self.startTime = startTime
    }
}

/// `call.hangup` payload fields.
public struct TelnyxCallHangup: Sendable, Equatable {
    /// `call_rejected`, `normal_clearing`, `originator_cancel`, `timeout`, `time_limit`, `user_busy`, `not_found`, `unspecified`.
    public var hangupCause: String?
    /// `caller`, `callee`, `unknown`.
    public var hangupSource: String?
    /// SIP response code as text, or `unspecified`.
    public var sipHangupCause: String?
    public var from: String?
    public var to: String?
    /// `hangup`.
    public var state: String?
    public var startTime: String?

    public init(
        hangupCause: String? = nil, hangupSource: String? = nil, sipHangupCause: String? = nil,
        from: String? = nil, to: String? = nil, state: String? = nil, startTime: String? = nil
    ) {
        self.hangupCause = hangupCause
        self.hangupSource = hangupSource
        self.sipHangupCause = sipHangupCause
        self.from = from
        self.to = to
        self.state = state
        self.startTime = startTime
    }
}

/// `streaming.started` / `streaming.stopped` payload fields.
public struct TelnyxStreamingEvent: Sendable, Equatable {
    public var streamURL: String?
    public init(streamURL: String? = nil) { self.streamURL = streamURL }
}

/// `streaming.failed` payload fields.
public struct TelnyxStreamingFailed: Sendable, Equatable {
    /// Short text.
    public var failureReason: String?
    public var streamId: String?
    /// `websocket` or `dialogflow`.
    public var streamType: String?
    /// `stream_params.stream_url`.
    public var streamURL: String?
    /// `stream_params.track`.
    public var track: String?

    public init(failureReason: String? = nil, streamId: String? = nil, streamType: String? = nil, streamURL: String? = nil, track: String? = nil) {
        self.failureReason = failureReason
        self.streamId = streamId
        self.streamType = streamType
        self.streamURL = streamURL
        self.track = track
    }
}

/// `call.dtmf.received` payload fields.
public struct TelnyxDTMFReceived: Sendable, Equatable {
    /// The key pressed (`0`-`9`, `*`, `#`, `A`-`D`).
    public var digit: String
    public var from: String?
    public var to: String?

    public init(digit: String, from: String? = nil, to: String? = nil) {
        self.digit = digit
        self.from = from
        self.to = to
    }
}

/// Why a webhook body could not be decoded.
public enum TelnyxWebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not valid JSON, or not the `{"data": {...}}` envelope.
    case malformedJSON(String)
    /// A field the event requires is absent (path like `data.payload.call_control_id`).
    case missingField(eventType: String?, field: String)
    /// A field has the wrong type.
    case invalidField(eventType: String?, field: String, detail: String)

    public var description: String {
        switch self {
        case .malformedJSON(let detail): "Telnyx webhook is not valid JSON: \(detail)"
        case .missingField(let type, let field): "Telnyx webhook '\(type ?? "?")' lacks required field '\(field)'"
        case .invalidField(let type, let field, let detail): "Telnyx webhook '\(type ?? "?")' has invalid '\(field)': \(detail)"
        }
    }
}

/// Base64 `client_state` helpers (Telnyx rejects `client_state` that is not base64).
public enum TelnyxClientState {
    /// Base64 of the UTF-8 text.
    public static func encode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    /// The UTF-8 text inside base64 `value`; nil when empty, not base64 or not UTF-8.
    public static func decode(_ value: String) -> String? {
        guard !value.isEmpty, let data = Data(base64Encoded: value) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
