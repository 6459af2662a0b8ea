/// Why a streamed completion failed. Task cancellation is reported as `CancellationError` instead.
public enum OpenAIChatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401: missing or wrong API key.
    case unauthorized(message: String)
    /// 403: the key may not use this model or endpoint.
    case forbidden(message: String)
    /// 429: `rate_limit_exceeded` (retry later) or `insufficient_quota` (billing); `Retry-After` if sent.
    case rateLimited(code: String?, message: String, retryAfterSeconds: Double?)
    /// 400/404/422: the request itself is wrong (model name, message shape).
    case badRequest(status: Int, code: String?, message: String)
    /// 5xx.
    case server(status: Int, message: String)
    /// Any other non-2xx answer.
    case http(status: Int, message: String)
    /// An `error` object inside an otherwise successful stream.
    case streamError(code: String?, message: String)
    /// A `data:` line that is not a chunk, or an over-long line.
    case malformedStream(String)
    /// The stream ended without `[DONE]` or a finish reason.
    case truncatedStream
    /// Connection failed or broke.
    case transport(String)
    /// The completion exceeded its deadline.
    case timeout(after: Duration)

    public var description: String {
        switch self {
        case .unauthorized(let message): "OpenAI rejected the API key (401): \(message)"
        case .forbidden(let message): "OpenAI refused the request (403): \(message)"
        case .rateLimited(let code, let message, let retry):
            "OpenAI rate limited (429 \(code ?? "rate_limit")): \(message)" + (retry.map { " retry after \($0) s" } ?? "")
        case .badRequest(let status, let code, let message): "OpenAI rejected the request (\(status) \(code ?? "-")): \(message)"
        case .server(let status, let message): "OpenAI server error (\(status)): \(message)"
        case .http(let status, let message): "OpenAI HTTP \(status): \(message)"
        case .streamError(let code, let message): "OpenAI stream error (\(code ?? "-")): \(message)"
        case .malformedStream(let reason): "OpenAI stream malformed: \(reason)"
        case .truncatedStream: "OpenAI stream ended before [DONE]"
        case .transport(let reason): "OpenAI transport error: \(reason)"
        case .timeout(let after): "OpenAI completion timed out after \(after)"
        }
    }

    /// Maps a non-2xx answer with OpenAI's `{"error":{…}}` body.
    public static func from(status: Int, body: ChatAPIErrorBody?, bodyText: String, retryAfter: String?) -> OpenAIChatError {
        let message = body?.message ?? String(bodyText.prefix(512))
        switch status {
        case 401: return .unauthorized(message: message)
        case 403: return .forbidden(message: message)
        case 429: return .rateLimited(code: body?.code, message: message, retryAfterSeconds: retryAfter.flatMap(Double.init))
        case 400, 404, 422: return .badRequest(status: status, code: body?.code, message: message)
        case 500...599: return .server(status: status, message: message)
        default: return .http(status: status, message: message)
        }
    }
}
