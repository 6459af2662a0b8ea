import CallCore

/// What the session writes to the carrier's media stream. Implementations queue and return at once; a
/// writer task drains the queue to the socket and reports `transmitStalled` / `transmitDead` to the session.
public protocol PhoneLeg: Sendable {
    func send(_ command: PhoneCommand)
    /// Close our side of the media stream.
    func close()
}

/// One outbound message to the carrier's media stream.
public enum PhoneCommand: Sendable, Equatable {
    case audio(AudioPayload)
    case mark(String)
    case clear
}

/// The agent side of one call (OpenAI Realtime, the local agent, or the pipeline).
public protocol AgentLeg: Sendable {
    /// Connects and runs the session until it closes, delivering every agent input to `deliver`
    /// (`agentSessionReady` first, `agentSessionClosed` last). Returns when the session is over, or
    /// promptly when the task is cancelled.
    func run(deliver: @escaping @Sendable (CallEvent) -> Void) async
    /// Queues a command; never blocks the call loop.
    func send(_ command: AgentCommand)
    /// Closes the session; `run` then returns.
    func close()
}

/// A command to the agent.
public enum AgentCommand: Sendable, Equatable {
    case appendAudio(AudioPayload)
    case createResponse(ResponseRequest)
    case cancelResponse(responseID: String)
    case truncate(itemID: String, audioEndMilliseconds: Milliseconds)
    case synthesize(operationID: Int, text: String)
    case cancelSynthesis(operationID: Int)
}

/// Makes the agent leg of a new call.
public protocol AgentConnector: Sendable {
    func makeAgent(for call: CallInfo) -> any AgentLeg
}

/// The carrier's REST API for one call. Each method returns after its own bounded retries.
public protocol CarrierControl: Sendable {
    func hangUp(_ call: CallInfo) async -> CommandOutcome
    func transfer(_ call: CallInfo, to target: String) async -> CommandOutcome
    /// Telnyx `streaming_start`; `.alreadyEnded` for 422 / 90018.
    func startStream(_ call: CallInfo) async -> CommandOutcome
    /// Telnyx `answer`; `.alreadyEnded` for 422 / 90018 (the caller hung up while it rang).
    func answer(_ call: CallInfo) async -> CommandOutcome
}

extension CarrierControl {
    /// Carriers that answer by themselves (Twilio answers before the voice webhook).
    public func answer(_ call: CallInfo) async -> CommandOutcome { .succeeded }
}

/// Durable storage of a call's records. `acknowledged(true)` once committed, `false` if it finally failed.
public protocol CallRecordSink: Sendable {
    func submit(callID: String, record: StoreRecord, acknowledged: @escaping @Sendable (Bool) -> Void) async
}

/// Runs a call's timer expiries outside its task group: one cancellable scheduled callback per armed
/// deadline (an event-loop timer in the server) instead of a sleeping child task that lives until its
/// deadline even when re-armed. Without one, `CallSession` sleeps in child tasks.
public protocol CallTimerScheduler: Sendable {
    /// Calls `fire` once, `delay` from now, unless cancelled first.
    func schedule(after delay: Duration, _ fire: @escaping @Sendable () -> Void) -> any CallTimerHandle
}

/// A scheduled expiry.
public protocol CallTimerHandle: Sendable {
    /// Stops the expiry if it has not fired (a late one is stale anyway: the machine checks generations).
    func cancel()
}
