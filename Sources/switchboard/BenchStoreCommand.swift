import ArgumentParser
import CallStore
import Foundation
import Logging

/// `switchboard bench-store`: sustained transcript writes per second and acknowledgement latency
/// through the group-commit writer, against SQLite or PostgreSQL.
struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-store", abstract: "Measure message writes per second and p99 acknowledgement latency.")

    @Option(help: "sqlite:PATH or postgres://… (default: a fresh SQLite file in a temporary directory).")
    var databaseURL: String?
    @Option(help: "Simulated calls.") var calls = 400
    @Option(help: "Messages per call.") var messages = 50
    @Option(help: "Calls writing at once.") var concurrency = 100
    @Flag(help: "End with one JSON object as the last line.") var json = false

    func run() async throws {
        let url: String
        var cleanup: URL?
        if let databaseURL {
            url = databaseURL
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            cleanup = directory
            url = "sqlite:\(directory.appendingPathComponent("bench.sqlite").path)"
        }
        defer { if let cleanup { try? FileManager.default.removeItem(at: cleanup) } }
        let store = try await makeCallStore(url: url, logger: Logger(label: "switchboard.bench-store"))
        let result: StoreBenchmark.Result
        do {
            result = try await StoreBenchmark.run(store: store, calls: calls, messagesPerCall: messages, concurrency: concurrency)
        } catch {
            try? await store.close()
            throw error
        }
        try? await store.close()
        let backend = url.hasPrefix("postgres") ? "postgres" : "sqlite"
        print("\(backend): \(result.messages) messages in \(String(format: "%.2f", result.seconds)) s = \(Int(result.messagesPerSecond)) messages/s; ack p50 \(String(format: "%.1f", result.p50AckMs)) ms, p99 \(String(format: "%.1f", result.p99AckMs)) ms, max \(String(format: "%.1f", result.maxAckMs)) ms; failed writes \(result.failedWrites)")
        if json {
            let object: [String: Any] = [
                "backend": backend, "messages": result.messages, "failed_writes": result.failedWrites,
                "messages_per_second": Int(result.messagesPerSecond), "p50_ack_ms": result.p50AckMs,
                "p99_ack_ms": result.p99AckMs, "max_ack_ms": result.maxAckMs, "calls": calls, "concurrency": concurrency,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
    }
}
