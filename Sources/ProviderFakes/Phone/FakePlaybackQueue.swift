/// A carrier's outbound playback buffer (Twilio and Telnyx share the model): audio and marks in one FIFO,
/// drained in real time.
///
/// A mark is returned when all audio queued before it has played, at once when nothing is queued;
/// `clear` drops the audio and returns every pending mark in order.
struct FakePlaybackQueue {
    private enum Item {
        case audio(ArraySlice<UInt8>)
        case mark(String)
    }

    private var items: [Item] = []
    private var head = 0
    private(set) var queuedBytes = 0

    /// True when no audio is waiting to play.
    var isEmpty: Bool { queuedBytes == 0 }

    mutating func appendAudio(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        items.append(.audio(bytes[...]))
        queuedBytes += bytes.count
    }

    /// Queues a mark; returns true when it must be echoed at once (nothing queued before it).
    mutating func appendMark(_ name: String) -> Bool {
        if head >= items.count { return true }
        items.append(.mark(name))
        return false
    }

    /// Plays up to `budget` bytes; returns the bytes played and the marks reached, in order.
    mutating func drain(budget: Int) -> (played: Int, marks: [String]) {
        var left = budget
        var marks: [String] = []
        while head < items.count {
            switch items[head] {
            case .mark(let name):
                marks.append(name)
                head += 1
            case .audio(let slice):
                if left == 0 { return finish(budget - left, marks) }
                let take = min(left, slice.count)
                left -= take
                queuedBytes -= take
                if take == slice.count {
                    head += 1
                } else {
                    items[head] = .audio(slice.dropFirst(take))
                }
            }
        }
        return finish(budget - left, marks)
    }

    /// Drops all audio; returns the dropped byte count and every pending mark in order.
    mutating func clear() -> (dropped: Int, marks: [String]) {
        var marks: [String] = []
        for item in items[head...] {
            if case .mark(let name) = item { marks.append(name) }
        }
        let dropped = queuedBytes
        items.removeAll()
        head = 0
        queuedBytes = 0
        return (dropped, marks)
    }

    private mutating func finish(_ played: Int, _ marks: [String]) -> (played: Int, marks: [String]) {
        if head > 256 || head == items.count {
            items.removeFirst(head)
            head = 0
        }
        return (played, marks)
    }
}
