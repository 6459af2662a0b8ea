import Foundation
import Testing

@testable import Telnyx

@Suite struct WebhookTests {
    /// §4.1 sample.
    static let initiated = #"""
    {
      "data": {
        "record_type": "event",
        "event_type": "call.initiated",
        "id": "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
        "occurred_at": "2018-02-02T22:25:27.521992Z",
        "payload": {
          "call_control_id": "v3:MdI91X4lWFEs7Igb...",
          "call_leg_id": "428c31b6-7af4-4bcb-b7f5-5013ef9657c1",
          "call_session_id": "428c31b6-abf3-3bc1-b7f4-5013ef9657c1",
          "connection_id": "7267xxxxxxxxxxxxxx",
          "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
          "from": "+15550100", "to": "+15550131",
          "direction": "incoming", "state": "parked",
          "start_time": "2018-02-02T22:25:27.521992Z"
        }
      },
      "meta": {"attempt": 1, "delivered_to": "https://example.com/telnyx/webhook"}
    }
    """#

    /// §4.2 streaming.stopped sample.
    static let streamingStopped = #"""
    {"data":{"record_type":"event","event_type":"streaming.stopped","id":"25dc3731-...",
     "occurred_at":"2021-12-15T14:11:24.613295Z",
     "payload":{"call_control_id":"31f19208-...","call_leg_id":"31f19208-...","call_session_id":"31f19208-...",
      "client_state":"aGF2ZSBhIG5pY2UgZGF5ID1d","connection_id":"7267xxxxxxxxxxxxxx",
      "stream_url":"wss://www.example.com/websocket"}}}
    """#

    /// §6 test-vector body.
    static let hangup = #"{"data":{"event_type":"call.hangup","id":"e1","occurred_at":"2023-11-14T22:13:20Z","payload":{"call_control_id":"v3:abc","hangup_cause":"normal_clearing","hangup_source":"caller"},"record_type":"event"},"meta":{"attempt":1,"delivered_to":"https://example.com/telnyx"}}"#

    @Test func callInitiatedEnvelope() throws {
        let webhook = try TelnyxWebhook(decoding: Self.initiated)
        #expect(webhook.id == "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0")
        #expect(webhook.eventType == "call.initiated")
        #expect(webhook.recordType == "event")
        #expect(webhook.occurredAt == "2018-02-02T22:25:27.521992Z")
        #expect(webhook.attempt == 1)
        #expect(webhook.deliveredTo == "https://example.com/telnyx/webhook")
        let call = try #require(webhook.call)
        #expect(call.callControlId == "v3:MdI91X4lWFEs7Igb...")
        #expect(call.callLegId == "428c31b6-7af4-4bcb-b7f5-5013ef9657c1")
        #expect(call.callSessionId == "428c31b6-abf3-3bc1-b7f4-5013ef9657c1")
        #expect(call.connectionId == "7267xxxxxxxxxxxxxx")
        #expect(call.clientState == "aGF2ZSBhIG5pY2UgZGF5ID1d")
        #expect(call.decodedClientState == "have a nice day =]")
        guard case .callInitiated(let initiated) = webhook.event else {
            Issue.record("expected call.initiated, got \(webhook.event)")
            return
        }
        #expect(initiated == TelnyxCallInitiated(
            from: "+15550100", to: "+15550131", direction: "incoming", state: "parked", startTime: "2018-02-02T22:25:27.521992Z"))
        #expect(initiated.isIncoming)
    }

    @Test func hangupFields() throws {
        let webhook = try TelnyxWebhook(decoding: Array(Self.hangup.utf8))
        #expect(webhook.id == "e1")
        #expect(webhook.call == TelnyxCallReference(callControlId: "v3:abc"))
        #expect(webhook.event == .callHangup(TelnyxCallHangup(hangupCause: "normal_clearing", hangupSource: "caller")))
    }

    @Test func hangupWithSipCauseAndStats() throws {
        let body = #"{"data":{"event_type":"call.hangup","id":"h2","record_type":"event","payload":{"call_control_id":"v3:x","client_state":null,"hangup_cause":"user_busy","hangup_source":"callee","sip_hangup_cause":"486","state":"hangup","from":"+1","to":"+2","tags":["a"],"call_quality_stats":{"inbound":{"mos":"4.5"},"outbound":{"packet_count":"10"}}}},"meta":{"attempt":2,"delivered_to":"https://e"}}"#
        let webhook = try TelnyxWebhook(decoding: body)
        #expect(webhook.attempt == 2)
        #expect(webhook.call?.clientState == nil)
        #expect(webhook.event == .callHangup(TelnyxCallHangup(
            hangupCause: "user_busy", hangupSource: "callee", sipHangupCause: "486", from: "+1", to: "+2", state: "hangup")))
    }

    @Test func answered() throws {
        let body = #"{"data":{"event_type":"call.answered","id":"a1","record_type":"event","payload":{"call_control_id":"v3:x","call_leg_id":"l","call_session_id":"s","client_state":"","connection_id":"c","from":"+1","to":"+2","state":"answered","codec":"PCMU","sampling_rate":8000,"start_time":"t"}}}"#
        let webhook = try TelnyxWebhook(decoding: body)
        #expect(webhook.call?.clientState == nil, "empty client_state is treated as unset")
        #expect(webhook.attempt == nil)
        #expect(webhook.event == .callAnswered(TelnyxCallAnswered(from: "+1", to: "+2", state: "answered", startTime: "t")))
    }

    @Test func streamingStopped() throws {
        let webhook = try TelnyxWebhook(decoding: Self.streamingStopped)
        #expect(webhook.id == "25dc3731-...")
        #expect(webhook.call?.callControlId == "31f19208-...")
        #expect(webhook.event == .streamingStopped(TelnyxStreamingEvent(streamURL: "wss://www.example.com/websocket")))
        let started = try TelnyxWebhook(decoding: Self.streamingStopped.replacingOccurrences(of: "streaming.stopped", with: "streaming.started"))
        #expect(started.event == .streamingStarted(TelnyxStreamingEvent(streamURL: "wss://www.example.com/websocket")))
    }

    @Test func streamingFailed() throws {
        let body = #"{"data":{"event_type":"streaming.failed","id":"f1","record_type":"event","payload":{"call_control_id":"v3:x","failure_reason":"connection_failed","stream_id":"1583b3f4","stream_type":"websocket","stream_params":{"stream_url":"wss://e/media","track":"inbound_track"}}}}"#
        let webhook = try TelnyxWebhook(decoding: body)
        #expect(webhook.event == .streamingFailed(TelnyxStreamingFailed(
            failureReason: "connection_failed", streamId: "1583b3f4", streamType: "websocket", streamURL: "wss://e/media", track: "inbound_track")))
    }

    @Test func dtmfReceived() throws {
        let body = ##"{"data":{"event_type":"call.dtmf.received","id":"d1","record_type":"event","payload":{"call_control_id":"v3:x","digit":"#","from":"+1","to":"+2"}}}"##
        #expect(try TelnyxWebhook(decoding: body).event == .dtmfReceived(TelnyxDTMFReceived(digit: "#", from: "+1", to: "+2")))
        let noDigit = #"{"data":{"event_type":"call.dtmf.received","id":"d1","payload":{"call_control_id":"v3:x"}}}"#
        #expect(throws: TelnyxWebhookError.missingField(eventType: "call.dtmf.received", field: "data.payload.digit")) {
            try TelnyxWebhook(decoding: noDigit)
        }
    }

    @Test func otherEventsAreKeptByName() throws {
        let speak = #"{"data":{"event_type":"call.speak.ended","id":"s1","record_type":"event","payload":{"call_control_id":"v3:x","status":"completed"}}}"#
        let webhook = try TelnyxWebhook(decoding: speak)
        #expect(webhook.event == .other(eventType: "call.speak.ended"))
        #expect(webhook.call?.callControlId == "v3:x")
        // A payload shape we do not model must not fail an event we do not handle.
        let odd = #"{"data":{"event_type":"call.recording.saved","id":"r1","payload":{"call_control_id":42,"from":["x"]}}}"#
        let oddWebhook = try TelnyxWebhook(decoding: odd)
        #expect(oddWebhook.event == .other(eventType: "call.recording.saved"))
        #expect(oddWebhook.call == nil)
    }

    @Test func handledEventWithBadPayloadIsRejected() {
        let body = #"{"data":{"event_type":"call.hangup","id":"h","payload":{"call_control_id":42}}}"#
        #expect {
            try TelnyxWebhook(decoding: body)
        } throws: { error in
            guard case TelnyxWebhookError.invalidField(let type, let field, _) = error else { return false }
            return type == "call.hangup" && field == "data.payload.call_control_id"
        }
    }

    @Test func missingRequiredFields() {
        #expect(throws: TelnyxWebhookError.missingField(eventType: "call.hangup", field: "data.payload.call_control_id")) {
            try TelnyxWebhook(decoding: #"{"data":{"event_type":"call.hangup","id":"h","payload":{"hangup_cause":"timeout"}}}"#)
        }
        #expect(throws: TelnyxWebhookError.missingField(eventType: "call.answered", field: "data.payload")) {
            try TelnyxWebhook(decoding: #"{"data":{"event_type":"call.answered","id":"h"}}"#)
        }
        #expect(throws: TelnyxWebhookError.missingField(eventType: "call.hangup", field: "data.id")) {
            try TelnyxWebhook(decoding: #"{"data":{"event_type":"call.hangup","payload":{"call_control_id":"v3:x"}}}"#)
        }
        #expect(throws: TelnyxWebhookError.missingField(eventType: nil, field: "data.event_type")) {
            try TelnyxWebhook(decoding: #"{"data":{"id":"x"}}"#)
        }
    }

    @Test(arguments: ["", "not json", "[1,2]", "{\"data\":", "{\"meta\":{}}", "{\"data\":\"x\"}"])
    func malformedBodies(body: String) {
        #expect {
            try TelnyxWebhook(decoding: body)
        } throws: { error in
            switch error as? TelnyxWebhookError {
            case .malformedJSON, .invalidField: true
            default: false
            }
        }
    }

    @Test func clientStateHelpers() {
        #expect(TelnyxClientState.encode("{\"s\":\"7f1c\"}") == "eyJzIjoiN2YxYyJ9")
        #expect(TelnyxClientState.decode("eyJzIjoiN2YxYyJ9") == "{\"s\":\"7f1c\"}")
        #expect(TelnyxClientState.decode("%%%") == nil)
        #expect(TelnyxClientState.decode("") == nil)
    }
}
