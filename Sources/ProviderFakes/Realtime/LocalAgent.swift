import Logging

/// Switchboard's built-in local agent: a ``FakeRealtimeServer`` on 127.0.0.1 with a friendly demo
/// script, so `switchboard serve` works offline with no API key (`SWITCHBOARD_AGENT=local`).
public enum LocalAgent {
    /// Model name the local agent is addressed with.
    public static let model = "gpt-realtime"

    /// Greeting, one helpful answer, then a goodbye (with an `end_call` tool call when the session
    /// declares that tool).
    public static let defaultScript = FakeAgentScript(
        greeting: "Hello! You've reached Switchboard's local demo agent. How can I help you today?",
        replies: [
            "I'm a local demo, so I can't look anything up, but your call is working end to end. Is there anything else I can do for you?",
            FakeAgentReply("Thank you for calling. Goodbye!", tool: .endCall(reason: "caller is done")),
        ],
        defaultLine: "Are you still there?",
        callerTranscripts: ["Hi, I have a question about my account.", "No, that's all. Thanks!"]
    )

    /// A local agent server (not yet running): run it with `run()` (e.g. as a service of the server's
    /// ServiceGroup), then connect to `try await server.realtimeURL(model: LocalAgent.model)` with any
    /// bearer token.
    public static func server(host: String = "127.0.0.1", port: Int = 0, logger: Logger) -> FakeRealtimeServer {
        FakeRealtimeServer(
            script: defaultScript, host: host, port: port,
            options: .init(rejectBetaHeader: true, recordServerEvents: false), logger: logger)
    }

    /// Runs a local agent for the duration of `body`, passing its Realtime URL.
    public static func withRunning<T: Sendable>(
        logger: Logger, _ body: @Sendable (_ url: String) async throws -> T
    ) async throws -> T {
        let agent = server(logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await agent.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(try await agent.realtimeURL(model: model))
        }
    }
}
