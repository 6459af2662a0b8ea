import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Outcome of a live-call update (hang-up or transfer).
public enum TwilioCallUpdateResult: Sendable, Equatable {
    /// Twilio accepted the update (HTTP 2xx).
    case done
    /// The call was no longer live (404 + 20404, or 400 + 21220): for a hang-up this is success.
    case alreadyEnded
    /// Any other answer after the allowed attempts; `status` is nil when no HTTP response came back.
    case failed(status: Int?, code: Int?, message: String)
}

/// Retry policy for 5xx answers, connection errors and timeouts (4xx are never retried).
public struct TwilioRetryPolicy: Sendable, Equatable {
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

/// Configuration of `TwilioRESTClient`.
public struct TwilioRESTConfiguration: Sendable {
    public var accountSid: String
    public var authToken: String
    /// `https://api.twilio.com` in production; tests point it at a local server (`SWITCHBOARD_TWILIO_API_URL`).
    public var baseURL: String
    /// Deadline for each attempt.
    public var requestTimeout: Duration
    public var retry: TwilioRetryPolicy

    public init(
        accountSid: String, authToken: String, baseURL: String = "https://api.twilio.com",
        requestTimeout: Duration = .seconds(5), retry: TwilioRetryPolicy = .init()
    ) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.baseURL = baseURL
        self.requestTimeout = requestTimeout
        self.retry = retry
    }
}

/// Twilio REST calls on a live call: `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`.
/// Never throws: every outcome is a `TwilioCallUpdateResult` the call's state machine can take as an event.
public struct TwilioRESTClient: Sendable {
    private let httpClient: HTTPClient
    public let configuration: TwilioRESTConfiguration
    private let logger: Logger

