import Foundation

/// How the fake REST API answers a hang-up on a call that is no longer live.
public enum FakeTwilioEndedCallAnswer: Sendable, Equatable {
    /// HTTP 404, code 20404 (what a hang-up just after the caller's usually gets).
    case notFound20404
    /// HTTP 400, code 21220 ("Call is not in-progress").
    case invalidState21220
}

/// One request the fake REST API received, and its answer.
public struct FakeTwilioRESTRequest: Sendable, Equatable {
    /// What the request asked for.
    public enum Kind: String, Sendable, Equatable {
        /// `Status=completed`.
        case hangUp
        /// `Twiml=` or `Url=`.
        case transfer
        /// Anything else (`Status=canceled`, no parameters, bad parameters).
        case other
    }

    /// When it arrived.
    public var receivedAt: Date
    /// The CallSid from the path (nil when the path was not a Call resource).
    public var callSid: String?
    /// What it asked for.
    public var kind: Kind
    /// The HTTP status answered.
    public var httpStatus: Int
    /// Twilio's error `code` when the answer was an error.
    public var errorCode: Int?
    /// The TwiML or URL of a transfer.
    public var target: String?
}

/// Twilio-shaped JSON error bodies (`code` is an integer).
enum FakeTwilioErrorBody {
    static func json(code: Int, message: String, status: Int, detail: String? = nil) -> String {
        var object: [String: Any] = [
            "code": code,
            "message": message,
            "more_info": "https://www.twilio.com/docs/errors/\(code)",
            "status": status,
        ]
        if let detail { object["detail"] = detail }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The fake REST API's mutable state: fault knobs and the request log.
actor FakeTwilioRESTState {
    var requests: [FakeTwilioRESTRequest] = []
    var failNext = 0
    var delay: Duration = .zero
    var alwaysNotFound = false

    func record(_ request: FakeTwilioRESTRequest) { requests.append(request) }

    /// Consumes one injected failure if any is left.
    func takeFailure() -> Bool {
        guard failNext > 0 else { return false }
        failNext -= 1
        return true
    }

    func setFailNext(_ count: Int) { failNext = max(0, count) }
    func setDelay(_ value: Duration) { delay = value }
    func setAlwaysNotFound(_ value: Bool) { alwaysNotFound = value }
}
