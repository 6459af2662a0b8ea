/// Where a call is in its life. Derived from the machine's facts, never stored on its own.
public enum CallPhase: String, Sendable, Equatable {
    /// Nothing heard yet.
    case idle
    /// The carrier told us about the call; it is not answered.
    case ringing
    /// Answered; the media stream is not open yet.
    case connecting
    /// The stream is open: the conversation runs.
    case live
    /// We issued a hangup or transfer and wait for its result.
    case ending
    /// Over for the carrier; waiting for writes, the agent session and syntheses before finalizing.
    case ended
    /// Finalized: nothing more happens (invariant S4).
    case finalized
}

/// The agent session's life.
enum AgentLink: Sendable, Equatable {
    case notStarted, starting, ready, closing, closed
}

/// Our media stream to the carrier.
enum StreamLink: Sendable, Equatable {
    case none, requested, open, stopped
}

/// The transmit side of the media stream, as the runtime reports it.
enum TransmitHealth: Sendable, Equatable {
    case healthy, stalled, dead
}

/// A hangup or transfer: issued at most once (invariant S1).
enum CommandProgress: Sendable, Equatable {
    case notIssued, issued, finished
}

/// An end the machine is waiting to carry out once its response has been heard.
struct PendingEnd: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case hangup(HangupReason)
        case transfer(String)
    }
    enum Anchor: Sendable, Equatable {
        /// The response whose audio must be heard first.
        case response(String)
        /// A response we asked the agent for and have not seen created yet.
        case requested(ResponseRequest)
        /// Whatever audio has been sent so far; confirmed by the echo of mark `seq`.
        case playback(markSequence: Int?)
    }
    var kind: Kind
    var anchor: Anchor
    /// Whether caller speech before the end is carried out cancels it.
    var cancellableBySpeech: Bool
    var fallbackExpired = false
    var lastSkipped: [String] = []
}

/// Playback bookkeeping of one assistant item (`response_id`, `item_id`).
struct ItemPlayback: Sendable, Equatable {
    var itemID: String
    var sentMilliseconds: Milliseconds = 0
    var playedMilliseconds: Milliseconds = 0
}

/// What the machine knows about one agent response.
struct ResponseRecord: Sendable, Equatable {
    var id: String
    var origin: ResponseRequest?
    var items: [ItemPlayback] = []
    var text = ""
    var transcriptDone = false
    var audioDone = false
    var status: ResponseStatus?
    /// The caller interrupted it, or it was cancelled: it never ends a call (S3).
    var interrupted = false
    /// Audio for it is dropped from now on.
    var outputClosed = false
    var sentMilliseconds: Milliseconds = 0
    var playedMilliseconds: Milliseconds = 0
    /// Sequence of the mark sent after its last audio, while no audio followed it.
    var finalMarkSequence: Int?
    var playbackConfirmed = false
    /// Its agent message was written.
    var settled = false
    var isGoodbye = false

    var hasAudio: Bool { sentMilliseconds > 0 }
    var isActive: Bool { status == nil }
}

/// A mark sent to the carrier and not yet echoed.
struct PendingMark: Sendable, Equatable {
    var sequence: Int
    var responseID: String?
    var itemID: String?
    /// Item playback position once this mark echoes.
    var itemEndMilliseconds: Milliseconds
    /// Total audio sent to the carrier up to this mark.
    var cumulativeMilliseconds: Milliseconds
    var isFinal: Bool
}

/// One text-to-speech operation of the pipeline agent.
struct SynthesisOperation: Sendable, Equatable {
    enum Progress: Sendable, Equatable { case queued, running, done }
    var id: Int
    var responseID: String
    var text: String
    var progress: Progress
}

/// One timer slot: the generation of the last arm, and its deadline while armed.
struct TimerSlot: Sendable, Equatable {
    var generation = 0
    var deadline: Milliseconds?
    var step: SilenceStep?
}