    /// - Parameter httpClient: shared client owned (and shut down) by the caller.
    public init(httpClient: HTTPClient, configuration: TwilioRESTConfiguration, logger: Logger = Logger(label: "switchboard.twilio.rest")) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.logger = logger
    }

    /// Hangs up the call (`Status=completed`, which ends even an in-progress call).
    public func hangUp(callSid: String) async -> TwilioCallUpdateResult {
        await updateCall(callSid: callSid, fields: [FormField("Status", "completed")], operation: "hangup")
    }

    /// Replaces the call's TwiML (ends the media stream; Twilio then sends `stop`).
    public func transfer(callSid: String, twiml: String) async -> TwilioCallUpdateResult {
        let length = twiml.utf16.count
        guard length <= TwiML.maxInlineLength else {
            return fail(callSid, operation: "transfer", status: nil, code: 32018, "Twiml is \(length) characters, limit \(TwiML.maxInlineLength)")
        }
        return await updateCall(callSid: callSid, fields: [FormField("Twiml", twiml)], operation: "transfer")
    }

    /// Posts any form update to the call resource, with retries and per-attempt deadlines.
    public func updateCall(callSid: String, fields: [FormField], operation: String = "update") async -> TwilioCallUpdateResult {
        guard Self.isSid(callSid) else {
            return fail(callSid, operation: operation, status: nil, code: nil, "invalid CallSid")
        }
        guard Self.isSid(configuration.accountSid) else {
            return fail(callSid, operation: operation, status: nil, code: nil, "invalid AccountSid")
        }
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: "\(base)/2010-04-01/Accounts/\(configuration.accountSid)/Calls/\(callSid).json")
        request.method = .POST
        request.setBasicAuth(username: configuration.accountSid, password: configuration.authToken)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let body = ByteBuffer(string: FormBody(fields).encoded)
        request.body = .bytes(body)

        var logger = self.logger
        logger[metadataKey: "call_sid"] = .string(callSid)
        logger[metadataKey: "twilio_op"] = .string(operation)

        let policy = configuration.retry
        var attempt = 1
        while true {
            let outcome = await attemptOnce(request, logger: logger)
            switch outcome {
            case .final(let result):
                switch result {
                case .done:
                    logger.debug("Twilio call update done", metadata: ["attempt": "\(attempt)"])
                case .alreadyEnded:
                    logger.info("Twilio call already ended; treated as success")
                case .failed(let status, let code, let message):
                    logger.error("Twilio call update failed", metadata: [
                        "status": "\(status.map(String.init) ?? "none")", "code": "\(code.map(String.init) ?? "none")",
                        "message": "\(message)", "attempt": "\(attempt)",
                    ])
                }
                return result
            case .retryable(let status, let code, let message):
                guard attempt < policy.maxAttempts, !Task.isCancelled else {
                    return fail(callSid, operation: operation, status: status, code: code, "\(message) (after \(attempt) attempts)")
                }
                let delay = policy.backoff(afterAttempt: attempt)
                logger.warning("Twilio call update will be retried", metadata: [
                    "status": "\(status.map(String.init) ?? "none")", "message": "\(message)",
                    "attempt": "\(attempt)", "backoff": "\(delay)",
                ])
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return fail(callSid, operation: operation, status: status, code: code, "cancelled while waiting to retry: \(message)")
                }
                attempt += 1
            }
        }
    }

    private enum Attempt {
        case final(TwilioCallUpdateResult)
        case retryable(status: Int?, code: Int?, message: String)
    }

    private func attemptOnce(_ request: HTTPClientRequest, logger: Logger) async -> Attempt {
        let timeout = TimeAmount.nanoseconds(Self.nanoseconds(configuration.requestTimeout))
        do {
            let response = try await httpClient.execute(request, timeout: timeout, logger: logger)
            let status = Int(response.status.code)
            let body = try await response.body.collect(upTo: 1 << 20)
            if (200..<300).contains(status) { return .final(.done) }
            let error = TwilioAPIError(body: body)
            if (status == 404 && error.code == 20404) || (status == 400 && error.code == 21220) {
                return .final(.alreadyEnded)
            }
            let message = error.message ?? "HTTP \(status)"
            if status >= 500 { return .retryable(status: status, code: error.code, message: message) }
            return .final(.failed(status: status, code: error.code, message: message))
        } catch {
            if Task.isCancelled {
                return .final(.failed(status: nil, code: nil, message: "cancelled: \(error)"))
            }
            return .retryable(status: nil, code: nil, message: String(describing: error))
        }
    }

    private func fail(_ callSid: String, operation: String, status: Int?, code: Int?, _ message: String) -> TwilioCallUpdateResult {
        logger.error("Twilio call update failed", metadata: [
            "call_sid": "\(callSid)", "twilio_op": "\(operation)",
            "status": "\(status.map(String.init) ?? "none")", "code": "\(code.map(String.init) ?? "none")", "message": "\(message)",
        ])
        return .failed(status: status, code: code, message: message)
    }

    /// Twilio SIDs are two letters and 32 hex digits; we only require a safe, non-empty path segment.
    static func isSid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 { return 0 }
        return min(seconds, 86_400) * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Twilio's JSON error body: `{"code": 20404, "message": "...", "more_info": "...", "status": 404}`.
struct TwilioAPIError: Decodable {
    var code: Int?
    var message: String?

    init(body: ByteBuffer) {
        let decoded = try? JSONDecoder().decode(TwilioAPIError.self, from: Data(body.readableBytesView))
        self.code = decoded?.code
        self.message = decoded?.message
    }

    enum CodingKeys: String, CodingKey { case code, message }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // `code` is an integer on Twilio; tolerate a numeric string.
        if let int = try? container.decode(Int.self, forKey: .code) {
            code = int
        } else if let text = try? container.decode(String.self, forKey: .code) {
            code = Int(text)
        }
        message = try? container.decode(String.self, forKey: .message)
    }
}

extension TwilioRESTConfiguration: CustomStringConvertible {
    /// Redacts the Auth Token.
    public var description: String {
        "TwilioRESTConfiguration(accountSid: \(accountSid), authToken: <redacted>, baseURL: \(baseURL), requestTimeout: \(requestTimeout), retry: \(retry))"
    }
}
