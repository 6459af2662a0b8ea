/// Facts about caller silence.
public struct SilenceFacts: Sendable, Equatable {
    /// The call is live and no end is pending.
    public var conversationOpen: Bool
    public var callerSpeaking: Bool
    /// A response is being generated, audio is still playing, or a request is outstanding.
    public var botBusy: Bool
    /// When the bot's audio last finished playing (mark echo), or the stream opened.
    public var botFinishedAt: Milliseconds
    /// When the caller last stopped speaking, if ever.
    public var callerStoppedAt: Milliseconds?
    /// Re-prompts already made in this silence.
    public var repromptsInSilence: Int
}

/// What the no-response timer should do next.
public enum SilenceStep: Sendable, Equatable {
    case reprompt
    case politeEnd
}

/// Decides when the no-response timer is due, level-triggered: the machine arms exactly the deadline
/// this returns (or none) after every event.
public protocol NoResponsePolicy: Sendable {
    func next(_ facts: SilenceFacts, configuration: CallConfiguration) -> (step: SilenceStep, deadline: Milliseconds)?
}

/// 10 s of silence measured from the end of the bot's audio → one re-prompt; 5 s more → one polite end.
/// Caller speech resets it; nothing runs while the bot is busy or an end is pending.
public struct SilenceTimerPolicy: NoResponsePolicy {
    public init() {}

    public func next(_ f: SilenceFacts, configuration: CallConfiguration) -> (step: SilenceStep, deadline: Milliseconds)? {
        guard f.conversationOpen, !f.callerSpeaking, !f.botBusy else { return nil }
        let silentSince = max(f.botFinishedAt, f.callerStoppedAt ?? f.botFinishedAt)
        switch f.repromptsInSilence {
        case 0: return (.reprompt, silentSince + configuration.repromptAfter)
        case 1: return (.politeEnd, silentSince + configuration.politeEndAfterReprompt)
        default: return nil
        }
    }
}
