import Foundation

extension TelnyxWebhook {
    /// Decodes a webhook from the raw request body (the same bytes the signature was checked over).
    /// Unknown fields are ignored; unknown event types become `.other`.
    public init(decoding body: some Collection<UInt8>) throws(TelnyxWebhookError) {
        self = try TelnyxWebhookDecoder.decode(Data(body))
    }

    /// Decodes a webhook from JSON text.
    public init(decoding text: String) throws(TelnyxWebhookError) {
        self = try TelnyxWebhookDecoder.decode(Data(text.utf8))
    }
}

/// `JSONDecoder` with tolerant structs, then explicit checks of what each event requires.
enum TelnyxWebhookDecoder {
    struct Envelope: Decodable {
        var data: DataBody?
        var meta: Meta?
    }

    struct Meta: Decodable {
        var attempt: LenientInt?
        var delivered_to: String?
    }

    struct DataBody: Decodable {
        var record_type: String?
        var event_type: String?
        var id: String?
        var occurred_at: String?
        /// Kept as a result so a malformed payload of an event we do not handle cannot fail the webhook.
        var payload: Result<Payload?, any Error>

        enum CodingKeys: String, CodingKey { case record_type, event_type, id, occurred_at, payload }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            record_type = try container.decodeIfPresent(String.self, forKey: .record_type)
            event_type = try container.decodeIfPresent(String.self, forKey: .event_type)
            id = try container.decodeIfPresent(String.self, forKey: .id)
            occurred_at = try container.decodeIfPresent(String.self, forKey: .occurred_at)
            payload = Result { try container.decodeIfPresent(Payload.self, forKey: .payload) }
        }
    }

    struct StreamParams: Decodable {
        var stream_url: String?
        var track: String?
    }

    struct Payload: Decodable {
        var call_control_id: String?
        var call_leg_id: String?
        var call_session_id: String?
        var connection_id: String?
        var client_state: String?
        var from: String?
        var to: String?
        var direction: String?
        var state: String?
        var caller_id_name: String?
        var start_time: String?
        var hangup_cause: String?
        var hangup_source: String?
        var sip_hangup_cause: LenientString?
        var stream_url: String?
        var failure_reason: String?
        var stream_id: String?
        var stream_type: String?
        var stream_params: StreamParams?
        var digit: String?
    }

    /// A number Telnyx may send as a JSON number or a numeric string.
    struct LenientInt: Decodable {
        var value: Int?
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) {
                value = int
            } else {
                value = Int(try container.decode(String.self))
            }
        }
    }

    /// Text Telnyx may send as a string or a number (e.g. a SIP code).
    struct LenientString: Decodable {
        var value: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) {
                value = String(int)
            } else {
                value = try container.decode(String.self)
            }
        }
    }

    static func decode(_ data: Data) throws(TelnyxWebhookError) -> TelnyxWebhook {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: data)
        } catch {
            throw map(error, eventType: nil)
        }
        guard let body = envelope.data else { throw .malformedJSON("no 'data' object") }
        guard let eventType = body.event_type, !eventType.isEmpty else {
            throw .missingField(eventType: nil, field: "data.event_type")
        }
        guard let id = body.id, !id.isEmpty else { throw .missingField(eventType: eventType, field: "data.id") }
        let payload: Payload?
        switch body.payload {
        case .success(let value):
            payload = value
        case .failure(let error):
            guard TelnyxWebhookEvent.handledTypes.contains(eventType) else {
                payload = nil
                break
            }
            throw map(error, eventType: eventType)
        }

        var call: TelnyxCallReference?
        if let payload, let callControlId = payload.call_control_id, !callControlId.isEmpty {
            call = TelnyxCallReference(
                callControlId: callControlId, callLegId: payload.call_leg_id, callSessionId: payload.call_session_id,
                connectionId: payload.connection_id,
                clientState: payload.client_state.flatMap { $0.isEmpty ? nil : $0 })
        }

        func requireCall() throws(TelnyxWebhookError) -> Payload {
            guard let payload else { throw .missingField(eventType: eventType, field: "data.payload") }
            guard call != nil else { throw .missingField(eventType: eventType, field: "data.payload.call_control_id") }
            return payload
        }

        let event: TelnyxWebhookEvent
        switch eventType {
        case "call.initiated":
            let p = try requireCall()
            event = .callInitiated(TelnyxCallInitiated(
                from: p.from, to: p.to, direction: p.direction, state: p.state, callerIdName: p.caller_id_name, startTime: p.start_time))
        case "call.answered":
            let p = try requireCall()
            event = .callAnswered(TelnyxCallAnswered(from: p.from, to: p.to, state: p.state, startTime: p.start_time))
        case "call.hangup":
            let p = try requireCall()
            event = .callHangup(TelnyxCallHangup(
                hangupCause: p.hangup_cause, hangupSource: p.hangup_source, sipHangupCause: p.sip_hangup_cause?.value,
                from: p.from, to: p.to, state: p.state, startTime: p.start_time))
        case "streaming.started":
            event = .streamingStarted(TelnyxStreamingEvent(streamURL: try requireCall().stream_url))
        case "streaming.stopped":
            event = .streamingStopped(TelnyxStreamingEvent(streamURL: try requireCall().stream_url))
        case "streaming.failed":
            let p = try requireCall()
            event = .streamingFailed(TelnyxStreamingFailed(
                failureReason: p.failure_reason, streamId: p.stream_id, streamType: p.stream_type,
                streamURL: p.stream_params?.stream_url ?? p.stream_url, track: p.stream_params?.track))
        case "call.dtmf.received":
            let p = try requireCall()
            guard let digit = p.digit, !digit.isEmpty else {
                throw .missingField(eventType: eventType, field: "data.payload.digit")
            }
            event = .dtmfReceived(TelnyxDTMFReceived(digit: digit, from: p.from, to: p.to))
        default:
            event = .other(eventType: eventType)
        }

        return TelnyxWebhook(
            id: id, eventType: eventType, recordType: body.record_type, occurredAt: body.occurred_at,
            attempt: envelope.meta?.attempt?.value, deliveredTo: envelope.meta?.delivered_to, call: call, event: event)
    }

    private static func map(_ error: any Error, eventType: String?) -> TelnyxWebhookError {
        guard let decodingError = error as? DecodingError else { return .malformedJSON(String(describing: error)) }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            return .missingField(eventType: eventType, field: (context.codingPath + [key]).map(\.stringValue).joined(separator: "."))
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            if context.codingPath.isEmpty { return .malformedJSON("not a JSON object") }
            return .invalidField(eventType: eventType, field: path(context), detail: context.debugDescription)
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return .malformedJSON(context.debugDescription + underlying)
        @unknown default:
            return .malformedJSON(String(describing: decodingError))
        }
    }
}

extension TelnyxWebhookEvent {
    /// The `event_type`s decoded into their own case (all others become `.other`).
    public static let handledTypes: Set<String> = [
        "call.initiated", "call.answered", "call.hangup",
        "streaming.started", "streaming.stopped", "streaming.failed", "call.dtmf.received",
    ]
}
