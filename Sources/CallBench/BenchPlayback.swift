/// The phone's playback buffer, as Twilio keeps it: agent audio and marks in one FIFO, played in real
/// time; a mark is echoed when the audio before it has played (at once if nothing is queued); `clear`
/// drops the audio and returns every pending mark.
struct BenchPlayback: Sendable {
    enum Entry: Sendable, Equatable {
        case audio(bytes: Int)
        case mark(String)
    }

    private var entries: [Entry] = []
    private var head = 0

    var isEmpty: Bool { head == entries.count }

    mutating func appendAudio(bytes: Int) {
        guard bytes > 0 else { return }
        entries.append(.audio(bytes: bytes))
    }

    /// Queues a mark; returns true when it must be echoed at once (nothing queued before it).
    mutating func appendMark(_ name: String) -> Bool {
        if isEmpty { return true }
        entries.append(.mark(name))
        return false
    }

    /// Plays `bytes` (one 20 ms tick = 160). Returns whether any audio played and the marks now due.
    mutating func play(bytes: Int, marks: inout [String]) -> Bool {
        var budget = bytes
        var played = false
        while head < entries.count {
            switch entries[head] {
            case .mark(let name):
                marks.append(name)
                head += 1
            case .audio(let remaining):
                guard budget > 0 else { compact(); return played }
                played = true
                if remaining > budget {
                    entries[head] = .audio(bytes: remaining - budget)
                    compact()
                    return played
                }
                budget -= remaining
                head += 1
            }
        }
        compact()
        return played
    }

    /// Drops every queued audio chunk; returns the pending marks in order.
    mutating func clear() -> [String] {
        var marks: [String] = []
        for entry in entries[head...] { if case .mark(let name) = entry { marks.append(name) } }
        entries.removeAll(keepingCapacity: true)
        head = 0
        return marks
    }

    private mutating func compact() {
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 {
            entries.removeFirst(head)
            head = 0
        }
    }
}
