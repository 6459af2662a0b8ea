/// How a fake Telnyx phone behaves.
public struct FakeTelnyxPhoneOptions: Sendable {
    /// Caller number (`from`).
    public var from = "+15550100001"
    /// Called number (`to`).
    public var to = "+15550100002"
    /// Hard bound on the call; the phone hangs up when it elapses.
    public var maxDuration: Duration = .seconds(60)
    /// How long the call rings (parked) waiting for `answer` before the caller gives up.
    public var answerTimeout: Duration = .seconds(10)
    /// Seeds every order the phone chooses (webhooks vs. socket, hang-up webhooks vs. `stop`, shuffles).
    public var seed: UInt64 = 1
    /// How many inbound `media` frames are swapped with their successor (Telnyx does not guarantee order).
    public var shuffledMediaFrames = 0
    /// Whether played marks are echoed (false: a stuck transmit side that never echoes).
    public var echoesMarks = true
    /// Webhook delivery: signing, retries, duplicates.
    public var webhooks = FakeTelnyxWebhookOptions()
    /// After `transfer`, how long the caller talks to the transfer target before hanging up.
    public var transferredCallDuration: Duration = .seconds(1)
    /// Fixed `call_control_id` (a random `v3:…` when nil).
    public var callControlId: String?
    /// Fixed `connection_id` (random digits when nil).
    public var connectionId: String?
    /// Raw text frames a buggy carrier sends right after `start` (for testing the server's input handling).
    public var junkAfterStart: [String] = []
    /// The caller hangs up at the instant this command reaches Telnyx: the command meets an ended call
    /// (422 / `90018`) and the hang-up webhooks follow (seed 000 §2: stream setup vs hang-up).
    public var hangsUpWhenCommandArrives: FakeTelnyxAction?

    /// Defaults: 60 s maximum, 10 s to answer, seed 1, no shuffles, marks echoed, Telnyx-like webhooks.
    public init() {}
}

/// One socket the phone has to open for a stream.
struct FakeTelnyxSocketRequest: Sendable {
    var streamId: String
    var request: FakeTelnyxStreamRequest
}

/// One webhook for the worker, and whether the stream must be stopped once it was delivered.
struct FakeTelnyxWebhookJob: Sendable {
    var eventType: String
    var payload: [String: FakeTelnyxJSON]
    var stopStreamAfter = false
}
