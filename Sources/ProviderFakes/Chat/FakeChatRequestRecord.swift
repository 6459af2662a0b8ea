/// One request a ``FakeChatServer`` received, and what it answered.
public struct FakeChatRequestRecord: Sendable, Equatable {
    /// One message of the request.
    public struct Message: Sendable, Equatable {
        /// `system`, `user`, `assistant`, `tool`.
        public var role: String
        /// Its text, if a string.
        public var content: String?
        /// Names of the tools an assistant message called.
        public var toolCallNames: [String]

        public init(role: String, content: String?, toolCallNames: [String] = []) {
            self.role = role
            self.content = content
            self.toolCallNames = toolCallNames
        }
    }

    /// Whether `Authorization: Bearer <the expected key>` was present.
    public var authorized: Bool
    /// `model` of the body.
    public var model: String?
    /// `stream` of the body.
    public var stream: Bool
    /// `messages` of the body.
    public var messages: [Message]
    /// Names of the declared function tools.
    public var toolNames: [String]
    /// HTTP status answered.
    public var status: Int
    /// The reply spoken in the stream (empty for errors).
    public var replyText: String
    /// Tool called in the stream, if any.
    public var toolCall: String?
    /// `data: [DONE]` was written.
    public var completed = false
    /// The client went away before the end of the stream.
    public var cancelledByClient = false
}

/// An error the fake Chat Completions server answers on demand.
public enum FakeChatFault: Sendable, Equatable {
    /// 401 `invalid_api_key`.
    case invalidAPIKey
    /// 429 `rate_limit_exceeded` with `Retry-After`.
    case rateLimited
    /// 429 `insufficient_quota`.
    case insufficientQuota
    /// 500 `server_error`.
    case serverError
    /// 200, then the connection is dropped after a few deltas.
    case dropMidStream

    var status: Int {
        switch self {
        case .invalidAPIKey: 401
        case .rateLimited, .insufficientQuota: 429
        case .serverError: 500
        case .dropMidStream: 200
        }
    }
}
