import CallCore
import CallSimulation
import Testing

/// The simulator must be able to fail: each broken policy is caught within a bounded number of
/// schedules, with a seed that reproduces it.
@Suite struct BrokenPolicyTests {
    static let seed: UInt64 = 2026
    static let bound = 3_000

    func caught(_ policies: CallPolicies, expecting invariants: Set<String>) -> SimulationReport {
        var configuration = CallConfiguration.simulation
        configuration.policies = policies
        let report = Simulator.run(seed: Self.seed, schedules: Self.bound, configuration: configuration, maxFailures: 1)
        if let first = report.failures.first {
            print("caught \(first.violation.invariant) in schedule \(first.scheduleIndex) of seed \(Self.seed): \(first.violation)")
        }
        #expect(!report.failures.isEmpty, "broken policy not caught within \(Self.bound) schedules")
        #expect(report.failures.contains { invariants.contains($0.violation.invariant) }, "\(report.failures.map(\.violation))")
        return report
    }

    @Test func seed001HangupOnlyOnAudioDoneIsCaught() {
        var policies = CallPolicies()
        policies.hangup = AudioDoneOnlyHangupPolicy()
        _ = caught(policies, expecting: ["L1", "S8"])
    }

    @Test func hangupIgnoringCancellationIsCaught() {
        var policies = CallPolicies()
        policies.hangup = IgnoresCancellationHangupPolicy()
        _ = caught(policies, expecting: ["S3"])
    }

    @Test func finalizeWithoutAcknowledgementsIsCaught() {
        var policies = CallPolicies()
        policies.finalize = UnacknowledgedFinalizePolicy()
        _ = caught(policies, expecting: ["S5"])
    }

    @Test func noResponseTimerNotCancelledBySpeechIsCaught() {
        var policies = CallPolicies()
        policies.noResponse = SpeechBlindTimerPolicy()
        _ = caught(policies, expecting: ["S9", "L3"])
    }

    @Test func theCorrectPoliciesPassTheSameSchedules() {
        let report = Simulator.run(seed: Self.seed, schedules: Self.bound)
        #expect(report.failures.isEmpty, "\(report.failures.prefix(3).map(\.violation))")
    }
}
