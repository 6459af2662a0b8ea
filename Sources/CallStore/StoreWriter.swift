import Logging
import Synchronization

/// The write path: one bounded queue shared by all calls, drained by ``run()`` in group commits.
///
/// - ``submit(_:onAcknowledged:)`` enqueues; it suspends while the queue is full (back-pressure) and
///   never drops a write.
/// - ``run()`` takes everything queued (up to ``Configuration/maxBatch``), commits it in ONE transaction,
///   then calls each write's callback with `true`, in submission order (so a call's acks come back in
///   the order it submitted). A failing batch is retried with bounded backoff; if it still fails, the
///   writes are tried one by one so a single bad write cannot fail its neighbours, and each write that
///   still fails is acknowledged with `false`. Nothing is silently dropped.
/// - Cancelling ``run()`` stops intake (later submits are acknowledged `false` at once), commits what is
///   already queued — including submitters waiting for room — and returns. Bounded: at most the queue
///   capacity plus the waiting submitters, each batch with at most ``Configuration/maxAttempts`` tries.
///
/// Run ``run()`` exactly once, as a long-lived service (e.g. in the server's ServiceGroup or task group).
public final class StoreWriter: Sendable {
    /// Limits of the write path.
    public struct Configuration: Sendable, Hashable {
        /// Writes that may wait in the queue; a full queue makes ``StoreWriter/submit(_:onAcknowledged:)`` wait.
        public var queueCapacity: Int
        /// Most writes committed in one transaction.
        public var maxBatch: Int
        /// Tries of one batch before it is split into single writes.
        public var maxAttempts: Int
        /// Wait before the 2nd try; doubled for each later try, capped at `maxBackoff`.
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        /// Consecutive failing single writes after which the rest of a split batch is failed without
        /// trying (the database is down, not one write bad).
        public var maxConsecutiveSingleFailures: Int

        public init(
            queueCapacity: Int = 4096, maxBatch: Int = 512, maxAttempts: Int = 3,
            initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .milliseconds(500),
            maxConsecutiveSingleFailures: Int = 3
        ) {
            self.queueCapacity = max(1, queueCapacity)
            self.maxBatch = max(1, maxBatch)
            self.maxAttempts = max(1, maxAttempts)
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxConsecutiveSingleFailures = max(1, maxConsecutiveSingleFailures)
        }
    }

    /// Callback with `true` once the write is committed, `false` if it could not be.
    public typealias Acknowledgement = @Sendable (Bool) -> Void

    struct Pending: Sendable {
        var write: StoreWrite
        var acknowledge: Acknowledgement
    }

    private let store: any CallStore
    private let configuration: Configuration
    private let logger: Logger
    private let queue: WriteQueue

    public init(store: any CallStore, configuration: Configuration = .init(), logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.queue = WriteQueue(capacity: configuration.queueCapacity)
    }

    /// Submitters currently waiting for room in the full queue (back-pressure gauge for metrics).
    public var waitingSubmitters: Int { queue.parkedCount }

    /// Enqueues `write`; suspends while the queue is full. `onAcknowledged` is called exactly once, from
    /// the writer's task: `true` when committed, `false` when the store failed it or the writer had stopped.
    /// Keep the callback short (e.g. feed an event into the call's inbox). Waiting for room does not end
    /// on task cancellation: the write is already owned by the writer, which will answer it.
    public func submit(_ write: StoreWrite, onAcknowledged: @escaping Acknowledgement) async {
        let pending = Pending(write: write, acknowledge: onAcknowledged)
        if !(await queue.push(pending)) {
            logger.error("store write submitted after the writer stopped", metadata: ["call_id": "\(write.callID)"])
            onAcknowledged(false)
        }
    }

    /// Submits and waits for the acknowledgement; returns whether the write was committed.
    public func submitAndWait(_ write: StoreWrite) async -> Bool {
        let (stream, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .unbounded)
        await submit(write) { ok in
            continuation.yield(ok)
            continuation.finish()
        }
        for await ok in stream { return ok }
        return false
    }

    /// Stops intake (later submits are acknowledged `false`) and makes ``run()`` return once everything
    /// already queued is committed — the same drain as cancelling it, without cancelling. Use it from a
    /// graceful-shutdown handler: `withGracefulShutdownHandler { await writer.run() } onGracefulShutdown: { writer.finish() }`.
    public func finish() {
        queue.requestStop()
    }

    /// Writes queued batches until cancelled or ``finish()``, then drains the queue and returns. Call once.
    public func run() async {
        guard queue.startRunning() else {
            logger.error("StoreWriter.run() called more than once; ignoring")
            return
        }
        while let batch = await queue.nextBatch(max: configuration.maxBatch) {
            await commit(batch)
        }
        logger.debug("store writer drained and stopped")
    }

