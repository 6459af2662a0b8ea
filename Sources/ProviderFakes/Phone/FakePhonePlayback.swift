/// A fake phone's speaker: the real-time playback queue plus what was played, for both carriers' phones.
/// Pure bookkeeping; the owning call core records the timeline events it reports.
struct FakePhonePlayback {
    private var queue = FakePlaybackQueue()
    /// Bot audio played so far.
    private(set) var playedBytes = 0
    /// Bytes of the burst playing now (nil between bursts).
    private var burstBytes: Int?
    /// Last time bot audio or a mark arrived or audio played (ms since dial).
    private var lastActivity: Int?

    /// What one 20 ms tick did.
    struct Tick {
        var burstStarted = false
        /// The burst that ended, in played milliseconds.
        var burstEndedMilliseconds: Int?
        /// Marks reached (to echo, not cleared).
        var marks: [String] = []
        var observation: BotObservation
    }

    var playedMilliseconds: Int { playedBytes / MuLaw.bytesPerMillisecond }

    mutating func receiveAudio(_ bytes: [UInt8], at now: Int) {
        lastActivity = now
        queue.appendAudio(bytes)
    }

    /// Queues a mark; true when it must be echoed at once (nothing queued before it).
    mutating func receiveMark(_ name: String, at now: Int) -> Bool {
        lastActivity = now
        return queue.appendMark(name)
    }

    /// `clear`: drops queued audio; returns the dropped milliseconds, the queued marks (to echo as
    /// cleared) and the burst that ended.
    mutating func clear() -> (droppedMilliseconds: Int, marks: [String], burstEndedMilliseconds: Int?) {
        let (dropped, marks) = queue.clear()
        return (dropped / MuLaw.bytesPerMillisecond, marks, endBurst())
    }

    /// Plays 20 ms of queued audio.
    mutating func tick(at now: Int) -> Tick {
        let (played, marks) = queue.drain(budget: MuLaw.frameBytes)
        var tick = Tick(observation: BotObservation(nowMilliseconds: now, playedMilliseconds: 0, isPlaying: false))
        if played > 0 {
            if burstBytes == nil {
                burstBytes = 0
                tick.burstStarted = true
            }
            burstBytes = (burstBytes ?? 0) + played
            playedBytes += played
            lastActivity = now
        } else {
            tick.burstEndedMilliseconds = endBurst()
        }
        tick.marks = marks
        tick.observation = BotObservation(
            nowMilliseconds: now, playedMilliseconds: playedMilliseconds, isPlaying: !queue.isEmpty, lastActivityMilliseconds: lastActivity)
        return tick
    }

    /// Ends the burst playing now (stop, clear, silence); its played milliseconds, or nil if none was.
    mutating func endBurst() -> Int? {
        guard let bytes = burstBytes else { return nil }
        burstBytes = nil
        return bytes / MuLaw.bytesPerMillisecond
    }
}
