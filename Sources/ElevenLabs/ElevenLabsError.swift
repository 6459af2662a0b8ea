import Foundation
import NIOCore

/// Why ElevenLabs rejected a request with 429 (`detail.status`); there is no `Retry-After` header.
public enum ElevenLabsRateLimitReason: Sendable, Equatable, CustomStringConvertible {
    /// Over the plan's concurrency: retry shortly.
    case tooManyConcurrentRequests
    /// Server overload: back off.
    case systemBusy
    /// Another or missing `detail.status`.
    case other(String?)

    init(status: String?) {
        switch status {
        case "too_many_concurrent_requests": self = .tooManyConcurrentRequests
        case "system_busy": self = .systemBusy
        default: self = .other(status)
        }
    }

    public var description: String {
        switch self {
        case .tooManyConcurrentRequests: "too_many_concurrent_requests"
        case .systemBusy: "system_busy"
        case .other(let status): status ?? "unknown"
        }
    }
}

/// Which deadline of a synthesis expired.
public enum ElevenLabsTimeoutPhase: String, Sendable, Equatable {
    case firstByte = "first_byte"
    case total
}

/// Typed failure of a synthesis. Task or explicit cancellation is reported as `CancellationError` instead.
public enum ElevenLabsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `quota_exceeded` (a 401, but not a bad key): fatal until billing changes.
    case quotaExceeded(message: String)
    /// `invalid_api_key`: fatal configuration error.
    case invalidAPIKey(message: String)
    /// Other 401/402/403 answers (`missing_permissions`, `detected_unusual_activity`, `paid_plan_required`, …).
    case unauthorized(httpStatus: Int, status: String?, message: String)
    /// 422 request schema error (the `detail` list joined into one line).
    case validation(message: String)
    /// `max_character_limit_exceeded`: split the text.
    case textTooLong(message: String)
    /// 429; no `Retry-After`.
    case rateLimited(reason: ElevenLabsRateLimitReason, message: String)
    /// `voice_not_found`: bad voice id.
    case voiceNotFound(message: String)
    /// Any other non-2xx answer; `body` is truncated for logs.
    case http(status: Int, body: String)
    /// Connection failed or broke (including mid-stream, after some audio).
    case transport(String)
    /// A deadline of the synthesis expired.
    case timeout(ElevenLabsTimeoutPhase, after: Duration)
    /// Rejected locally before any request (bad voice id, empty text, unsupported option).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .quotaExceeded(let message): "ElevenLabs quota exceeded (401 quota_exceeded): \(message)"
        case .invalidAPIKey(let message): "ElevenLabs rejected the API key (401 invalid_api_key): \(message)"
        case .unauthorized(let http, let status, let message): "ElevenLabs refused the request (\(http) \(status ?? "no status")): \(message)"
        case .validation(let message): "ElevenLabs validation error (422): \(message)"
        case .textTooLong(let message): "ElevenLabs text too long (max_character_limit_exceeded): \(message)"
        case .rateLimited(let reason, let message): "ElevenLabs rate limited (429 \(reason)): \(message)"
        case .voiceNotFound(let message): "ElevenLabs voice not found (voice_not_found): \(message)"
        case .http(let status, let body): "ElevenLabs HTTP \(status): \(body)"
        case .transport(let message): "ElevenLabs transport error: \(message)"
        case .timeout(let phase, let after): "ElevenLabs \(phase.rawValue) timeout after \(after)"
        case .invalidRequest(let message): "ElevenLabs request not sent: \(message)"
        }
    }

    /// Maps a non-2xx answer to an error, reading `{"detail":{"status","message"}}`, the 422 list form and
    /// FastAPI's `{"detail":"text"}`.
    public static func from(httpStatus: Int, body: ByteBuffer) -> ElevenLabsError {
        from(httpStatus: httpStatus, body: Data(body.readableBytesView))
    }

    /// Same as `from(httpStatus:body:)` for raw bytes.
    public static func from(httpStatus: Int, body: Data) -> ElevenLabsError {
        let detail = (try? JSONDecoder().decode(ErrorBody.self, from: body))?.detail
        let text = String(decoding: body.prefix(1024), as: UTF8.self)
        let status: String?
        let message: String
        switch detail {
        case .object(let s, let m):
            status = s
            message = m ?? s ?? text
        case .list(let items):
            status = nil
            message = items.isEmpty ? text : items.joined(separator: "; ")
        case .text(let m):
            status = nil
            message = m
        case nil:
            status = nil
            message = text
        }
        switch status {
        case "quota_exceeded": return .quotaExceeded(message: message)
        case "invalid_api_key": return .invalidAPIKey(message: message)
        case "voice_not_found": return .voiceNotFound(message: message)
        case "max_character_limit_exceeded": return .textTooLong(message: message)
        default: break
        }
        switch httpStatus {
        case 429: return .rateLimited(reason: ElevenLabsRateLimitReason(status: status), message: message)
        case 422: return .validation(message: message)
        case 401, 402, 403: return .unauthorized(httpStatus: httpStatus, status: status, message: message)
        default: return .http(status: httpStatus, body: text)
        }
    }
}

/// `{"detail": …}` where detail is an object, a list of validation items, or a string.
private struct ErrorBody: Decodable {
    enum Detail {
        case object(status: String?, message: String?)
        case list([String])
        case text(String)
    }

    var detail: Detail?

    private struct DetailObject: Decodable {
        var status: String?
        var message: String?
    }

    /// `{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}`
    private struct ValidationItem: Decodable {
        var loc: [LocPart]?
        var msg: String?
        var type: String?

        var line: String {
            let path = (loc ?? []).map(\.text).joined(separator: ".")
            let text = msg ?? type ?? "invalid"
            return path.isEmpty ? text : "\(path): \(text)"
        }
    }

    private enum LocPart: Decodable {
        case text(String)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) {
                self = .text(String(int))
            } else {
                self = .text(try container.decode(String.self))
            }
        }
        var text: String {
            switch self { case .text(let t): t }
        }
    }

    enum CodingKeys: String, CodingKey { case detail }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let object = try? container.decode(DetailObject.self, forKey: .detail) {
            detail = .object(status: object.status, message: object.message)
        } else if let items = try? container.decode([ValidationItem].self, forKey: .detail) {
            detail = .list(items.map(\.line))
        } else if let text = try? container.decode(String.self, forKey: .detail) {
            detail = .text(text)
        } else {
            detail = nil
        }
    }
}
