import Foundation
import Testing
@testable import CallStore

@Suite struct TmpBench {
    @Test(arguments: Backend.allCases) func bigBench(_ backend: Backend) async throws {
        guard ProcessInfo.processInfo.environment["TMP_BENCH"] != nil else { return }
        for (calls, perCall, conc) in [(200, 50, 50), (400, 50, 100), (200, 50, 200)] {
            try await withFreshStore(backend) { store in
                let r = try await StoreBenchmark.run(store: store, calls: calls, messagesPerCall: perCall, concurrency: conc)
                print("BENCH \(backend) calls=\(calls) msgs/call=\(perCall) conc=\(conc): \(Int(r.messagesPerSecond)) msg/s p50=\(r.p50AckMs) p99=\(r.p99AckMs) max=\(r.maxAckMs) failed=\(r.failedWrites) secs=\(r.seconds)")
            }
        }
    }
}
