/// A tool call the fake agent makes at the end of a reply (a `function_call` item after the message item).
public struct FakeToolCall: Sendable, Equatable {
    /// Function name, e.g. `end_call` or `transfer_call`. Only emitted if the session (or the
    /// `response.create`) declares a function tool of that name, as a real model would.
    public var name: String
    /// The `arguments` JSON text.
    public var arguments: String

    public init(name: String, arguments: String = "{}") {
        self.name = name
        self.arguments = arguments
    }

    /// `end_call` with a reason.
    public static func endCall(reason: String = "conversation finished") -> FakeToolCall {
        FakeToolCall(name: "end_call", arguments: RealtimeJSON.obj(["reason": .string(reason)]).serialized)
    }

    /// `transfer_call` to a destination.
    public static func transferCall(to destination: String) -> FakeToolCall {
        FakeToolCall(name: "transfer_call", arguments: RealtimeJSON.obj(["destination": .string(destination)]).serialized)
    }
}

/// One scripted reply: spoken text (may be empty for a tool-only reply) and an optional tool call.
public struct FakeAgentReply: Sendable, Equatable, ExpressibleByStringLiteral {
    public var text: String
    public var tool: FakeToolCall?

    public init(_ text: String, tool: FakeToolCall? = nil) {
        self.text = text
        self.tool = tool
    }

    public init(stringLiteral value: String) { self.init(value) }
}

/// What the fake Realtime agent says and how it misbehaves. A value type: one script per server,
/// every session plays it from the start.
public struct FakeAgentScript: Sendable, Equatable {
    /// Said for the first `response.create` before any caller turn.
    public var greeting: FakeAgentReply
    /// Reply to caller turn N (index N-1); turns past the end reuse the last entry.
    public var replies: [FakeAgentReply]
    /// Said for an explicit `response.create` whose instructions carry no `Say: "…"` phrase.
    public var defaultLine: FakeAgentReply
    /// Transcript of caller turn N (index N-1); past the end the last entry, or "" if empty.
    public var callerTranscripts: [String]
    /// Audio pacing and lengths.
    public var timing: Timing
    /// Ordering variations and injected failures.
    public var faults: Faults

    public init(
        greeting: FakeAgentReply = "Hello! How can I help you today?",
        replies: [FakeAgentReply] = ["Sure, I can help with that. Anything else?"],
        defaultLine: FakeAgentReply = "Are you still there?",
        callerTranscripts: [String] = [],
        timing: Timing = Timing(),
        faults: Faults = Faults()
    ) {
        self.greeting = greeting
        self.replies = replies
        self.defaultLine = defaultLine
        self.callerTranscripts = callerTranscripts
        self.timing = timing
        self.faults = faults
    }

    /// Reply to caller turn `turn` (1-based).
    public func reply(forTurn turn: Int) -> FakeAgentReply {
        guard !replies.isEmpty else { return defaultLine }
        return replies[min(max(turn, 1), replies.count) - 1]
    }

    /// Transcript of caller turn `turn` (1-based).
    public func callerTranscript(forTurn turn: Int) -> String {
        guard !callerTranscripts.isEmpty else { return "" }
        return callerTranscripts[min(max(turn, 1), callerTranscripts.count) - 1]
    }

    /// The phrase after `Say:` in double quotes (straight or curly), if any.
    public static func quotedPhrase(in instructions: String) -> String? {
        guard let sayRange = instructions.range(of: "Say:") else { return nil }
        let rest = instructions[sayRange.upperBound...]
        guard let open = rest.firstIndex(where: { $0 == "\"" || $0 == "“" }) else { return nil }
        let afterOpen = rest[rest.index(after: open)...]
        guard let close = afterOpen.firstIndex(where: { $0 == "\"" || $0 == "”" }) else { return nil }
        let phrase = String(afterOpen[..<close])
        return phrase.isEmpty ? nil : phrase
    }

