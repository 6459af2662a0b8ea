import Synchronization

/// What one fake Realtime session received from its client (and a little of what it sent).
public struct FakeRealtimeSessionRecord: Sendable, Equatable {
    /// A `conversation.item.truncate` as received.
    public struct Truncate: Sendable, Equatable {
        public var itemId: String
        public var contentIndex: Int
        public var audioEndMs: Int
        /// Whether the server accepted it (`conversation.item.truncated`) or answered `error`.
        public var accepted: Bool
    }

    /// Session id (`sess_…`).
    public var sessionId: String
    /// `model` query parameter of the handshake.
    public var model: String
    /// Client event types in arrival order; a run of consecutive `input_audio_buffer.append` is recorded once.
    public var clientEventTypes: [String] = []
    /// Server event types in send order, deltas included (bounded to the first 10,000).
    public var serverEventTypes: [String] = []
    /// Every truncate request in order.
    public var truncates: [Truncate] = []
    /// Number of `response.cancel` events received.
    public var cancels = 0
    /// Number of `input_audio_buffer.append` events and their decoded bytes.
    public var appendCount = 0
    public var appendedBytes = 0
    /// `error` codes the server sent, in order.
    public var errorCodes: [String] = []
    /// Responses the server finished: id and final status (`completed`, `cancelled`, `failed`).
    public var responses: [(id: String, status: String)] { responseLog.map { ($0.id, $0.status) } }
    var responseLog: [ResponseEntry] = []
    /// True once the socket is closed.
    public var closed = false

    struct ResponseEntry: Sendable, Equatable {
        var id: String
        var status: String
    }

    /// Count of client events of `type` (appends: use `appendCount`).
    public func count(of type: String) -> Int { clientEventTypes.lazy.filter { $0 == type }.count }
}

/// Thread-safe log of every session a ``FakeRealtimeServer`` served, for test assertions.
public final class FakeRealtimeRecorder: Sendable {
    private struct Waiter {
        let id: Int
        let predicate: @Sendable ([FakeRealtimeSessionRecord]) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var sessions: [FakeRealtimeSessionRecord] = []
        var waiters: [Waiter] = []
        var nextWaiterId = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Snapshot of all sessions, in connection order.
    public var sessions: [FakeRealtimeSessionRecord] { state.withLock { $0.sessions } }

    /// Waits until `predicate` holds for the sessions or `timeout` passes; returns whether it held.
    public func wait(
        timeout: Duration = .seconds(5),
        until predicate: @escaping @Sendable ([FakeRealtimeSessionRecord]) -> Bool
    ) async -> Bool {
        let id = state.withLock { s -> Int in
            s.nextWaiterId += 1
            return s.nextWaiterId
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resolved: Bool? = self.state.withLock { s in
                        if predicate(s.sessions) { return true }
                        s.waiters.append(Waiter(id: id, predicate: predicate, continuation: continuation))
                        return nil
                    }
                    if let resolved { continuation.resume(returning: resolved) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resolve(id: id, with: false)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            self.resolve(id: id, with: first)
            return first
        }
    }

    private func resolve(id: Int, with value: Bool) {
        let waiter = state.withLock { s -> Waiter? in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: value)
    }

    func open(sessionId: String, model: String) -> Int {
        update(nil) { sessions in
            sessions.append(FakeRealtimeSessionRecord(sessionId: sessionId, model: model))
            return sessions.count - 1
        }
    }

    /// Applies `change` to session `index` and wakes satisfied waiters.
    func update<T>(_ index: Int?, _ change: (inout [FakeRealtimeSessionRecord]) -> T) -> T {
        var ready: [Waiter] = []
        let result = state.withLock { s -> T in
            let value = change(&s.sessions)
            if !s.waiters.isEmpty {
                let sessions = s.sessions
                var remaining: [Waiter] = []
                for waiter in s.waiters {
                    if waiter.predicate(sessions) { ready.append(waiter) } else { remaining.append(waiter) }
                }
                s.waiters = remaining
            }
            return value
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
        return result
    }

    func record(_ index: Int, _ change: (inout FakeRealtimeSessionRecord) -> Void) {
        update(index) { sessions in change(&sessions[index]) }
    }
}
