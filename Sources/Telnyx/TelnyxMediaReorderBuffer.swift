/// Puts inbound media back in `sequence_number` order (Telnyx does not guarantee frame order, §5.2).
///
/// Bounded: at most `window` frames wait behind a gap. When one more arrives, the buffer gives up on
/// the missing numbers and releases from the oldest waiting frame on. Duplicates and frames older than
/// what was already released are dropped. `sequence_number` counts every frame of the stream, so
/// report numbers used by non-media frames (`mark`, `dtmf`, …) with `skip(sequence:)`; otherwise
/// they only look like gaps and cost up to `window` frames of delay.
public struct TelnyxMediaReorderBuffer<Frame: Sendable>: Sendable {
    private enum Slot: Sendable {
        case frame(Frame)
        case consumed
    }

    /// Most frames (and recorded non-media numbers) held behind a gap (at least 1).
    public let window: Int
    /// The next sequence number to release; nil until the first frame (or set at init).
    public private(set) var nextSequence: Int?
    /// Frames dropped as duplicates or as too late.
    public private(set) var droppedCount = 0
    /// Sequence numbers given up on (never arrived while the window was full).
    public private(set) var skippedCount = 0
    private var pending: [Int: Slot] = [:]
    private var pendingFrames = 0

    /// - Parameters:
    ///   - window: frames held behind a gap before giving up on it (8 × 20 ms = 160 ms of delay at most).
    ///   - nextSequence: the first number expected, e.g. `start.sequence_number + 1`; nil takes the first pushed frame's.
    public init(window: Int = 8, nextSequence: Int? = nil) {
        self.window = max(1, window)
        self.nextSequence = nextSequence
        pending.reserveCapacity(self.window + 1)
    }

    /// Frames waiting behind a gap.
    public var bufferedCount: Int { pendingFrames }

    /// Accepts a frame; hands each frame now releasable to `release`, in order (possibly none). The hot
    /// path — the expected frame with nothing waiting — releases it at once, without allocating.
    public mutating func push(_ frame: Frame, sequence: Int, release: (Frame) -> Void) {
        insert(.frame(frame), sequence: sequence, release: release)
    }

    /// Records that `sequence` was used by a non-media frame; hands each frame now releasable to `release`.
    public mutating func skip(sequence: Int, release: (Frame) -> Void) {
        insert(.consumed, sequence: sequence, release: release)
    }

    /// Releases everything waiting, in order, ignoring gaps (call on `stop` or socket close).
    public mutating func flush(release: (Frame) -> Void) {
        while pendingFrames > 0 { releaseFromOldestWaiting(release: release) }
        pending.removeAll(keepingCapacity: true)
    }

    private mutating func insert(_ slot: Slot, sequence: Int, release: (Frame) -> Void) {
        let next = nextSequence ?? sequence
        nextSequence = next
        if sequence < next || pending[sequence] != nil {
            if case .frame = slot { droppedCount += 1 }
            return
        }
        // Hot path: the expected frame with nothing waiting.
        if sequence == next, pending.isEmpty {
            nextSequence = next + 1
            if case .frame(let frame) = slot { release(frame) }
            return
        }
        pending[sequence] = slot
        if case .frame = slot { pendingFrames += 1 }
        drain(release: release)
        // Too many held: give up on the gap(s) in front of the oldest waiting frame.
        while pending.count > window { releaseFromOldestWaiting(release: release) }
    }

    /// Gives up on the numbers missing in front of the oldest waiting slot and releases from it on.
    private mutating func releaseFromOldestWaiting(release: (Frame) -> Void) {
        guard let lowest = pending.keys.min() else { return }
        skippedCount += lowest - (nextSequence ?? lowest)
        nextSequence = lowest
        drain(release: release)
    }

    /// Releases consecutive slots starting at `nextSequence`.
    private mutating func drain(release: (Frame) -> Void) {
        guard var next = nextSequence else { return }
        while let slot = pending.removeValue(forKey: next) {
            if case .frame(let frame) = slot {
                release(frame)
                pendingFrames -= 1
            }
            next += 1
        }
        nextSequence = next
    }
}
