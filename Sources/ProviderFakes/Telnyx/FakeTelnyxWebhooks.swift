import AsyncHTTPClient
import Foundation
import NIOCore

/// How webhooks are delivered to the server (telephony.md §4.1, §6).
public struct FakeTelnyxWebhookOptions: Sendable, Equatable {
    /// How each delivery is signed.
    public enum Signing: Sendable, Equatable {
        /// `telnyx-signature-ed25519` and `telnyx-timestamp` over the exact body (what Telnyx does).
        case valid
        /// No signature headers at all.
        case none
        /// A well-formed 64-byte signature that does not match the body.
        case bad
        /// A valid signature over a timestamp `seconds` in the past (outside the 300 s window when > 300).
        case staleTimestamp(seconds: Int)
    }

    /// How deliveries are signed.
    public var signing: Signing = .valid
    /// Path of the webhook on the server.
    public var path: String = "/telnyx/webhook"
    /// Attempts per webhook while the server answers non-2xx or the request fails (`meta.attempt` 1, 2, …).
    public var maxAttempts: Int = 3
    /// Pause between attempts.
    public var retryDelay: Duration = .milliseconds(100)
    /// Event types (`call.answered`, …) delivered a second time after success: same `data.id`,
    /// `meta.attempt` + 1, to exercise the server's dedupe. `FakeTelnyxEvent.all` duplicates everything.
    public var duplicateEvents: [String] = []
    /// Per-request timeout.
    public var timeout: Duration = .seconds(10)

    /// Telnyx's behaviour: signed, 3 attempts 100 ms apart, no duplicates.
    public init() {}
}

/// Names of the Call Control events the fake sends.
public enum FakeTelnyxEvent {
    /// An inbound call arrived (parked, waiting for `answer`).
    public static let callInitiated = "call.initiated"
    /// The call was answered.
    public static let callAnswered = "call.answered"
    /// The call ended (`hangup_cause`, `hangup_source`).
    public static let callHangup = "call.hangup"
    /// The caller pressed a key (`digit`).
    public static let callDTMFReceived = "call.dtmf.received"
    /// The media stream started (`stream_url`).
    public static let streamingStarted = "streaming.started"
    /// The media stream stopped (`stream_url`).
    public static let streamingStopped = "streaming.stopped"
    /// The media stream could not be opened (`failure_reason`, `stream_id`, `stream_params`).
    public static let streamingFailed = "streaming.failed"
    /// Every event above.
    public static let all = [
        callInitiated, callAnswered, callHangup, callDTMFReceived, streamingStarted, streamingStopped, streamingFailed,
    ]
}

/// One webhook delivery attempt and the server's answer.
public struct FakeTelnyxWebhookDelivery: Sendable, Equatable {
    /// `data.event_type`.
    public var eventType: String
    /// `data.id` (the same on retries and duplicates).
    public var eventId: String
    /// `meta.attempt`.
    public var attempt: Int
    /// The server's HTTP status; nil when the request failed.
    public var httpStatus: Int?
    /// The exact body sent.
    public var body: String
    /// Milliseconds since dial.
    public var atMilliseconds: Int
}

/// The §4.1 envelope: `{"data":{"event_type","id","occurred_at","payload","record_type":"event"},"meta":{"attempt","delivered_to"}}`.
public enum FakeTelnyxWebhookEnvelope {
    /// The exact body bytes (sorted keys, unescaped slashes) as text.
    public static func body(
        eventType: String, id: String, occurredAt: String, payload: [String: FakeTelnyxJSON], attempt: Int, deliveredTo: String
    ) -> String {
        FakeTelnyxJSON.object([
            "data": .object([
                "event_type": .string(eventType),
                "id": .string(id),
                "occurred_at": .string(occurredAt),
                "payload": .object(payload),
                "record_type": .string("event"),
            ]),
            "meta": .object(["attempt": .int(attempt), "delivered_to": .string(deliveredTo)]),
        ]).text
    }
}

/// POSTs signed Call Control webhooks to the server, retrying non-2xx answers with `meta.attempt` incremented.
struct FakeTelnyxWebhookSender: Sendable {
    let serverURL: String
    let publicURL: String
    let signer: FakeTelnyxSigner
    let options: FakeTelnyxWebhookOptions
    let httpClient: HTTPClient
    let started: ContinuousClock.Instant

