/// Limits and policies of one call. Every bound the machine uses lives here (DESIGN, principle 8).
public struct CallConfiguration: Sendable {
    /// Re-prompt after this much caller silence, measured from when the bot's audio finished playing.
    public var repromptAfter: Milliseconds = 10_000
    /// End politely after this much more silence following the re-prompt.
    public var politeEndAfterReprompt: Milliseconds = 5_000
    /// The maximum call duration, from answer.
    public var maxCallDuration: Milliseconds = 30 * 60_000
    /// Slack added to the unplayed audio when waiting for a mark echo that may never come.
    public var playbackFallbackGrace: Milliseconds = 2_000
    /// How long a stalled transmit side may stay stalled before the end proceeds without the echo.
    public var stalledTransmitGrace: Milliseconds = 500
    /// Where the stream's stop does not end the call (Telnyx): how long to wait for the carrier's
    /// `call.hangup` before hanging up a call that has no media stream any more.
    public var streamLostGrace: Milliseconds = 3_000
    /// How long to wait for the agent to produce the goodbye we asked for before hanging up anyway.
    public var endResponseDeadline: Milliseconds = 8_000
    /// Where `transfer_call` sends the caller; nil when transfers are not configured.
    public var transferTarget: String? = nil
    /// Whether the agent cancels its own response when the caller starts speaking (OpenAI server VAD
    /// with `interrupt_response: true`). When false the machine sends `cancelResponse` itself.
    public var agentCancelsOnSpeech: Bool = true
    /// Whether the bot speaks first when the stream opens.
    public var greetOnConnect: Bool = true
    /// Twilio `<Connect><Stream>`: the stream stopping means the call is over. Telnyx: it does not.
    public var streamStopEndsCall: Bool = true
    /// Telnyx: the machine asks for the stream when the call is answered.
    public var startsStreamOnAnswer: Bool = false
    /// Telnyx: the machine answers the call (`answer` command) when it learns of it (`call.initiated`).
    public var answersCall: Bool = false
    /// Write a timeline entry for each lifecycle event and action.
    public var recordsTimeline: Bool = true
    /// Bound on responses remembered at once (older, settled ones are forgotten).
    public var maxTrackedResponses: Int = 16

    public var goodbye: GoodbyeDetector = GoodbyeDetector()
    public var policies: CallPolicies = CallPolicies()

    public init() {}
}

/// The decisions that are policies, each in its own small type, swappable so that tests can plug in
/// deliberately broken ones and watch the simulator catch them.
public struct CallPolicies: Sendable {
    public var hangup: any HangupPolicy = PoliteHangupPolicy()
    public var finalize: any FinalizePolicy = AcknowledgedFinalizePolicy()
    public var noResponse: any NoResponsePolicy = SilenceTimerPolicy()

    public init() {}
}
