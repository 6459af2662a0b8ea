import WireJSON

/// A frame we send to Telnyx on a bidirectional media stream (telephony.md §5.3).
/// No `stream_id` is needed. Works only if the stream was started with `stream_bidirectional_mode`.
public enum TelnyxOutboundMessage: Sendable, Equatable {
    /// Audio to play: base64 raw codec bytes in the `stream_bidirectional_codec` (no RTP/WAV header), 20 ms to 30 s.
    case media(payload: String)
    /// A marker queued after the audio; Telnyx echoes it when that audio has played (or was cleared).
    case mark(name: String)
    /// Stop playback, drop queued audio; Telnyx then returns the queued marks.
    case clear

    /// The JSON text frame, built directly (no encoder).
    public var json: String {
        switch self {
        case .media(let payload): Self.mediaJSON(payload: payload)
        case .mark(let name): Self.markJSON(name: name)
        case .clear: Self.clearJSON
        }
    }

    /// `{"event":"media","media":{"payload":"…"}}`
    public static func mediaJSON(payload: String) -> String {
        var out = ""
        out.reserveCapacity(payload.utf8.count + 48)
        out += #"{"event":"media","media":{"payload":"#
        JSONQuoting.append(payload, to: &out)
        out += "}}"
        return out
    }

    /// `{"event":"mark","mark":{"name":"…"}}`
    public static func markJSON(name: String) -> String {
        var out = #"{"event":"mark","mark":{"name":"#
        JSONQuoting.append(name, to: &out)
        out += "}}"
        return out
    }

    /// `{"event":"clear"}`
    public static let clearJSON = #"{"event":"clear"}"#
}
