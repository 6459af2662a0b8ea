import Synchronization

/// One 20 ms clock for every phone: each call is given a phase (its index modulo 20 ms in 1 ms steps), so
/// the frames of many calls are spread evenly over the 20 ms instead of leaving in one burst, as real
/// calls would. One task wakes every millisecond and ticks the calls of that phase.
final class BenchTicker: Sendable {
    static let phases = 20
    private let subscribers = Mutex<[[Int: AsyncStream<BenchPhoneInput>.Continuation]]>(
        Array(repeating: [:], count: BenchTicker.phases))

    /// Adds a call's inbox to its phase.
    func subscribe(call: Int, _ inbox: AsyncStream<BenchPhoneInput>.Continuation) {
        subscribers.withLock { $0[call % Self.phases][call] = inbox }
    }

    func unsubscribe(call: Int) {
        _ = subscribers.withLock { $0[call % Self.phases].removeValue(forKey: call) }
    }

    /// Ticks until cancelled, against absolute deadlines (no drift).
    func run() async {
        let clock = ContinuousClock()
        var deadline = clock.now
        var phase = 0
        while !Task.isCancelled {
            deadline += .milliseconds(1)
            do { try await clock.sleep(until: deadline, tolerance: .microseconds(200)) } catch { return }
            // After a stall, catch up phase by phase rather than skip frames.
            let inboxes = subscribers.withLock { Array($0[phase].values) }
            for inbox in inboxes { inbox.yield(.tick) }
            phase = (phase + 1) % Self.phases
        }
    }
}
