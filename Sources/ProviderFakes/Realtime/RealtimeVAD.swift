/// Energy-based server VAD over the appended input audio: 20 ms windows, mean amplitude above a
/// threshold = speech. No allocation per byte or per window.
struct RealtimeVAD {
    enum Event: Equatable {
        case started(audioStartMs: Int)
        case stopped(audioEndMs: Int)
    }

    var format = RealtimeAudioFormat.pcm
    /// False with `turn_detection: null` (audio is only counted).
    var enabled = true
    var amplitudeThreshold = 500
    var startMs = 80
    var silenceMs = 500
    var prefixPaddingMs = 300

    /// Decoded bytes appended in the whole session.
    private(set) var totalBytes = 0
    /// Elapsed audio in 1/24000 s units (a μ-law sample is 3 units, a PCM16 sample 1).
    private var units = 0
    /// Start of the uncommitted input buffer, in ms since session start.
    private(set) var bufferStartMs = 0
    private var windowSum = 0
    private var windowSamples = 0
    private var lowByte: UInt8?
    private(set) var inSpeech = false
    private var speechRunMs = 0
    private var silenceRunMs = 0

    /// Milliseconds of audio appended since the session started.
    var nowMs: Int { units / 24 }
    /// Milliseconds in the uncommitted buffer.
    var bufferedMs: Int { nowMs - bufferStartMs }

    /// Marks the buffer committed or cleared at the current position.
    mutating func resetBuffer() {
        bufferStartMs = nowMs
        inSpeech = false
        speechRunMs = 0
        silenceRunMs = 0
    }

    /// Feeds one decoded byte; returns a transition when one happens.
    mutating func feed(_ byte: UInt8) -> Event? {
        totalBytes += 1
        let magnitude: Int
        switch format {
        case .pcmu:
            magnitude = Int(RealtimeAmplitude.muLaw[Int(byte)])
            units += 3
        case .pcma:
            magnitude = Int(RealtimeAmplitude.aLaw[Int(byte)])
            units += 3
        case .pcm:
            guard let low = lowByte else {
                lowByte = byte
                return nil
            }
            lowByte = nil
            magnitude = abs(Int(Int16(bitPattern: UInt16(low) | UInt16(byte) << 8)))
            units += 1
        }
        guard enabled else { return nil }
        windowSum += magnitude
        windowSamples += 1
        guard windowSamples >= (format == .pcm ? 480 : 160) else { return nil }
        let speech = windowSum / windowSamples > amplitudeThreshold
        windowSum = 0
        windowSamples = 0
        return evaluate(speech: speech)
    }

    private mutating func evaluate(speech: Bool) -> Event? {
        if !inSpeech {
            guard speech else {
                speechRunMs = 0
                return nil
            }
            speechRunMs += 20
            guard speechRunMs >= startMs else { return nil }
            inSpeech = true
            silenceRunMs = 0
            let onset = nowMs - speechRunMs
            return .started(audioStartMs: max(bufferStartMs, onset - prefixPaddingMs))
        }
        if speech {
            silenceRunMs = 0
            return nil
        }
        silenceRunMs += 20
        guard silenceRunMs >= silenceMs else { return nil }
        inSpeech = false
        speechRunMs = 0
        silenceRunMs = 0
        return .stopped(audioEndMs: nowMs)
    }
}
