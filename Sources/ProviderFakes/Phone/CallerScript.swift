/// What the fake caller does, step by step, on any fake phone (Twilio or Telnyx). After the last step the
/// phone sends silence until the server ends the call or the maximum duration elapses (unless the last
/// step is `.hangUp`).
public struct CallerScript: Sendable, Equatable {
    /// One step of the caller's behaviour.
    public enum Step: Sendable, Equatable {
        /// Send silence until new bot audio has played and nothing new arrived for `quietMilliseconds`;
        /// gives up after `maxMilliseconds`.
        case waitForBot(quietMilliseconds: Int = 700, maxMilliseconds: Int = 15_000)
        /// Speak (a voice-like tone) for `milliseconds`; `text` is what the caller "says".
        case say(String, milliseconds: Int)
        /// Send silence for `milliseconds`.
        case silence(milliseconds: Int)
        /// Wait until `afterBotAudioMs` of new bot audio played (at most `maxWaitMilliseconds`), then speak
        /// over it for `milliseconds`.
        case bargeIn(afterBotAudioMs: Int, text: String, milliseconds: Int, maxWaitMilliseconds: Int = 15_000)
        /// Press a key (a Twilio Media Streams `dtmf` message; on Telnyx a `dtmf` frame and the
        /// `call.dtmf.received` webhook).
        case dtmf(String)
        /// The caller hangs up: `stop`, socket close, and the carrier's hang-up callback (Twilio status
        /// callback `completed`; Telnyx `call.hangup` and `streaming.stopped`).
        case hangUp
    }

    /// The steps, in order.
    public var steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    /// Waits for the greeting, says something, waits for the answer, hangs up.
    public static let simple = CallerScript([
        .waitForBot(), .say("Hello, I have a question.", milliseconds: 1_200), .waitForBot(), .hangUp,
    ])

    /// Says nothing at all.
    public static let silent = CallerScript([])
}

/// What the caller sends on one 20 ms tick.
struct CallerTickOutput: Equatable {
    var audio: [UInt8]
    var dtmf: String?
    var hangUp: Bool
    var events: [FakeCallEvent.Kind]
}

/// What the runner knows about the bot side on a tick.
struct BotObservation {
    var nowMilliseconds: Int
    /// Total bot audio played so far (ms).
    var playedMilliseconds: Int
    /// Whether bot audio is queued or playing.
    var isPlaying: Bool
    /// Last time bot audio was received or played (ms since dial), nil if never.
    var lastActivityMilliseconds: Int?
}

/// Pure interpreter of a `CallerScript`, advanced once per 20 ms tick.
struct CallerScriptRunner {
    private var steps: [CallerScript.Step]
    private var index = 0
    private var stepStartedAt: Int?
    private var stepPlayedBaseline = 0
    private var speakingFramesLeft = 0
    private var tonePhase = 0
    private var speaking = false

    static let speechFrequency = 250.0

    init(_ script: CallerScript) { self.steps = script.steps }

    /// True once every step has run.
    var isFinished: Bool { index >= steps.count }

    mutating func tick(_ bot: BotObservation) -> CallerTickOutput {
        var output = CallerTickOutput(audio: MuLaw.silence(milliseconds: 20), dtmf: nil, hangUp: false, events: [])
        // Advance through instantaneous or completed steps until one produces this frame.
        while index < steps.count {
            let step = steps[index]
            if stepStartedAt == nil {
                stepStartedAt = bot.nowMilliseconds
                stepPlayedBaseline = bot.playedMilliseconds
                speakingFramesLeft = 0
            }
            let startedAt = stepStartedAt ?? bot.nowMilliseconds
            let elapsed = bot.nowMilliseconds - startedAt
            switch step {
            case .waitForBot(let quiet, let maxMs):
                let heardNew = bot.playedMilliseconds > stepPlayedBaseline
                let quietFor = bot.lastActivityMilliseconds.map { bot.nowMilliseconds - $0 } ?? 0
                if (heardNew && !bot.isPlaying && quietFor >= quiet) || elapsed >= maxMs {
                    advance(); continue
                }
                return output
            case .silence(let ms):
                if elapsed >= ms { advance(); continue }
                return output
            case .say(let text, let ms):
                if !speaking {
                    speaking = true
                    speakingFramesLeft = max(1, ms / 20)
                    output.events.append(.callerSpeechStarted(text: text))
                }
                return speak(&output)
            case .bargeIn(let after, let text, let ms, let maxWait):
                if !speaking {
                    let heard = bot.playedMilliseconds - stepPlayedBaseline
                    guard heard >= after || elapsed >= maxWait else { return output }
                    speaking = true
                    speakingFramesLeft = max(1, ms / 20)
                    output.events.append(bot.isPlaying ? .callerBargedIn(text: text) : .callerSpeechStarted(text: text))
                }
                return speak(&output)
            case .dtmf(let digit):
                output.dtmf = digit
                output.events.append(.dtmfSent(digit: digit))
                advance()
                return output
            case .hangUp:
                output.hangUp = true
                advance()
                return output
            }
        }
        return output
    }

    private mutating func speak(_ output: inout CallerTickOutput) -> CallerTickOutput {
        output.audio = MuLaw.tone(milliseconds: 20, frequency: Self.speechFrequency, phase: tonePhase)
        tonePhase += MuLaw.frameBytes
        speakingFramesLeft -= 1
        if speakingFramesLeft <= 0 {
            speaking = false
            output.events.append(.callerSpeechEnded)
            advance()
        }
        return output
    }

    private mutating func advance() {
        index += 1
        stepStartedAt = nil
        speaking = false
    }
}
