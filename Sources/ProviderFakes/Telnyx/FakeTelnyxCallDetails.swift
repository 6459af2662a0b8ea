import Foundation

/// The Telnyx side of a `FakeCallResult`: ids, the commands the phone saw and the webhooks it delivered.
public struct FakeTelnyxCallDetails: Sendable, CustomStringConvertible {
    /// `call_control_id` (`v3:…`).
    public var callControlId: String
    /// `call_leg_id`.
    public var callLegId: String
    /// `call_session_id`.
    public var callSessionId: String
    /// `connection_id`.
    public var connectionId: String
    /// The last `client_state` a command set (base64), nil if none.
    public var clientState: String?
    /// `hangup_cause` of the `call.hangup` webhook.
    public var hangupCause: String?
    /// `hangup_source` of the `call.hangup` webhook.
    public var hangupSource: String?
    /// Every stream's `stream_id`, in order.
    public var streamIds: [String]
    /// Every command the Call Control API received for the call while it was live, in order.
    public var commands: [FakeTelnyxCommandDelivery]
    /// Every webhook delivery attempt, in order.
    public var webhooks: [FakeTelnyxWebhookDelivery]
    /// Inbound `media` frames sent.
    public var mediaFramesSent: Int
    /// Frames received from the server (valid or not).
    public var framesReceived: Int
    /// Frames that arrived after the call ended but before the phone's `stop` (dropped, not violations).
    public var framesDroppedAfterHangup: Int

    /// `client_state` decoded from base64 as UTF-8 text.
    public var decodedClientState: String? {
        clientState.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Ids, hang-up, counters, commands and webhooks, one per line.
    public var description: String {
        var lines = [
            "telnyx call_control_id \(callControlId) leg \(callLegId) session \(callSessionId) connection \(connectionId)",
            "  hangup: \(hangupCause ?? "-") by \(hangupSource ?? "-"); client_state: \(decodedClientState ?? "-")",
            "  media frames sent: \(mediaFramesSent), frames received: \(framesReceived) (\(framesDroppedAfterHangup) after hang-up, dropped), streams: \(streamIds)",
        ]
        lines += commands.map {
            "  command \($0.action.rawValue) → \($0.httpStatus)\($0.errorCode.map { " code \($0)" } ?? "")\($0.duplicate ? " (duplicate command_id)" : "")"
        }
        lines += webhooks.map {
            "  webhook \($0.eventType) attempt \($0.attempt) at \($0.atMilliseconds) ms → \($0.httpStatus.map(String.init) ?? "failed")"
        }
        return lines.joined(separator: "\n")
    }
}
