import Logging
import ProviderFakes

/// How to run the capacity benchmark.
public struct BenchOptions: Sendable {
    /// Concurrent calls.
    public var calls = 200
    /// Calls start evenly over this many seconds (nil: calls / 100, between 1 and 20 s).
    public var rampSeconds: Double?
    /// Length of each call, seconds (the caller's turns are planned to fill it; the last reply is the goodbye).
    public var durationSeconds = 30.0
    /// `twilio` or `telnyx`.
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
    /// With `serverURL`: fixed ports for the fake Realtime server and the fake carrier REST API.
    public var realtimePort = 0
    /// With `serverURL`: port of the fake carrier REST API (Twilio's, or Telnyx Call Control).
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
    /// The Telnyx API key the server sends and the bench's Call Control checks.
    public static let telnyxAPIKey = "KEY_switchboard_bench"
    /// The carriers the bench dials.
    public static let carriers = ["twilio", "telnyx"]
    /// Signs the bench's Telnyx webhooks; the server gets its public key as `TELNYX_PUBLIC_KEY`.
    static let telnyxSigner: FakeTelnyxSigner = {
        // 32 fixed bytes: a valid Ed25519 seed, so this cannot fail.
        guard let signer = try? FakeTelnyxSigner(seed: Array(UInt8(100)..<UInt8(132))) else { preconditionFailure("bench signing seed") }
        return signer
    }()
}
