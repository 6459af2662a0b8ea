import CallCore

/// The phone leg as the carrier plays it: audio in real time, marks echoed when the audio before them has
/// played, `clear` drops the buffer and echoes pending marks at once. Knows the truth the machine cannot
/// see (what has really been played), for invariant S8.
struct SimulatedPhone: Sendable {
    /// Stream open and the carrier still receiving.
    var receiving = true
    var stopped = false
    var clearGeneration = 0
    var playEnd: Milliseconds = 0
    /// When the phone last ran out of audio to play.
    var finishedAt: Milliseconds = 0
    /// Audio segments by response: (end of playback, length).
    var segments: [(response: String?, end: Milliseconds, length: Milliseconds)] = []
    var pendingMarks: [(name: String, echoAt: Milliseconds)] = []

    mutating func play(_ milliseconds: Milliseconds, response: String?, at now: Milliseconds) {
        guard receiving else { return }
        if playEnd <= now { finishedAt = playEnd; playEnd = now }
        playEnd += milliseconds
        segments.append((response, playEnd, milliseconds))
        if segments.count > 64 { segments.removeAll { $0.end <= now } }
    }

    /// Queues a mark; returns when its echo is due, or nil if the phone cannot echo.
    mutating func mark(_ name: String, at now: Milliseconds) -> Milliseconds? {
        guard receiving else { return nil }
        let echoAt = max(playEnd, now)
        pendingMarks.append((name, echoAt))
        return echoAt
    }

    /// Clears the buffer; returns the marks to echo now.
    mutating func clear(at now: Milliseconds) -> [String] {
        guard receiving else { return [] }
        clearGeneration += 1
        playEnd = now
        finishedAt = now
        segments = segments.map { segment in
            segment.end > now ? (segment.response, now, max(0, segment.length - (segment.end - now))) : segment
        }
        let echoes = pendingMarks.filter { $0.echoAt > now }.map(\.name)
        pendingMarks.removeAll()
        return echoes
    }

    mutating func echoed(_ name: String) {
        pendingMarks.removeAll { $0.name == name }
    }

    func unplayed(_ response: String, at now: Milliseconds) -> Milliseconds {
        var total: Milliseconds = 0
        for segment in segments where segment.response == response && segment.end > now {
            total += min(segment.length, segment.end - now)
        }
        return total
    }

    func lastFinished(at now: Milliseconds) -> Milliseconds {
        playEnd <= now ? playEnd : finishedAt
    }
}
