import Logging

/// How to run the capacity benchmark.
public struct BenchOptions: Sendable {
    /// Concurrent calls.
    public var calls = 200
    /// Calls start evenly over this many seconds (nil: calls / 100, between 1 and 20 s).
    public var rampSeconds: Double?
    /// Length of each call, seconds (the caller's turns are planned to fill it; the last reply is the goodbye).
    public var durationSeconds = 30.0
    /// `twilio` (`telnyx` is not supported yet).
    public var carrier = "twilio"
    /// Attach to this running server instead of starting one.
    public var serverURL: String?
    /// With `serverURL`: the server's pid, for CPU and memory.
    public var serverPID: Int32?
    /// Pin the server to `serverCore` and the bench to `loadCore` (when the machine has two cores or more).
    public var pin = true
    /// Core of the server.
    public var serverCore = 0
    /// Core of the bench process.
    public var loadCore = 1
    /// With `serverURL`: fixed ports for the fake Realtime server and the fake Twilio REST API.
    public var realtimePort = 0
    /// With `serverURL`: port of the fake Twilio REST API.
    public var restPort = 0
    /// Where the bench logs.
    public var logger = Logger(label: "switchboard.bench")

    /// The defaults.
    public init() {}

    /// The effective ramp.
    public var ramp: Double { rampSeconds ?? min(20, max(1, Double(calls) / 100)) }

    /// The account the bench's Twilio fakes and the server share.
    public static let accountSid = "AC" + String(repeating: "b", count: 32)
    /// The auth token the server checks signatures with.
    public static let authToken = "switchboard-bench-token"
    /// Any key: the fake agent accepts every bearer token.
    public static let openAIKey = "sk-bench"
}
