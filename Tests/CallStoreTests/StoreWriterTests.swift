import Synchronization
import Testing
@testable import CallStore

/// Records acknowledgements in the order they arrive.
final class AckLog: Sendable {
    struct Ack: Sendable, Equatable {
        var callID: String
        var sequence: Int
        var ok: Bool
    }

    private let acks = Mutex<[Ack]>([])
    private let events = Mutex<[String]>([])
    let stream: AsyncStream<Ack>
    private let continuation: AsyncStream<Ack>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Ack.self, bufferingPolicy: .unbounded)
    }

    func callback(_ callID: String, _ sequence: Int) -> StoreWriter.Acknowledgement {
        { ok in
            let ack = Ack(callID: callID, sequence: sequence, ok: ok)
            self.acks.withLock { $0.append(ack) }
            self.event("ack \(callID)#\(sequence) \(ok)")
            self.continuation.yield(ack)
        }
    }

    func event(_ e: String) { events.withLock { $0.append(e) } }
    var all: [Ack] { acks.withLock { $0 } }
    var log: [String] { events.withLock { $0 } }

    /// Waits (bounded by the caller's timeout) until `count` acks arrived.
    func waitFor(_ count: Int) async {
        var seen = 0
        for await _ in stream {
            seen += 1
            if seen >= count { return }
        }
    }
}