    /// Commits one batch with retries; acknowledges every write of it, in order.
    private func commit(_ batch: [Pending]) async {
        let writes = batch.map(\.write)
        var backoff = configuration.initialBackoff
        for attempt in 1...configuration.maxAttempts {
            do {
                try await store.write(writes)
                for pending in batch { pending.acknowledge(true) }
                return
            } catch {
                logger.error("store batch write failed", metadata: [
                    "attempt": "\(attempt)", "of": "\(configuration.maxAttempts)",
                    "writes": "\(batch.count)", "error": "\(error)",
                ])
                if attempt < configuration.maxAttempts {
                    // While draining after cancellation the sleep returns at once: retries stay bounded.
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, configuration.maxBackoff)
                }
            }
        }
        guard batch.count > 1 else {
            batch[0].acknowledge(false)
            return
        }
        // Isolate the bad write(s): one by one, in order.
        var consecutiveFailures = 0
        for pending in batch {
            guard consecutiveFailures < configuration.maxConsecutiveSingleFailures else {
                pending.acknowledge(false)
                continue
            }
            do {
                try await store.write([pending.write])
                consecutiveFailures = 0
                pending.acknowledge(true)
            } catch {
                consecutiveFailures += 1
                logger.error("store write failed", metadata: ["call_id": "\(pending.write.callID)", "error": "\(error)"])
                pending.acknowledge(false)
            }
        }
    }
}

/// The bounded FIFO between submitters and the writer loop.
///
/// Submitters that find it full park with their write; when the writer takes a batch it moves parked
/// writes into the freed room, in arrival order, and resumes their submitters. So order is global FIFO
/// and a parked write is never lost.
final class WriteQueue: Sendable {
    private struct State {
        var items: [StoreWriter.Pending] = []
        var head = 0
        var parked: [(StoreWriter.Pending, CheckedContinuation<Bool, Never>)] = []
        var consumer: CheckedContinuation<Void, Never>?
        var running = false
        /// Set when the writer's task is cancelled: no more intake, drain then stop.
        var stopping = false
        var stopped = false

        var count: Int { items.count - head }
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Submitters waiting for room (a back-pressure gauge).
    var parkedCount: Int { state.withLock { $0.parked.count } }

    /// Marks the loop as running; false if it already ran.
    func startRunning() -> Bool {
        state.withLock { s in
            guard !s.running else { return false }
            s.running = true
            return true
        }
    }

    /// Appends, waiting for room when full. False when the writer has stopped (the write was not taken).
    func push(_ pending: StoreWriter.Pending) async -> Bool {
        enum Outcome { case accepted(CheckedContinuation<Void, Never>?), rejected, full }
        let outcome = state.withLock { s -> Outcome in
            if s.stopping || s.stopped { return .rejected }
            if s.count < capacity && s.parked.isEmpty {
                s.items.append(pending)
                defer { s.consumer = nil }
                return .accepted(s.consumer)
            }
            return .full
        }
        switch outcome {
        case .accepted(let consumer):
            consumer?.resume()
            return true
        case .rejected:
            return false
        case .full:
            return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLock { s -> Outcome in
                    if s.stopped { return .rejected }
                    if s.count < capacity && s.parked.isEmpty && !s.stopping {
                        s.items.append(pending)
                        defer { s.consumer = nil }
                        return .accepted(s.consumer)
                    }
                    if s.stopping { return .rejected }
                    s.parked.append((pending, continuation))
                    return .full
                }
                switch immediate {
                case .accepted(let consumer):
                    consumer?.resume()
                    continuation.resume(returning: true)
                case .rejected:
                    continuation.resume(returning: false)
                case .full:
                    break  // resumed by nextBatch when room frees up
                }
            }
        }
    }

    /// The next batch in FIFO order; waits while empty. After cancellation it returns what is left
    /// (queue, then parked writes) and finally nil.
    func nextBatch(max: Int) async -> [StoreWriter.Pending]? {
        while true {
            enum Step { case batch([StoreWriter.Pending], [CheckedContinuation<Bool, Never>]), finished, wait }
            let cancelled = Task.isCancelled
            let step = state.withLock { s -> Step in
                if cancelled { s.stopping = true }
                if s.count > 0 {
                    let n = Swift.min(max, s.count)
                    let batch = Array(s.items[s.head ..< s.head + n])
                    s.head += n
                    if s.head == s.items.count {
                        s.items.removeAll(keepingCapacity: true)
                        s.head = 0
                    } else if s.head > 1024 && s.head * 2 > s.items.count {
                        s.items.removeFirst(s.head)
                        s.head = 0
                    }
                    // Move parked writes into the freed room, oldest first.
                    var admitted: [CheckedContinuation<Bool, Never>] = []
                    var moved = 0
                    while moved < s.parked.count && s.count < capacity {
                        s.items.append(s.parked[moved].0)
                        admitted.append(s.parked[moved].1)
                        moved += 1
                    }
                    s.parked.removeFirst(moved)
                    return .batch(batch, admitted)
                }
                if s.stopping {
                    // Empty queue implies nothing parked (parked writes move in as room frees).
                    s.stopped = true
                    return .finished
                }
                return .wait
            }
            switch step {
            case .batch(let batch, let admitted):
                for continuation in admitted { continuation.resume(returning: true) }
                return batch
            case .finished:
                return nil
            case .wait:
                await waitForWork()
            }
        }
    }

    /// Stops intake; the writer drains and stops.
    func requestStop() {
        let consumer = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.stopping = true
            defer { s.consumer = nil }
            return s.consumer
        }
        consumer?.resume()
    }

    /// Suspends until a push, a stop request or cancellation.
    private func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.count > 0 || s.stopping || Task.isCancelled { return true }
                    s.consumer = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let consumer = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.stopping = true
                defer { s.consumer = nil }
                return s.consumer
            }
            consumer?.resume()
        }
    }
}
