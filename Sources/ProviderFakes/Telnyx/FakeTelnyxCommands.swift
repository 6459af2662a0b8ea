import Foundation

/// The Call Control actions the fake implements (`POST /v2/calls/{call_control_id}/actions/{action}`).
public enum FakeTelnyxAction: String, Sendable, Equatable, CaseIterable {
    /// `answer` a parked call (optionally with `stream_url`).
    case answer
    /// `streaming_start`.
    case streamingStart = "streaming_start"
    /// `streaming_stop`.
    case streamingStop = "streaming_stop"
    /// `hangup`.
    case hangup
    /// `transfer` (needs `to`).
    case transfer
}

/// One `{"name": …, "value": …}` of `custom_parameters`.
public struct FakeTelnyxCustomParameter: Sendable, Equatable {
    /// The key in `start.custom_parameters`.
    public var name: String
    /// Its value.
    public var value: String
}

/// The stream a command asked for (`answer` with `stream_url`, or `streaming_start`), as validated.
public struct FakeTelnyxStreamRequest: Sendable, Equatable {
    /// `stream_url` (`wss://…`; `ws://` is accepted for loopback tests).
    public var streamURL: String
    /// `stream_track`: `inbound_track` (default), `outbound_track` or `both_tracks`.
    public var track: String
    /// `stream_codec`; nil or `default` means PCMU here.
    public var codec: String?
    /// `stream_bidirectional_mode`: `rtp` or `mp3`; nil makes a one-way stream (what the server sends is dropped).
    public var bidirectionalMode: String?
    /// `stream_bidirectional_codec` (only with `rtp`).
    public var bidirectionalCodec: String?
    /// `stream_bidirectional_sampling_rate` (streaming_start only).
    public var bidirectionalSamplingRate: Int?
    /// `stream_auth_token`, sent back as `x-telnyx-streaming-auth-token` (streaming_start only).
    public var authToken: String?
    /// `custom_parameters`, sent as the object `start.custom_parameters` (streaming_start only).
    public var customParameters: [FakeTelnyxCustomParameter]

    /// `media_format.encoding` of the frames the phone sends.
    var encoding: String {
        guard let codec, codec != "default" else { return "PCMU" }
        return codec
    }
}

/// A command the fake executed, as delivered to the phone.
public enum FakeTelnyxCommand: Sendable, Equatable {
    /// `answer`, optionally starting a stream.
    case answer(stream: FakeTelnyxStreamRequest?)
    /// `streaming_start`.
    case streamingStart(FakeTelnyxStreamRequest)
    /// `streaming_stop` (optional `stream_id`).
    case streamingStop(streamId: String?)
    /// `hangup`.
    case hangup
    /// `transfer` to `to`.
    case transfer(to: String)
}

/// A Telnyx API error answer: HTTP status plus one `{"code","title","detail","source"}` (code is a string).
public struct FakeTelnyxAPIError: Error, Sendable, Equatable {
    /// HTTP status.
    public var status: Int
    /// Telnyx error code (a string, e.g. `"90018"`).
    public var code: String
    /// Short title.
    public var title: String
    /// Explanation.
    public var detail: String
    /// JSON pointer of the offending parameter (`/stream_url`).
    public var pointer: String?

    /// `{"errors":[{…}]}`.
    public var json: String {
        var error: [String: FakeTelnyxJSON] = [
            "code": .string(code), "title": .string(title), "detail": .string(detail),
            "meta": .object(["url": .string("https://developers.telnyx.com/docs/overview/errors/\(code)")]),
        ]
        if let pointer { error["source"] = .object(["pointer": .string(pointer)]) }
        return FakeTelnyxJSON.object(["errors": .array([.object(error)])]).text
    }

