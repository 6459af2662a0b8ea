import CallCore

/// Deliberately broken policies. The simulator must catch each of them.

/// Seed 001's bug: the hangup is tried only when `audio.done` arrives (edge-triggered), and then at once.
/// When `transcript.done` comes after `audio.done` the goodbye is never carried out; when it comes before,
/// the hangup cuts the audio still playing.
struct AudioDoneOnlyHangupPolicy: HangupPolicy {
    func decide(_ c: EndConditions, trigger: CallEvent) -> EndDecision {
        guard case .agentAudioDone = trigger else { return .wait }
        return c.callLive && c.notYetExecuted && c.endPending && c.notCancelled ? .execute : .wait
    }
}

/// Hangs up for a goodbye even when the caller interrupted it.
struct IgnoresCancellationHangupPolicy: HangupPolicy {
    func decide(_ c: EndConditions, trigger: CallEvent) -> EndDecision {
        guard c.callLive, c.notYetExecuted, c.endPending, c.responseMatches, c.audioDone else { return .wait }
        return c.playbackConfirmed || c.fallbackExpired || c.transmitDead ? .execute : .awaitPlayback
    }
}

/// Finalizes as soon as the call ended, without waiting for the store's acknowledgements (seed 000 §3).
struct UnacknowledgedFinalizePolicy: FinalizePolicy {
    func mayFinalize(_ c: FinalizeConditions) -> Bool {
        c.ended && !c.alreadyFinalized
    }
}

/// A no-response timer that caller speech does not cancel: it runs from the end of the bot's audio only.
struct SpeechBlindTimerPolicy: NoResponsePolicy {
    func next(_ f: SilenceFacts, configuration: CallConfiguration) -> (step: SilenceStep, deadline: Milliseconds)? {
        guard f.conversationOpen, !f.botBusy else { return nil }
        switch f.repromptsInSilence {
        case 0: return (.reprompt, f.botFinishedAt + configuration.repromptAfter)
        case 1: return (.politeEnd, f.botFinishedAt + configuration.politeEndAfterReprompt)
        default: return nil
        }
    }
}
