/// Latency samples in 10 µs buckets up to 2 s (exact maximum kept): exact enough for p50/p99 in
/// milliseconds, constant memory however many frames a run measures.
public struct LatencyHistogram: Sendable, Equatable {
    /// Bucket width in microseconds.
    public static let bucketMicros: Int64 = 10
    static let bucketCount = 200_000

    private var buckets: [UInt32]
    private var overflow: Int = 0
    /// Number of samples.
    public private(set) var count: Int = 0
    /// Largest sample, microseconds.
    public private(set) var maxMicros: Int64 = 0

    /// An empty histogram.
    public init() {
        buckets = [UInt32](repeating: 0, count: Self.bucketCount)
    }

    /// Adds one sample (negative samples count as 0).
    public mutating func record(micros: Int64) {
        let value = max(0, micros)
        count += 1
        maxMicros = max(maxMicros, value)
        let index = Int(value / Self.bucketMicros)
        if index < Self.bucketCount { buckets[index] &+= 1 } else { overflow += 1 }
    }

    /// Adds every sample of `other`.
    public mutating func merge(_ other: LatencyHistogram) {
        for index in 0..<Self.bucketCount where other.buckets[index] != 0 { buckets[index] &+= other.buckets[index] }
        overflow += other.overflow
        count += other.count
        maxMicros = max(maxMicros, other.maxMicros)
    }

    /// The `fraction` quantile (0…1) in milliseconds: the upper edge of the bucket holding that rank,
    /// never above the maximum; nil without samples.
    public func quantileMilliseconds(_ fraction: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(count)).rounded(.up)))
        var seen = 0
        for index in 0..<Self.bucketCount {
            seen += Int(buckets[index])
            if seen >= rank {
                let upper = Int64(index + 1) * Self.bucketMicros
                return Double(min(upper, maxMicros)) / 1_000
            }
        }
        return Double(maxMicros) / 1_000
    }

    /// The maximum in milliseconds; nil without samples.
    public var maxMilliseconds: Double? { count > 0 ? Double(maxMicros) / 1_000 : nil }
}
