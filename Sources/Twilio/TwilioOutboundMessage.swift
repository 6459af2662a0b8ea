import WireJSON

/// A message we send to Twilio on a bidirectional Media Streams socket (telephony.md §1.3).
/// Each one must carry the stream's `streamSid`, or Twilio drops it (warning 31951).
public enum TwilioOutboundMessage: Sendable, Equatable {
    /// Audio to play: base64 mu-law 8 kHz, no file header.
    case media(streamSid: String, payload: String)
    /// A marker queued after the audio; Twilio echoes it when that audio has played.
    case mark(streamSid: String, name: String)
    /// Stop playback, drop queued audio; Twilio then echoes every pending mark.
    case clear(streamSid: String)

    /// The JSON text frame, built directly (no encoder).
    public var json: String {
        switch self {
        case .media(let streamSid, let payload): Self.mediaJSON(streamSid: streamSid, payload: payload)
        case .mark(let streamSid, let name): Self.markJSON(streamSid: streamSid, name: name)
        case .clear(let streamSid): Self.clearJSON(streamSid: streamSid)
        }
    }

    /// `{"event":"media","streamSid":"…","media":{"payload":"…"}}`
    public static func mediaJSON(streamSid: String, payload: String) -> String {
        var out = ""
        out.reserveCapacity(payload.utf8.count + streamSid.utf8.count + 64)
        out += #"{"event":"media","streamSid":"#
        JSONQuoting.append(streamSid, to: &out)
        out += #","media":{"payload":"#
        JSONQuoting.append(payload, to: &out)
        out += "}}"
        return out
    }

    /// `{"event":"mark","streamSid":"…","mark":{"name":"…"}}`
    public static func markJSON(streamSid: String, name: String) -> String {
        var out = ""
        out.reserveCapacity(name.utf8.count + streamSid.utf8.count + 64)
        out += #"{"event":"mark","streamSid":"#
        JSONQuoting.append(streamSid, to: &out)
        out += #","mark":{"name":"#
        JSONQuoting.append(name, to: &out)
        out += "}}"
        return out
    }

    /// `{"event":"clear","streamSid":"…"}`
    public static func clearJSON(streamSid: String) -> String {
        var out = #"{"event":"clear","streamSid":"#
        JSONQuoting.append(streamSid, to: &out)
        out += "}"
        return out
    }
}
