import Synchronization

/// Remembers the last `capacity` webhook `data.id`s so retried deliveries are recognised (§4.1, §9.8).
///
/// Bounded: when full, the oldest id is forgotten (FIFO). A value type; share one through
/// `TelnyxSharedWebhookDeduplicator` when several request handlers need it.
public struct TelnyxWebhookDeduplicator: Sendable {
    /// Most ids remembered.
    public let capacity: Int
    private var seen: Set<String> = []
    /// Ring of remembered ids in arrival order; `next` is the slot to overwrite.
    private var ring: [String] = []
    private var next = 0

    /// - Parameter capacity: at least 1; default 10,000.
    public init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
        seen.reserveCapacity(min(self.capacity, 1 << 16))
    }

    /// How many ids are remembered now.
    public var count: Int { ring.count }

    /// True if `id` was already recorded; otherwise records it and returns false.
    public mutating func isDuplicate(_ id: String) -> Bool {
        if seen.contains(id) { return true }
        if ring.count < capacity {
            ring.append(id)
        } else {
            seen.remove(ring[next])
            ring[next] = id
            next = (next + 1) % capacity
        }
        seen.insert(id)
        return false
    }

    /// True if `id` is remembered (does not record it).
    public func contains(_ id: String) -> Bool { seen.contains(id) }
}

/// A thread-safe `TelnyxWebhookDeduplicator` for concurrent webhook handlers.
public final class TelnyxSharedWebhookDeduplicator: Sendable {
    private let state: Mutex<TelnyxWebhookDeduplicator>

    public init(capacity: Int = 10_000) {
        state = Mutex(TelnyxWebhookDeduplicator(capacity: capacity))
    }

    /// True if `id` was already recorded; otherwise records it and returns false (atomic).
    public func isDuplicate(_ id: String) -> Bool {
        state.withLock { $0.isDuplicate(id) }
    }
}
