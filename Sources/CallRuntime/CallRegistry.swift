import Synchronization

/// The live calls of this server, by the carrier's call id, plus a bounded memory of recently ended
/// ones so late webhooks and frames for them are acknowledged and ignored instead of recreating state.
public final class CallRegistry: Sendable {
    private struct State {
        var live: [String: CallSession] = [:]
        var ended: [String] = []
        var endedSet: Set<String> = []
    }
    private let state = Mutex(State())
    private let tombstoneLimit: Int

    public init(tombstoneLimit: Int = 10_000) {
        self.tombstoneLimit = tombstoneLimit
    }

    /// Registers a new call; returns false (and registers nothing) if the id is live or recently ended.
    public func add(_ session: CallSession, carrierCallID: String) -> Bool {
        state.withLock { state in
            guard state.live[carrierCallID] == nil, !state.endedSet.contains(carrierCallID) else { return false }
            state.live[carrierCallID] = session
            return true
        }
    }

    public func session(carrierCallID: String) -> CallSession? {
        state.withLock { $0.live[carrierCallID] }
    }

    /// Whether the call ended recently (its late inputs are ignored).
    public func recentlyEnded(carrierCallID: String) -> Bool {
        state.withLock { $0.endedSet.contains(carrierCallID) }
    }

    /// Moves a call from live to recently ended.
    public func remove(carrierCallID: String) {
        state.withLock { state in
            guard state.live.removeValue(forKey: carrierCallID) != nil else { return }
            state.ended.append(carrierCallID)
            state.endedSet.insert(carrierCallID)
            if state.ended.count > tombstoneLimit {
                let dropped = state.ended.removeFirst()
                state.endedSet.remove(dropped)
            }
        }
    }

    /// Every live call, in no particular order.
    public var liveSessions: [CallSession] {
        state.withLock { Array($0.live.values) }
    }

    public var liveCount: Int {
        state.withLock { $0.live.count }
    }
}
