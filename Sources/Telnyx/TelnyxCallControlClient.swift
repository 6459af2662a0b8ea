import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Outcome of a Call Control command.
public enum TelnyxCommandResult: Sendable, Equatable {
    /// Telnyx accepted the command (HTTP 2xx, `{"data":{"result":"ok"}}`).
    case done
    /// HTTP 422 with error code `"90018"` ("Call has already ended"): success for a hang-up, "call gone" otherwise.
    case callEnded
    /// Any other answer after the allowed attempts; `status` is nil when no HTTP response came back.
    case failed(status: Int?, code: String?, detail: String)
}

/// Retry policy for 5xx answers, connection errors and timeouts (4xx are never retried).
public struct TelnyxRetryPolicy: Sendable, Equatable {
    /// Total attempts, at least 1.
    public var maxAttempts: Int
    /// Wait before the second attempt; doubles after each further attempt.
    public var initialBackoff: Duration
    /// Upper bound for one wait.
    public var maxBackoff: Duration

    public init(maxAttempts: Int = 3, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(2)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The wait after failed attempt number `attempt` (1-based): initial × 2^(attempt-1), capped.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, attempt) where delay < maxBackoff { delay *= 2 }
        return min(delay, maxBackoff)
    }
}

/// Configuration of `TelnyxCallControlClient`.
public struct TelnyxCallControlConfiguration: Sendable {
    /// `TELNYX_API_KEY`, sent as `Authorization: Bearer …`.
    public var apiKey: String
    /// `https://api.telnyx.com` in production; `SWITCHBOARD_TELNYX_API_URL` points it at a fake.
    public var baseURL: String
    /// Deadline for each attempt.
    public var requestTimeout: Duration
    public var retry: TelnyxRetryPolicy

    public init(apiKey: String, baseURL: String = "https://api.telnyx.com", requestTimeout: Duration = .seconds(5), retry: TelnyxRetryPolicy = .init()) {
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.requestTimeout = requestTimeout
        self.retry = retry
    }
}

extension TelnyxCallControlConfiguration: CustomStringConvertible {
    /// Redacts the API key.
    public var description: String {
        "TelnyxCallControlConfiguration(apiKey: <redacted>, baseURL: \(baseURL), requestTimeout: \(requestTimeout), retry: \(retry))"
    }
}

/// Call Control v2 commands: `POST /v2/calls/{call_control_id}/actions/{action}` (telephony.md §4.3).
///
/// Never throws: every outcome is a `TelnyxCommandResult` the call's state machine can take as an event.
/// Each command carries one `command_id`, reused on every retry, so Telnyx executes it at most once.
/// `clientState` parameters are plain text; the client base64-encodes them as Telnyx requires.
public struct TelnyxCallControlClient: Sendable {
    private let httpClient: HTTPClient
    public let configuration: TelnyxCallControlConfiguration
    private let logger: Logger

