/// Facts that decide whether the call may be finalized.
public struct FinalizeConditions: Sendable, Equatable {
    /// The call is over for the carrier.
    public var ended: Bool
    /// The agent session is closed (or never started): no more transcripts can arrive.
    public var agentClosed: Bool
    /// Text-to-speech operations still producing.
    public var activeSyntheses: Int
    /// Store writes not yet acknowledged.
    public var pendingWrites: Int
    public var alreadyFinalized: Bool
}

/// Decides when the call is finalized.
public protocol FinalizePolicy: Sendable {
    func mayFinalize(_ conditions: FinalizeConditions) -> Bool
}

/// Finalize exactly once, after the end, with the agent closed, no synthesis running and every write
/// acknowledged (seed 000: no "wait up to 5 seconds", no polling).
public struct AcknowledgedFinalizePolicy: FinalizePolicy {
    public init() {}

    public func mayFinalize(_ c: FinalizeConditions) -> Bool {
        c.ended && c.agentClosed && c.activeSyntheses == 0 && c.pendingWrites == 0 && !c.alreadyFinalized
    }
}