@Suite("StoreWriter on both backends")
struct StoreWriterTests {
    @Test(arguments: Backend.allCases)
    func acksEveryWriteInOrderPerCallUnderConcurrency(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            let calls = 12, perCall = 40
            let writer = StoreWriter(
                store: store, configuration: .init(queueCapacity: 32, maxBatch: 16), logger: testLogger)
            let log = AckLog()
            try await withTimeout {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await writer.run() }
                    await withTaskGroup(of: Void.self) { callers in
                        for c in 0 ..< calls {
                            callers.addTask {
                                let id = "w\(c)"
                                await writer.submit(started(id, at: Int64(c)), onAcknowledged: log.callback(id, -1))
                                for seq in 0 ..< perCall {
                                    await writer.submit(message(id, seq, "m\(seq)"), onAcknowledged: log.callback(id, seq))
                                }
                            }
                        }
                    }
                    await log.waitFor(calls * (perCall + 1))
                    group.cancelAll()
                }
            }
            let acks = log.all
            #expect(acks.count == calls * (perCall + 1))
            #expect(acks.allSatisfy { $0.ok })
            for c in 0 ..< calls {
                let sequences = acks.filter { $0.callID == "w\(c)" }.map(\.sequence)
                #expect(sequences == Array(-1 ..< perCall), "acks of call w\(c) out of submission order")
                let detail = try #require(try await store.call(id: "w\(c)"))
                #expect(detail.messages.map(\.sequence) == Array(0 ..< perCall))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func fullQueueMakesSubmitWaitInsteadOfDropping(_ backend: Backend) async throws {
        try await withFreshStore(backend) { real in
            let store = HeldStore(real)
            let writer = StoreWriter(store: store, configuration: .init(queueCapacity: 1, maxBatch: 1), logger: testLogger)
            let log = AckLog()
            try await withTimeout {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await writer.run() }
                    // 1: taken by the writer, whose commit is held.
                    await writer.submit(started("q", at: 1), onAcknowledged: log.callback("q", -1))
                    await store.waitUntilWriteStarted()
                    // 2: fills the queue (capacity 1) and returns at once.
                    await writer.submit(message("q", 0), onAcknowledged: log.callback("q", 0))
                    // 3: the queue is full, so this submit must wait.
                    group.addTask {
                        await writer.submit(message("q", 1), onAcknowledged: log.callback("q", 1))
                        log.event("submit 3 returned")
                    }
                    while writer.waitingSubmitters == 0 { await Task.yield() }
                    #expect(!log.log.contains("submit 3 returned"))
                    log.event("release")
                    store.releaseAll()
                    await log.waitFor(3)
                    group.cancelAll()
                }
            }
            let events = log.log
            let released = try #require(events.firstIndex(of: "release"))
            let returned = try #require(events.firstIndex(of: "submit 3 returned"))
            #expect(released < returned, "submit returned before the queue had room: \(events)")
            #expect(log.all.map(\.sequence) == [-1, 0, 1])
            #expect(log.all.allSatisfy { $0.ok })
            #expect(try #require(try await real.call(id: "q")).messages.count == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func cancellingRunDrainsTheQueueThenRejects(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            let writer = StoreWriter(store: store, configuration: .init(queueCapacity: 100, maxBatch: 7), logger: testLogger)
            let log = AckLog()
            await writer.submit(started("drain", at: 1), onAcknowledged: log.callback("drain", -1))
            for seq in 0 ..< 50 {
                await writer.submit(message("drain", seq), onAcknowledged: log.callback("drain", seq))
            }
            try await withTimeout {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await writer.run() }
                    group.cancelAll()
                }
            }
            #expect(log.all.count == 51)
            #expect(log.all.allSatisfy { $0.ok })
            #expect(try #require(try await store.call(id: "drain")).messages.count == 50)
            // After the writer stopped, a submit is answered `false` at once (never left hanging).
            let late = try await withTimeout { await writer.submitAndWait(message("drain", 99)) }
            #expect(late == false)
        }
    }

    @Test(arguments: Backend.allCases)
    func finishDrainsTheQueueWithoutCancelling(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            let writer = StoreWriter(store: store, configuration: .init(maxBatch: 5), logger: testLogger)
            let log = AckLog()
            await writer.submit(started("fin", at: 1), onAcknowledged: log.callback("fin", -1))
            for seq in 0 ..< 20 {
                await writer.submit(message("fin", seq), onAcknowledged: log.callback("fin", seq))
            }
            try await withTimeout {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await writer.run() }
                    writer.finish()
                    await group.waitForAll()
                }
            }
            #expect(log.all.map(\.sequence) == Array(-1 ..< 20))
            #expect(log.all.allSatisfy { $0.ok })
            #expect(try #require(try await store.call(id: "fin")).messages.count == 20)
            #expect(try await withTimeout { await writer.submitAndWait(message("fin", 99)) } == false)
        }
    }

    @Test(arguments: Backend.allCases)
    func benchmarkRunsAndPersistsEverything(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            let result = try await withTimeout {
                try await StoreBenchmark.run(store: store, calls: 8, messagesPerCall: 5, concurrency: 3)
            }
            #expect(result.messages == 40)
            #expect(result.failedWrites == 0)
            #expect(result.p50AckMs <= result.p99AckMs && result.p99AckMs <= result.maxAckMs)
            let page = try await store.listCalls(state: .ended, limit: 100, before: nil)
            #expect(page.calls.count == 8)
            #expect(page.calls.allSatisfy { $0.finalizedAt != nil && $0.failedWrites == 0 })
        }
    }
}