    private static func join(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// Delivers one event (with retries and the optional duplicate); returns every attempt in order.
    func send(eventType: String, payload: [String: FakeTelnyxJSON]) async -> [FakeTelnyxWebhookDelivery] {
        let id = FakeTelnyxIDs.uuid()
        let occurredAt = FakeTelnyxDates.iso8601(Date())
        var deliveries: [FakeTelnyxWebhookDelivery] = []
        var attempt = 1
        var delivered = false
        while attempt <= max(1, options.maxAttempts) {
            let delivery = await post(eventType: eventType, id: id, occurredAt: occurredAt, payload: payload, attempt: attempt)
            deliveries.append(delivery)
            attempt += 1
            if let status = delivery.httpStatus, (200..<300).contains(status) {
                delivered = true
                break
            }
            if attempt <= options.maxAttempts { try? await Task.sleep(for: options.retryDelay) }
        }
        if delivered && options.duplicateEvents.contains(eventType) {
            deliveries.append(await post(eventType: eventType, id: id, occurredAt: occurredAt, payload: payload, attempt: attempt))
        }
        return deliveries
    }

    private func post(
        eventType: String, id: String, occurredAt: String, payload: [String: FakeTelnyxJSON], attempt: Int
    ) async -> FakeTelnyxWebhookDelivery {
        let body = FakeTelnyxWebhookEnvelope.body(
            eventType: eventType, id: id, occurredAt: occurredAt, payload: payload, attempt: attempt,
            deliveredTo: Self.join(publicURL, options.path))
        var request = HTTPClientRequest(url: Self.join(serverURL, options.path))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "telnyx-webhooks")
        let now = Int64(Date().timeIntervalSince1970)
        switch options.signing {
        case .valid:
            request.headers.add(name: "telnyx-timestamp", value: String(now))
            request.headers.add(name: "telnyx-signature-ed25519", value: signer.signature(timestamp: now, body: Array(body.utf8)))
        case .none:
            break
        case .bad:
            request.headers.add(name: "telnyx-timestamp", value: String(now))
            request.headers.add(
                name: "telnyx-signature-ed25519", value: signer.signature(timestamp: now, body: Array((body + " ").utf8)))
        case .staleTimestamp(let seconds):
            let stale = now - Int64(seconds)
            request.headers.add(name: "telnyx-timestamp", value: String(stale))
            request.headers.add(name: "telnyx-signature-ed25519", value: signer.signature(timestamp: stale, body: Array(body.utf8)))
        }
        request.body = .bytes(ByteBuffer(string: body))
        var status: Int?
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(options.timeout.nanosecondsClamped))
            _ = try? await response.body.collect(upTo: 1 << 20)
            status = Int(response.status.code)
        } catch {
            status = nil
        }
        let elapsed = ContinuousClock.now - started
        let at = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return FakeTelnyxWebhookDelivery(
            eventType: eventType, eventId: id, attempt: attempt, httpStatus: status, body: body, atMilliseconds: at)
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1_000_000_000 else { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Who the call is: the ids and numbers every payload carries.
public struct FakeTelnyxCallIdentity: Sendable, Equatable {
    public var callControlId: String
    public var callLegId: String
    public var callSessionId: String
    public var connectionId: String
    public var from: String
    public var to: String
    public var startTime: String

    /// A new inbound call from `from` to `to`, with fresh Telnyx-shaped ids, starting now.
    public init(
        callControlId: String = FakeTelnyxIDs.callControlId(), callLegId: String = FakeTelnyxIDs.uuid(),
        callSessionId: String = FakeTelnyxIDs.uuid(), connectionId: String = FakeTelnyxIDs.connectionId(),
        from: String, to: String, startTime: String = FakeTelnyxDates.iso8601(Date())
    ) {
        self.callControlId = callControlId
        self.callLegId = callLegId
        self.callSessionId = callSessionId
        self.connectionId = connectionId
        self.from = from
        self.to = to
        self.startTime = startTime
    }
}

/// The payloads of the events (telephony.md §4.2), realistic down to the empty arrays.
public enum FakeTelnyxPayloads {
    private static func common(_ call: FakeTelnyxCallIdentity, clientState: String?) -> [String: FakeTelnyxJSON] {
        [
            "call_control_id": .string(call.callControlId),
            "call_leg_id": .string(call.callLegId),
            "call_session_id": .string(call.callSessionId),
            "connection_id": .string(call.connectionId),
            "client_state": clientState.map { .string($0) } ?? .null,
        ]
    }

    private static func numbers(_ call: FakeTelnyxCallIdentity) -> [String: FakeTelnyxJSON] {
        ["from": .string(call.from), "to": .string(call.to), "start_time": .string(call.startTime)]
    }

    /// `call.initiated` of an incoming call, parked until `answer`.
    public static func initiated(_ call: FakeTelnyxCallIdentity) -> [String: FakeTelnyxJSON] {
        var payload = common(call, clientState: nil).merging(numbers(call)) { a, _ in a }
        payload["direction"] = .string("incoming")
        payload["state"] = .string("parked")
        payload["caller_id_name"] = .string(call.from)
        payload["calling_party_type"] = .string("pstn")
        payload["from_sip_uri"] = .string("\(call.from)@sip.telnyx.com")
        payload["to_sip_uri"] = .string("\(call.to)@sip.telnyx.com")
        payload["offered_codecs"] = .string("PCMU,PCMA,G722")
        payload["connection_codecs"] = .string("G722,PCMU,PCMA,G729,OPUS,VP8,H264")
        payload["custom_headers"] = .array([])
        payload["sip_headers"] = .array([])
        payload["tags"] = .array([])
        payload["shaken_stir_attestation"] = .string("A")
        payload["shaken_stir_validated"] = .bool(true)
        return payload
    }

    /// `call.answered`.
    public static func answered(_ call: FakeTelnyxCallIdentity, clientState: String?) -> [String: FakeTelnyxJSON] {
        var payload = common(call, clientState: clientState).merging(numbers(call)) { a, _ in a }
        payload["state"] = .string("answered")
        payload["codec"] = .string("PCMU")
        payload["sampling_rate"] = .int(8000)
        payload["custom_headers"] = .array([])
        payload["sip_headers"] = .array([])
        payload["tags"] = .array([])
        return payload
    }

    /// `streaming.started` / `streaming.stopped`.
    public static func streaming(_ call: FakeTelnyxCallIdentity, clientState: String?, streamURL: String) -> [String: FakeTelnyxJSON] {
        var payload = common(call, clientState: clientState)
        payload["stream_url"] = .string(streamURL)
        return payload
    }

    static func streamingFailed(
        _ call: FakeTelnyxCallIdentity, clientState: String?, streamURL: String, streamId: String, track: String, reason: String
    ) -> [String: FakeTelnyxJSON] {
        var payload = common(call, clientState: clientState)
        payload["failure_reason"] = .string(reason)
        payload["stream_id"] = .string(streamId)
        payload["stream_type"] = .string("websocket")
        payload["stream_params"] = .object(["stream_url": .string(streamURL), "track": .string(track)])
        return payload
    }

    /// `call.hangup` (`hangup_source` `caller` or `callee`).
    public static func hangup(_ call: FakeTelnyxCallIdentity, clientState: String?, cause: String, source: String) -> [String: FakeTelnyxJSON] {
        var payload = common(call, clientState: clientState).merging(numbers(call)) { a, _ in a }
        payload["state"] = .string("hangup")
        payload["hangup_cause"] = .string(cause)
        payload["hangup_source"] = .string(source)
        payload["sip_hangup_cause"] = .string(cause == "normal_clearing" ? "200" : "unspecified")
        payload["custom_headers"] = .array([])
        payload["sip_headers"] = .array([])
        payload["tags"] = .array([])
        return payload
    }

    static func dtmf(_ call: FakeTelnyxCallIdentity, clientState: String?, digit: String) -> [String: FakeTelnyxJSON] {
        var payload = common(call, clientState: clientState)
        payload["from"] = .string(call.from)
        payload["to"] = .string(call.to)
        payload["digit"] = .string(digit)
        return payload
    }
}
