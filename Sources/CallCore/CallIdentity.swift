/// Which carrier a call arrived on.
public enum Carrier: String, Sendable, Equatable {
    case twilio
    case telnyx
}

/// Facts about a call known when it starts.
public struct CallInfo: Sendable, Equatable {
    /// Switchboard's own id for the call.
    public var callID: String
    public var carrier: Carrier
    /// The carrier's id (Twilio `CallSid`, Telnyx `call_control_id`).
    public var carrierCallID: String
    /// `openai-realtime`, `pipeline` or `local`.
    public var agentKind: String
    public var from: String
    public var to: String

    public init(callID: String, carrier: Carrier, carrierCallID: String, agentKind: String, from: String, to: String) {
        self.callID = callID
        self.carrier = carrier
        self.carrierCallID = carrierCallID
        self.agentKind = agentKind
        self.from = from
        self.to = to
    }
}
