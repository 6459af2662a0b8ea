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
        TelnyxJSONText.appendQuoted(payload, to: &out)
        out += "}}"
        return out
    }

    /// `{"event":"mark","mark":{"name":"…"}}`
    public static func markJSON(name: String) -> String {
        var out = #"{"event":"mark","mark":{"name":"#
        TelnyxJSONText.appendQuoted(name, to: &out)
        out += "}}"
        return out
    }

    /// `{"event":"clear"}`
    public static let clearJSON = #"{"event":"clear"}"#
}

/// Minimal JSON string escaping for hand-built frames.
enum TelnyxJSONText {
    /// Appends `"value"` with JSON escapes; strings that need none (base64) are copied as-is.
    static func appendQuoted(_ value: String, to out: inout String) {
        out += "\""
        if !value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            out += value
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