    /// Audio sizes and pacing.
    public struct Timing: Sendable, Equatable {
        /// Audio length per character of reply text (real-time length of the speech).
        public var millisecondsPerCharacter: Int
        /// Minimum audio length of a spoken reply.
        public var minimumAudioMilliseconds: Int
        /// Audio per `response.output_audio.delta`.
        public var deltaMilliseconds: Int
        /// Wall-clock gap between deltas (much less than `deltaMilliseconds`: faster than real time).
        public var deltaInterval: Duration
        /// Wait after the opening events of a response before its first delta.
        public var firstDeltaDelay: Duration
        /// Consecutive speech needed before `speech_started`.
        public var speechStartMilliseconds: Int
        /// Mean linear amplitude of a 20 ms window above which it counts as speech.
        public var speechAmplitudeThreshold: Int

        public init(
            millisecondsPerCharacter: Int = 65,
            minimumAudioMilliseconds: Int = 400,
            deltaMilliseconds: Int = 160,
            deltaInterval: Duration = .milliseconds(4),
            firstDeltaDelay: Duration = .zero,
            speechStartMilliseconds: Int = 80,
            speechAmplitudeThreshold: Int = 500
        ) {
            self.millisecondsPerCharacter = millisecondsPerCharacter
            self.minimumAudioMilliseconds = minimumAudioMilliseconds
            self.deltaMilliseconds = max(20, deltaMilliseconds)
            self.deltaInterval = deltaInterval
            self.firstDeltaDelay = firstDeltaDelay
            self.speechStartMilliseconds = max(20, speechStartMilliseconds)
            self.speechAmplitudeThreshold = speechAmplitudeThreshold
        }

        /// Audio length for `text`.
        public func audioMilliseconds(for text: String) -> Int {
            max(minimumAudioMilliseconds, millisecondsPerCharacter * text.count)
        }
    }

    /// Ordering knobs and failure injection.
    public struct Faults: Sendable, Equatable {
        /// Emit `output_audio_transcript.done` before `output_audio.done` (default: after).
        public var transcriptDoneBeforeAudioDone: Bool
        /// Emit the caller's `input_audio_transcription.completed` after the reply's `response.done`
        /// (default: right after the user item, before the reply).
        public var userTranscriptAfterResponseDone: Bool
        /// Deltas of a cancelled response still emitted after the cancel decision.
        public var lateDeltasAfterCancel: Int
        /// On this caller turn the reply ends `failed` with `rate_limit_exceeded`.
        public var rateLimitOnTurn: Int?
        /// On this caller turn the server sends `error` `session_expired` and closes.
        public var sessionExpiresOnTurn: Int?
        /// After this long the server sends `error` `session_expired` and closes.
        public var sessionExpiresAfter: Duration?
        /// On this caller turn the socket is closed without a close frame after `abruptCloseAfterDeltas` deltas.
        public var abruptCloseOnTurn: Int?
        /// Deltas sent before the abrupt close.
        public var abruptCloseAfterDeltas: Int

        public init(
            transcriptDoneBeforeAudioDone: Bool = false,
            userTranscriptAfterResponseDone: Bool = false,
            lateDeltasAfterCancel: Int = 2,
            rateLimitOnTurn: Int? = nil,
            sessionExpiresOnTurn: Int? = nil,
            sessionExpiresAfter: Duration? = nil,
            abruptCloseOnTurn: Int? = nil,
            abruptCloseAfterDeltas: Int = 2
        ) {
            self.transcriptDoneBeforeAudioDone = transcriptDoneBeforeAudioDone
            self.userTranscriptAfterResponseDone = userTranscriptAfterResponseDone
            self.lateDeltasAfterCancel = max(0, lateDeltasAfterCancel)
            self.rateLimitOnTurn = rateLimitOnTurn
            self.sessionExpiresOnTurn = sessionExpiresOnTurn
            self.sessionExpiresAfter = sessionExpiresAfter
            self.abruptCloseOnTurn = abruptCloseOnTurn
            self.abruptCloseAfterDeltas = max(0, abruptCloseAfterDeltas)
        }
    }
}