    /// 422, `90018`: the exact body of telephony.md §4.4.
    public static let callEnded = FakeTelnyxAPIError(
        status: 422, code: "90018", title: "Call has already ended",
        detail: "This call is no longer active and can't receive commands.")
    static let unauthorized = FakeTelnyxAPIError(
        status: 401, code: "10009", title: "Authentication failed",
        detail: "The required authentication headers were either invalid or not included in the request.")
    static let notFound = FakeTelnyxAPIError(
        status: 404, code: "10005", title: "Resource not found", detail: "The requested resource or URL could not be found.")
    static func unexpected(status: Int) -> FakeTelnyxAPIError {
        FakeTelnyxAPIError(status: status, code: "10007", title: "Unexpected error", detail: "An unexpected error occured.")
    }
    static let unsupportedMediaType = FakeTelnyxAPIError(
        status: 415, code: "10014", title: "Unsupported Media Type",
        detail: "The request failed because the server does not support the media type.")
    static let malformedBody = FakeTelnyxAPIError(
        status: 400, code: "10015", title: "Bad Request", detail: "The request failed because it was not well-formed.")
    static func missing(_ parameter: String) -> FakeTelnyxAPIError {
        FakeTelnyxAPIError(
            status: 422, code: "10004", title: "Missing required parameter", detail: "The '\(parameter)' parameter is required.",
            pointer: "/\(parameter)")
    }
    static func invalid(_ parameter: String, _ detail: String) -> FakeTelnyxAPIError {
        FakeTelnyxAPIError(status: 422, code: "10015", title: "Bad Request", detail: detail, pointer: "/\(parameter)")
    }
    static func invalidURL(_ parameter: String) -> FakeTelnyxAPIError {
        FakeTelnyxAPIError(
            status: 422, code: "10003", title: "Invalid URL",
            detail: "The URL provided was invalid, malformed, or too long. URLs can be a maximum of 2000 characters.",
            pointer: "/\(parameter)")
    }
    /// A command the call's state does not allow (not answered yet, already answered, no stream …).
    static func invalidState(_ detail: String) -> FakeTelnyxAPIError {
        FakeTelnyxAPIError(status: 422, code: "10015", title: "Bad Request", detail: detail)
    }
}

/// Validates a command body against §4.3 (types, enums, base64 `client_state`, codec only with `rtp`, …).
/// Unknown members are ignored, as Telnyx does.
enum FakeTelnyxCommandValidator {
    static let tracks: Set<String> = ["inbound_track", "outbound_track", "both_tracks"]
    static let streamCodecs: Set<String> = ["PCMU", "PCMA", "G722", "OPUS", "AMR-WB", "L16", "default"]
    static let bidirectionalCodecs: Set<String> = ["PCMU", "PCMA", "G722", "OPUS", "AMR-WB", "L16"]
    static let bidirectionalModes: Set<String> = ["mp3", "rtp"]
    static let targetLegs: Set<String> = ["both", "self", "opposite"]
    static let samplingRates: Set<Int> = [8000, 16000, 22050, 24000, 48000]

    static func validate(_ action: FakeTelnyxAction, body: [String: FakeTelnyxJSON]) -> Result<FakeTelnyxCommand, FakeTelnyxAPIError> {
        do {
            try common(body)
            switch action {
            case .answer:
                return .success(.answer(stream: try stream(body, streamingStart: false)))
            case .streamingStart:
                if body["enable_dialogflow"] == .bool(true) {
                    throw FakeTelnyxAPIError.invalid("enable_dialogflow", "The fake supports WebSocket streams only.")
                }
                guard let request = try stream(body, streamingStart: true) else { throw FakeTelnyxAPIError.missing("stream_url") }
                return .success(.streamingStart(request))
            case .streamingStop:
                return .success(.streamingStop(streamId: try string(body, "stream_id")))
            case .hangup:
                return .success(.hangup)
            case .transfer:
                guard let to = try string(body, "to") else { throw FakeTelnyxAPIError.missing("to") }
                guard isNumberOrSIP(to) else {
                    throw FakeTelnyxAPIError.invalid("to", "The 'to' parameter must be an E.164 number or a SIP URI.")
                }
                if let from = try string(body, "from"), !isNumberOrSIP(from) {
                    throw FakeTelnyxAPIError.invalid("from", "The 'from' parameter must be an E.164 number or a SIP URI.")
                }
                if let timeout = try int(body, "timeout_secs"), !(5...600).contains(timeout) {
                    throw FakeTelnyxAPIError.invalid("timeout_secs", "timeout_secs must be between 5 and 600.")
                }
                if let limit = try int(body, "time_limit_secs"), limit <= 0 {
                    throw FakeTelnyxAPIError.invalid("time_limit_secs", "time_limit_secs must be positive.")
                }
                return .success(.transfer(to: to))
            }
        } catch let error as FakeTelnyxAPIError {
            return .failure(error)
        } catch {
            return .failure(.malformedBody)
        }
    }

    /// `client_state` must be base64 (Telnyx rejects anything else); `command_id` a string.
    private static func common(_ body: [String: FakeTelnyxJSON]) throws {
        if let state = try string(body, "client_state"), !isBase64(state) {
            throw FakeTelnyxAPIError.invalid("client_state", "client_state must be a valid Base64 string.")
        }
        _ = try string(body, "command_id")
    }

