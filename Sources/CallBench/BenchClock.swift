/// The one monotonic clock both ends of every measured path read (they are in the same process).
public struct BenchClock: Sendable {
    let origin: ContinuousClock.Instant

    /// A clock whose zero is now.
    public init() { origin = .now }

    /// Microseconds since the bench started.
    public func micros() -> UInt64 {
        let (seconds, attoseconds) = (ContinuousClock.now - origin).components
        return UInt64(max(0, seconds)) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
    }
}
