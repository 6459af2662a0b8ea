/// What a bench caller does, tick by tick (20 ms): waits for the bot to finish speaking, pauses, talks
/// for a while, waits for the reply; on its barge-in turn it starts talking while the reply still plays.
/// After its last turn (whose reply is the goodbye) it only listens. Pure: inputs are the playback state.
struct BenchCallerPlan: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// Waiting for the bot's audio to start (greeting or reply).
        case awaitingBot
        /// The bot's audio is playing; `played` ms so far.
        case botSpeaking(played: Int)
        /// The bot finished; talk after `remaining` ms.
        case pausing(remaining: Int)
        /// Talking; `remaining` ms to go.
        case talking(remaining: Int)
        /// The last turn is over: listening for the goodbye and the hangup.
        case done
    }

    let turns: Int
    /// Turn (1-based) that barges in, if any.
    let bargeInTurn: Int?
    let talkMilliseconds: Int
    let pauseMilliseconds: Int
    let bargeInAfterMilliseconds: Int
    private(set) var phase: Phase = .awaitingBot
    private(set) var turnsTaken = 0

    init(turns: Int, bargeInTurn: Int?, talkMilliseconds: Int = 900, pauseMilliseconds: Int = 300, bargeInAfterMilliseconds: Int = 600) {
        self.turns = max(1, turns)
        self.bargeInTurn = bargeInTurn
        self.talkMilliseconds = talkMilliseconds
        self.pauseMilliseconds = pauseMilliseconds
        self.bargeInAfterMilliseconds = bargeInAfterMilliseconds
    }

    /// Advances 20 ms. `playing`: the phone played bot audio during this tick. Returns whether the
    /// caller speaks in this frame.
    mutating func tick(playing: Bool) -> Bool {
        switch phase {
        case .awaitingBot:
            if playing { phase = .botSpeaking(played: 20) }
            return false
        case .botSpeaking(let played):
            if !playing {
                phase = turnsTaken >= turns ? .done : .pausing(remaining: pauseMilliseconds)
                return false
            }
            if turnsTaken + 1 == bargeInTurn && turnsTaken < turns && played + 20 >= bargeInAfterMilliseconds {
                return startTalking()
            }
            phase = .botSpeaking(played: played + 20)
            return false
        case .pausing(let remaining):
            if playing { phase = .botSpeaking(played: 20); return false }
            if remaining <= 20 { return startTalking() }
            phase = .pausing(remaining: remaining - 20)
            return false
        case .talking(let remaining):
            phase = remaining <= 20 ? .awaitingBot : .talking(remaining: remaining - 20)
            return true
        case .done:
            return false
        }
    }

    /// Every turn was taken and the caller is not talking: the goodbye is all that is left.
    var allTurnsTaken: Bool {
        guard turnsTaken >= turns else { return false }
        if case .talking = phase { return false }
        return true
    }

    private mutating func startTalking() -> Bool {
        turnsTaken += 1
        phase = .talking(remaining: talkMilliseconds - 20)
        return true
    }
}