    private static func stream(_ body: [String: FakeTelnyxJSON], streamingStart: Bool) throws -> FakeTelnyxStreamRequest? {
        guard let url = try string(body, "stream_url") else { return nil }
        let lowered = url.lowercased()
        guard url.count <= 2000, lowered.hasPrefix("wss://") || lowered.hasPrefix("ws://"), URL(string: url)?.host != nil else {
            throw FakeTelnyxAPIError.invalidURL("stream_url")
        }
        let track = try string(body, "stream_track") ?? "inbound_track"
        guard tracks.contains(track) else { throw FakeTelnyxAPIError.invalid("stream_track", "Invalid stream_track '\(track)'.") }
        let codec = try string(body, "stream_codec")
        if let codec, !streamCodecs.contains(codec) {
            throw FakeTelnyxAPIError.invalid("stream_codec", "Invalid stream_codec '\(codec)'.")
        }
        let mode = try string(body, "stream_bidirectional_mode")
        if let mode, !bidirectionalModes.contains(mode) {
            throw FakeTelnyxAPIError.invalid("stream_bidirectional_mode", "Invalid stream_bidirectional_mode '\(mode)'.")
        }
        let biCodec = try string(body, "stream_bidirectional_codec")
        if let biCodec {
            guard bidirectionalCodecs.contains(biCodec) else {
                throw FakeTelnyxAPIError.invalid(
                    "stream_bidirectional_codec", "Invalid stream_bidirectional_codec '\(biCodec)' (case sensitive).")
            }
            guard mode == "rtp" else {
                throw FakeTelnyxAPIError.invalid(
                    "stream_bidirectional_codec", "stream_bidirectional_codec is only allowed with stream_bidirectional_mode 'rtp'.")
            }
        }
        if let legs = try string(body, "stream_bidirectional_target_legs"), !targetLegs.contains(legs) {
            throw FakeTelnyxAPIError.invalid("stream_bidirectional_target_legs", "Invalid stream_bidirectional_target_legs '\(legs)'.")
        }
        var rate: Int?
        var token: String?
        var parameters: [FakeTelnyxCustomParameter] = []
        if streamingStart {
            rate = try int(body, "stream_bidirectional_sampling_rate")
            if let rate, !samplingRates.contains(rate) {
                throw FakeTelnyxAPIError.invalid("stream_bidirectional_sampling_rate", "Invalid stream_bidirectional_sampling_rate \(rate).")
            }
            if rate != nil && mode != "rtp" {
                throw FakeTelnyxAPIError.invalid(
                    "stream_bidirectional_sampling_rate", "stream_bidirectional_sampling_rate is only allowed with mode 'rtp'.")
            }
            token = try string(body, "stream_auth_token")
            if let token, token.count > 4000 {
                throw FakeTelnyxAPIError.invalid("stream_auth_token", "stream_auth_token is longer than 4000 characters.")
            }
            if let raw = body["custom_parameters"], raw != .null {
                guard case .array(let items) = raw else {
                    throw FakeTelnyxAPIError.invalid("custom_parameters", "custom_parameters must be an array of {name, value}.")
                }
                for item in items {
                    guard let name = item["name"]?.stringValue, let value = item["value"]?.stringValue else {
                        throw FakeTelnyxAPIError.invalid("custom_parameters", "each custom parameter needs string 'name' and 'value'.")
                    }
                    parameters.append(FakeTelnyxCustomParameter(name: name, value: value))
                }
            }
        }
        return FakeTelnyxStreamRequest(
            streamURL: url, track: track, codec: codec, bidirectionalMode: mode, bidirectionalCodec: biCodec,
            bidirectionalSamplingRate: rate, authToken: token, customParameters: parameters)
    }

    /// A string member (nil when absent or null); any other type is a 422.
    static func string(_ body: [String: FakeTelnyxJSON], _ key: String) throws -> String? {
        switch body[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw FakeTelnyxAPIError.invalid(key, "The '\(key)' parameter must be a string.")
        }
    }

    /// An integer member (nil when absent or null); any other type is a 422.
    static func int(_ body: [String: FakeTelnyxJSON], _ key: String) throws -> Int? {
        guard let value = body[key], value != .null else { return nil }
        guard let int = value.intValue else { throw FakeTelnyxAPIError.invalid(key, "The '\(key)' parameter must be an integer.") }
        return int
    }

    /// Standard base64 with padding (what `Data(base64Encoded:)` accepts, no whitespace).
    static func isBase64(_ text: String) -> Bool {
        guard text.utf8.count % 4 == 0 else { return false }
        return Data(base64Encoded: text) != nil
    }

    static func isNumberOrSIP(_ text: String) -> Bool {
        if text.hasPrefix("sip:") { return text.count > 4 }
        let digits = text.dropFirst()
        return text.hasPrefix("+") && (2...15).contains(digits.count) && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
            && digits.first != "0"
    }
}
