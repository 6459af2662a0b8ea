import Foundation
import Logging

/// Load test of the write path (used by `switchboard bench-store`).
public enum StoreBenchmark {
    /// What one run measured.
    public struct Result: Sendable, Hashable, Codable {
        /// Transcript messages written (acknowledged `true`).
        public var messages: Int
        /// Writes acknowledged `false` (should be 0).
        public var failedWrites: Int
        public var seconds: Double
        public var messagesPerSecond: Double
        /// Submit→acknowledgement latency of message writes, milliseconds.
        public var p50AckMs: Double
        public var p99AckMs: Double
        public var maxAckMs: Double
    }

    /// Simulates `calls` calls, `concurrency` at a time, each writing a start, `messagesPerCall` messages
    /// (each waiting for its acknowledgement before the next, like a conversation), an end and a
    /// finalize — all through one ``StoreWriter`` on `store`. Latency is measured with `ContinuousClock`
    /// from before `submit` (so back-pressure waits count) to the acknowledgement callback.
    /// The store must be migrated; the benchmark's calls stay in it (ids `bench-<run>-<n>`).
    public static func run(
        store: any CallStore, calls: Int, messagesPerCall: Int, concurrency: Int,
        writerConfiguration: StoreWriter.Configuration = .init(),
        logger: Logger = Logger(label: "switchboard.store.bench")
    ) async throws -> Result {
        guard calls > 0, messagesPerCall > 0, concurrency > 0 else {
            throw CallStoreError.invalidArgument("calls, messagesPerCall and concurrency must be positive")
        }
        let writer = StoreWriter(store: store, configuration: writerConfiguration, logger: logger)
        let runID = UUID().uuidString.prefix(8).lowercased()
        let clock = ContinuousClock()
        let start = clock.now
        let perWorker: [WorkerResult] = await withTaskGroup(of: WorkerResult?.self) { group in
            group.addTask {
                await writer.run()
                return nil
            }
            let workers = await withTaskGroup(of: WorkerResult.self) { workers in
                for worker in 0 ..< min(concurrency, calls) {
                    workers.addTask {
                        var result = WorkerResult()
                        for n in stride(from: worker, to: calls, by: concurrency) {
                            await simulateCall(
                                id: "bench-\(runID)-\(n)", messages: messagesPerCall, writer: writer,
                                clock: clock, into: &result)
                        }
                        return result
                    }
                }
                var all: [WorkerResult] = []
                for await r in workers { all.append(r) }
                return all
            }
            group.cancelAll()  // the writer drains (nothing left) and returns
            return workers
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var latencies = perWorker.flatMap(\.latenciesMs)
        latencies.sort()
        let messages = perWorker.reduce(0) { $0 + $1.messages }
        return Result(
            messages: messages,
            failedWrites: perWorker.reduce(0) { $0 + $1.failed },
            seconds: seconds,
            messagesPerSecond: seconds > 0 ? Double(messages) / seconds : 0,
            p50AckMs: percentile(latencies, 0.50),
            p99AckMs: percentile(latencies, 0.99),
            maxAckMs: latencies.last ?? 0)
    }

    struct WorkerResult: Sendable {
        var messages = 0
        var failed = 0
        var latenciesMs: [Double] = []
    }

    private static func simulateCall(
        id: String, messages: Int, writer: StoreWriter, clock: ContinuousClock, into result: inout WorkerResult
    ) async {
        let base = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let (acks, continuation) = AsyncStream.makeStream(of: (Bool, Duration).self, bufferingPolicy: .unbounded)
        var iterator = acks.makeAsyncIterator()

        func write(_ w: StoreWrite) async -> (Bool, Duration) {
            let submitted = clock.now
            await writer.submit(w) { ok in continuation.yield((ok, submitted.duration(to: clock.now))) }
            return await iterator.next() ?? (false, .zero)
        }

        var failed = 0
        if !(await write(.started(CallStarted(
            callID: id, carrier: .twilio, carrierCallID: "CA\(id)", agentKind: "bench",
            from: "+15550000001", to: "+15550000002", startedAt: base)))).0 { failed += 1 }
        for seq in 0 ..< messages {
            let (ok, latency) = await write(.message(MessageRecord(
                callID: id, sequence: seq, role: seq % 2 == 0 ? .caller : .agent,
                text: "benchmark message \(seq) of call \(id), about the length of a spoken sentence.",
                at: base + Int64(seq))))
            if ok { result.messages += 1 } else { failed += 1 }
            result.latenciesMs.append(Double(latency.components.attoseconds) / 1e15 + Double(latency.components.seconds) * 1000)
        }
        let end = base + Int64(messages)
        if !(await write(.update(CallUpdate(callID: id, endedAt: end, endReason: "completed", hungUpBy: "caller")))).0 {
            failed += 1
        }
        if !(await write(.finalized(CallFinalized(callID: id, at: end, failedWrites: failed)))).0 { failed += 1 }
        continuation.finish()
        result.failed += failed
    }

    private static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
