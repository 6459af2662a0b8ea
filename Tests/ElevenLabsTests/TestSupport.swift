import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
@testable import ElevenLabs

struct TestTimeout: Error {}

/// Runs `operation`, failing with `TestTimeout` after `seconds` so no test can hang.
func withTimeout<T: Sendable>(_ seconds: Double = 10, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TestTimeout()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TestTimeout() }
        return first
    }
}

/// Collects audio chunks delivered to the callback.
final class ChunkCollector: Sendable {
    private let chunks = Mutex<[[UInt8]]>([])
    var all: [[UInt8]] { chunks.withLock { $0 } }
    var bytes: [UInt8] { all.flatMap { $0 } }
    func add(_ buffer: ByteBuffer) { chunks.withLock { $0.append(Array(buffer.readableBytesView)) } }
}

func makeClient(_ server: LocalTTSServer, voiceID: String = "JBFqnCBsd6RMkjVDRZzb", _ adjust: (inout ElevenLabsConfiguration) -> Void = { _ in }) -> ElevenLabsClient {
    var configuration = ElevenLabsConfiguration(apiKey: "sk_test_key", voiceID: voiceID, baseURL: server.baseURL + "/")
    configuration.rateLimitRetryBackoff = .milliseconds(20)
    adjust(&configuration)
    return ElevenLabsClient(httpClient: HTTPClient.shared, configuration: configuration)
}

func bytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: Int(seed) &+ $0) }
}