    /// - Parameter httpClient: shared client owned (and shut down) by the caller.
    public init(httpClient: HTTPClient, configuration: TelnyxCallControlConfiguration, logger: Logger = Logger(label: "switchboard.telnyx.commands")) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.logger = logger
    }

    /// Answers an inbound (parked) call, optionally opening the media stream at the same time.
    public func answer(callControlId: String, stream: TelnyxStreamOptions? = nil, clientState: String? = nil, commandId: UUID = UUID()) async -> TelnyxCommandResult {
        let id = Self.commandIdString(commandId)
        return await send(
            action: "answer", callControlId: callControlId, commandId: id,
            body: TelnyxCommandBody.Answer(clientState: clientState.map(TelnyxClientState.encode), commandId: id, stream: stream))
    }

    /// Starts media streaming to `stream.streamURL` (bidirectional RTP/PCMU by default).
    public func startStreaming(callControlId: String, stream: TelnyxStreamOptions, clientState: String? = nil, commandId: UUID = UUID()) async -> TelnyxCommandResult {
        let id = Self.commandIdString(commandId)
        return await send(
            action: "streaming_start", callControlId: callControlId, commandId: id,
            body: TelnyxCommandBody.StreamingStart(clientState: clientState.map(TelnyxClientState.encode), commandId: id, stream: stream))
    }

    /// Stops media streaming (all streams, or `streamId`).
    public func stopStreaming(callControlId: String, streamId: String? = nil, clientState: String? = nil, commandId: UUID = UUID()) async -> TelnyxCommandResult {
        let id = Self.commandIdString(commandId)
        return await send(
            action: "streaming_stop", callControlId: callControlId, commandId: id,
            body: TelnyxCommandBody.StreamingStop(stream_id: streamId, client_state: clientState.map(TelnyxClientState.encode), command_id: id))
    }

    /// Hangs up the call. `.callEnded` means it was already over: treat as success.
    public func hangUp(callControlId: String, clientState: String? = nil, commandId: UUID = UUID()) async -> TelnyxCommandResult {
        let id = Self.commandIdString(commandId)
        return await send(
            action: "hangup", callControlId: callControlId, commandId: id,
            body: TelnyxCommandBody.Hangup(client_state: clientState.map(TelnyxClientState.encode), command_id: id))
    }

    /// Transfers the call to `to` (E.164 or SIP URI); `timeoutSeconds` must be 5-600 when given.
    public func transfer(
        callControlId: String, to: String, from: String? = nil, timeoutSeconds: Int? = nil,
        clientState: String? = nil, commandId: UUID = UUID()
    ) async -> TelnyxCommandResult {
        guard !to.isEmpty else { return fail(callControlId, action: "transfer", status: nil, code: nil, "transfer target 'to' is empty") }
        if let timeoutSeconds, !(5...600).contains(timeoutSeconds) {
            return fail(callControlId, action: "transfer", status: nil, code: nil, "timeout_secs \(timeoutSeconds) is outside 5-600")
        }
        let id = Self.commandIdString(commandId)
        return await send(
            action: "transfer", callControlId: callControlId, commandId: id,
            body: TelnyxCommandBody.Transfer(to: to, from: from, timeout_secs: timeoutSeconds, client_state: clientState.map(TelnyxClientState.encode), command_id: id))
    }

    /// Posts `body` to `/v2/calls/{callControlId}/actions/{action}`, with retries and per-attempt deadlines.
    /// The body must already contain `command_id` = `commandId` (it is only used here for logging).
    func send(action: String, callControlId: String, commandId: String, body: some Encodable) async -> TelnyxCommandResult {
        guard let encodedId = Self.pathSegment(callControlId) else {
            return fail(callControlId, action: action, status: nil, code: nil, "invalid call_control_id")
        }
        let bodyBytes: Data
        do {
            bodyBytes = try JSONEncoder().encode(body)
        } catch {
            return fail(callControlId, action: action, status: nil, code: nil, "cannot encode body: \(error)")
        }
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: "\(base)/v2/calls/\(encodedId)/actions/\(action)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: bodyBytes))

        var logger = self.logger
        logger[metadataKey: "call_control_id"] = .string(callControlId)
        logger[metadataKey: "telnyx_action"] = .string(action)
        logger[metadataKey: "command_id"] = .string(commandId)

        let policy = configuration.retry
        var attempt = 1
        while true {
            switch await attemptOnce(request, logger: logger) {
            case .final(let result):
                switch result {
                case .done:
                    logger.debug("Telnyx command done", metadata: ["attempt": "\(attempt)"])
                case .callEnded:
                    logger.info("Telnyx call already ended (422 90018)", metadata: ["attempt": "\(attempt)"])
                case .failed(let status, let code, let detail):
                    logger.error("Telnyx command failed", metadata: [
                        "status": "\(status.map(String.init) ?? "none")", "code": "\(code ?? "none")",
                        "detail": "\(detail)", "attempt": "\(attempt)",
                    ])
                }
                return result
            case .retryable(let status, let code, let detail):
                guard attempt < policy.maxAttempts, !Task.isCancelled else {
                    return fail(callControlId, action: action, status: status, code: code, "\(detail) (after \(attempt) attempts)")
                }
                let delay = policy.backoff(afterAttempt: attempt)
                logger.warning("Telnyx command will be retried", metadata: [
                    "status": "\(status.map(String.init) ?? "none")", "detail": "\(detail)",
                    "attempt": "\(attempt)", "backoff": "\(delay)",
                ])
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return fail(callControlId, action: action, status: status, code: code, "cancelled while waiting to retry: \(detail)")
                }
                attempt += 1
            }
        }
    }

    private enum Attempt {
        case final(TelnyxCommandResult)
        case retryable(status: Int?, code: String?, detail: String)
    }

    private func attemptOnce(_ request: HTTPClientRequest, logger: Logger) async -> Attempt {
        let timeout = TimeAmount.nanoseconds(Self.nanoseconds(configuration.requestTimeout))
        do {
            let response = try await httpClient.execute(request, timeout: timeout, logger: logger)
            let status = Int(response.status.code)
            let body = try await response.body.collect(upTo: 1 << 20)
            if (200..<300).contains(status) { return .final(.done) }
            let errors = TelnyxAPIErrors(body: body)
            if status == 422, errors.contains(code: TelnyxAPIErrors.callAlreadyEnded) {
                return .final(.callEnded)
            }
            let first = errors.errors.first
            let detail = first?.detail ?? first?.title ?? "HTTP \(status)"
            if status >= 500 { return .retryable(status: status, code: first?.code, detail: detail) }
            return .final(.failed(status: status, code: first?.code, detail: detail))
        } catch {
            if Task.isCancelled {
                return .final(.failed(status: nil, code: nil, detail: "cancelled: \(error)"))
            }
            return .retryable(status: nil, code: nil, detail: String(describing: error))
        }
    }

    private func fail(_ callControlId: String, action: String, status: Int?, code: String?, _ detail: String) -> TelnyxCommandResult {
        logger.error("Telnyx command failed", metadata: [
            "call_control_id": "\(callControlId)", "telnyx_action": "\(action)",
            "status": "\(status.map(String.init) ?? "none")", "code": "\(code ?? "none")", "detail": "\(detail)",
        ])
        return .failed(status: status, code: code, detail: detail)
    }

    /// Lowercase UUID text for `command_id`.
    static func commandIdString(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// The id percent-encoded for a path segment (unreserved characters and `:` kept); nil if empty or too long.
    static func pathSegment(_ id: String) -> String? {
        guard !id.isEmpty, id.utf8.count <= 512 else { return nil }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:")
        return id.addingPercentEncoding(withAllowedCharacters: allowed)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 { return 0 }
        return min(seconds, 86_400) * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Telnyx's error body: `{"errors":[{"code":"90018","title":"…","detail":"…"}]}` (§4.4).
struct TelnyxAPIErrors: Decodable {
    /// "Call has already ended".
    static let callAlreadyEnded = "90018"

    struct Item: Decodable {
        var code: String?
        var title: String?
        var detail: String?

        enum CodingKeys: String, CodingKey { case code, title, detail }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // `code` is a string on Telnyx; tolerate a number.
            if let text = try? container.decode(String.self, forKey: .code) {
                code = text
            } else if let int = try? container.decode(Int.self, forKey: .code) {
                code = String(int)
            }
            title = try? container.decode(String.self, forKey: .title)
            detail = try? container.decode(String.self, forKey: .detail)
        }
    }

    var errors: [Item]

    init(body: ByteBuffer) {
        errors = (try? JSONDecoder().decode(TelnyxAPIErrors.self, from: Data(body.readableBytesView)))?.errors ?? []
    }

    enum CodingKeys: String, CodingKey { case errors }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        errors = (try? container.decode([Item].self, forKey: .errors)) ?? []
    }

    func contains(code: String) -> Bool { errors.contains { $0.code == code } }
}