@Suite("StoreWriter failure handling")
struct StoreWriterFailureTests {
    @Test func aBadWriteFailsAloneAndTheRestOfItsBatchCommits() async throws {
        let real = try await makeCallStore(url: "sqlite::memory:", logger: testLogger)
        let store = FailingStore(real, poisonCallID: "bad")
        let writer = StoreWriter(
            store: store, configuration: .init(maxBatch: 64, initialBackoff: .milliseconds(1)), logger: testLogger)
        let log = AckLog()
        await writer.submit(started("good", at: 1), onAcknowledged: log.callback("good", -1))
        await writer.submit(started("bad", at: 2), onAcknowledged: log.callback("bad", -1))
        await writer.submit(message("good", 0), onAcknowledged: log.callback("good", 0))
        try await withTimeout {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await writer.run() }
                await log.waitFor(3)
                group.cancelAll()
            }
        }
        #expect(log.all == [
            .init(callID: "good", sequence: -1, ok: true),
            .init(callID: "bad", sequence: -1, ok: false),
            .init(callID: "good", sequence: 0, ok: true),
        ])
        #expect(try #require(try await real.call(id: "good")).messages.count == 1)
        #expect(try await real.call(id: "bad") == nil)
        try await real.close()
    }

    @Test func aDownStoreGetsBoundedRetriesThenFalseForEveryWrite() async throws {
        let real = try await makeCallStore(url: "sqlite::memory:", logger: testLogger)
        let store = FailingStore(real, poisonCallID: nil)
        let writer = StoreWriter(
            store: store,
            configuration: .init(maxBatch: 64, maxAttempts: 3, initialBackoff: .milliseconds(1), maxConsecutiveSingleFailures: 2),
            logger: testLogger)
        let log = AckLog()
        for seq in 0 ..< 10 {
            await writer.submit(message("x", seq), onAcknowledged: log.callback("x", seq))
        }
        try await withTimeout {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await writer.run() }
                await log.waitFor(10)
                group.cancelAll()
            }
        }
        #expect(log.all.map(\.sequence) == Array(0 ..< 10))
        #expect(log.all.allSatisfy { !$0.ok })
        // 3 batch tries + 2 single tries, then the rest failed without hammering the store.
        #expect(store.attempts == 5)
        try await real.close()
    }
}

/// Wraps a store; each `write` waits until the test releases it.
final class HeldStore: CallStore {
    private let inner: any CallStore
    private let state = Mutex<(released: Bool, waiters: [CheckedContinuation<Void, Never>], started: Int)>((false, [], 0))
    private let startedStream: AsyncStream<Void>
    private let startedContinuation: AsyncStream<Void>.Continuation

    init(_ inner: any CallStore) {
        self.inner = inner
        (startedStream, startedContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .unbounded)
    }

    func waitUntilWriteStarted() async {
        for await _ in startedStream { return }
    }

    func releaseAll() {
        let waiters = state.withLock { s in
            s.released = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    func write(_ batch: [StoreWrite]) async throws {
        startedContinuation.yield()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.released { return true }
                s.waiters.append(c)
                return false
            }
            if go { c.resume() }
        }
        try await inner.write(batch)
    }

    func migrate() async throws { try await inner.migrate() }
    func recoverAbandonedCalls(at: Int64) async throws -> [String] { try await inner.recoverAbandonedCalls(at: at) }
    func listCalls(state: CallListState, limit: Int, before: CallCursor?) async throws -> CallPage {
        try await inner.listCalls(state: state, limit: limit, before: before)
    }
    func call(id: String) async throws -> CallDetail? { try await inner.call(id: id) }
    func close() async throws { try await inner.close() }
}

/// Wraps a store; fails any batch containing `poisonCallID` (or every batch when nil). Counts tries.
final class FailingStore: CallStore {
    struct Injected: Error {}
    private let inner: any CallStore
    private let poison: String?
    private let count = Mutex(0)

    init(_ inner: any CallStore, poisonCallID: String?) {
        self.inner = inner
        self.poison = poisonCallID
    }

    var attempts: Int { count.withLock { $0 } }

    func write(_ batch: [StoreWrite]) async throws {
        count.withLock { $0 += 1 }
        if poison == nil || batch.contains(where: { $0.callID == poison }) { throw Injected() }
        try await inner.write(batch)
    }

    func migrate() async throws { try await inner.migrate() }
    func recoverAbandonedCalls(at: Int64) async throws -> [String] { try await inner.recoverAbandonedCalls(at: at) }
    func listCalls(state: CallListState, limit: Int, before: CallCursor?) async throws -> CallPage {
        try await inner.listCalls(state: state, limit: limit, before: before)
    }
    func call(id: String) async throws -> CallDetail? { try await inner.call(id: id) }
    func close() async throws { try await inner.close() }
}
