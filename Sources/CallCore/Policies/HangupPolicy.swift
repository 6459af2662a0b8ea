/// The facts a hangup (or transfer) decision is made from, re-evaluated after every event.
/// These are the seed systems' eight conditions, restated for a machine that owns all of them.
public struct EndConditions: Sendable, Equatable {
    /// 1. The call is live: not ended, the stream not stopped, the session not closed.
    public var callLive: Bool
    /// 2. No hangup or transfer has been issued yet.
    public var notYetExecuted: Bool
    /// 3. An end (goodbye, `end_call`, polite end, transfer) is pending.
    public var endPending: Bool
    /// 4. The response the end is waiting for exists (its `response.created` was seen).
    public var responseMatches: Bool
    /// 5. That response was not interrupted, cancelled or failed.
    public var notCancelled: Bool
    /// 6. Its audio is complete (`audio.done`, `response.done`, or every TTS operation finished).
    public var audioDone: Bool
    /// 7. The carrier echoed the mark sent after its last audio: the caller heard it.
    public var playbackConfirmed: Bool
    /// 8. `response.done` arrived with a status that allows ending (completed or incomplete).
    public var responseDone: Bool
    /// The bounded wait for the echo ran out (seed 003: stuck playback).
    public var fallbackExpired: Bool
    /// The transmit side is dead: no echo can ever come.
    public var transmitDead: Bool

    /// Names of the conditions that do not hold, for `HANGUP_SKIPPED conditions=[…]`.
    public var failing: [String] {
        var names: [String] = []
        if !callLive { names.append("call_live") }
        if !notYetExecuted { names.append("not_executed") }
        if !endPending { names.append("end_pending") }
        if !responseMatches { names.append("response_matches") }
        if !notCancelled { names.append("not_cancelled") }
        if !audioDone { names.append("audio_done") }
        if !playbackConfirmed { names.append("playback_confirmed") }
        if !responseDone { names.append("response_done") }
        return names
    }
}

/// What to do about a pending end now.
public enum EndDecision: Sendable, Equatable {
    /// Not yet.
    case wait
    /// Everything holds except the playback echo: arm the bounded fallback.
    case awaitPlayback
    /// Hang up (or transfer) now.
    case execute
}

/// Decides when a pending end is carried out.
public protocol HangupPolicy: Sendable {
    func decide(_ conditions: EndConditions, trigger: CallEvent) -> EndDecision
}

/// The policy of DESIGN: level-triggered over all eight conditions, whatever event came last; playback is
/// confirmed by the carrier's mark echo, with a bounded fallback when no echo can come.
public struct PoliteHangupPolicy: HangupPolicy {
    public init() {}

    public func decide(_ c: EndConditions, trigger: CallEvent) -> EndDecision {
        guard c.callLive, c.notYetExecuted, c.endPending, c.responseMatches, c.notCancelled, c.audioDone,
            c.responseDone
        else { return .wait }
        if c.playbackConfirmed || c.fallbackExpired || c.transmitDead { return .execute }
        return .awaitPlayback
    }
}
