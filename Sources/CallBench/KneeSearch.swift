/// Finds the largest number of calls that stays within the limits: doubling from `start` until a run
/// fails (or `ceiling` passes), then bisecting between the last pass and the first failure down to
/// `resolution` calls. Bounded: at most `maxRuns` runs.
public struct KneeSearch: Sendable, Equatable {
    /// Largest N tried.
    public let ceiling: Int
    /// Stop when the pass/fail bracket is this narrow.
    public let resolution: Int
    /// Bound on the number of runs.
    public let maxRuns: Int
    /// Largest N that passed.
    public private(set) var best: Int?
    /// Smallest N that failed.
    public private(set) var firstFailure: Int?
    public private(set) var runs = 0
    private var nextDoubling: Int?

    /// A search starting at `start` calls.
    public init(start: Int = 100, ceiling: Int = 4_000, resolution: Int = 50, maxRuns: Int = 8) {
        self.ceiling = max(1, ceiling)
        self.resolution = max(1, resolution)
        self.maxRuns = max(1, maxRuns)
        self.nextDoubling = min(max(1, start), self.ceiling)
    }

    /// The next N to run, nil when done.
    public func next() -> Int? {
        guard runs < maxRuns else { return nil }
        if let nextDoubling { return nextDoubling }
        let low = best ?? 0
        guard let high = firstFailure, high - low > resolution else { return nil }
        let mid = (low + high) / 2
        return mid > low ? mid : nil
    }

    /// Steal above this (percent of the machine's CPU time taken by the hypervisor during a run) spoils a
    /// failed run: the VM, not the server, may have missed the limits.
    public static let stealLimitPercent = 5.0
    /// Most runs of one N (the first plus repeats of spoiled failures).
    public static let attemptsPerStep = 3

    /// Whether a run of one step is repeated before it counts: only a failure under heavy steal, and at
    /// most `attemptsPerStep` runs in all. A pass always counts.
    public static func repeatsStep(passed: Bool, stealPercent: Double?, attempt: Int) -> Bool {
        !passed && (stealPercent ?? 0) > stealLimitPercent && attempt < attemptsPerStep
    }

    /// Records the result of a run of `calls`.
    public mutating func record(calls: Int, passed: Bool) {
        runs += 1
        if passed {
            best = max(best ?? 0, calls)
        } else {
            firstFailure = min(firstFailure ?? Int.max, calls)
        }
        if nextDoubling != nil {
            if passed && calls < ceiling {
                nextDoubling = min(calls * 2, ceiling)
            } else {
                nextDoubling = nil
            }
        }
    }
}
