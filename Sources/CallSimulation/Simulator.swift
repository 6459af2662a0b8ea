import CallCore

/// The result of a simulation run.
public struct SimulationReport: Sendable {
    /// A violation and the schedule that produced it.
    public struct Failure: Sendable {
        public var scheduleIndex: Int
        public var violation: Violation

        public init(scheduleIndex: Int, violation: Violation) {
            self.scheduleIndex = scheduleIndex
            self.violation = violation
        }
    }

    public var seed: UInt64
    public var schedules: Int
    public var events: Int
    public var failures: [Failure]
    /// Orderings explored by the exhaustive mode, when it ran.
    public var exhaustiveOrderings: Int?

    public var violations: Int { failures.count }
}

extension CallConfiguration {
    /// The configuration the simulator uses: defaults, a short maximum duration so every generated
    /// call ends within bounded virtual time, and a transfer target.
    public static var simulation: CallConfiguration {
        var configuration = CallConfiguration()
        configuration.maxCallDuration = 120_000
        configuration.transferTarget = "+15550001111"
        return configuration
    }
}

/// Runs generated calls with seeded faults and checks every invariant (see `InvariantChecker`).
public enum Simulator {
    /// Runs schedule `index` of `seed` and returns the events it delivered and the violations found.
    public static func runSchedule(seed: UInt64, index: Int, configuration: CallConfiguration = .simulation) -> (events: Int, violations: [Violation]) {
        var run = ScheduleRun(seed: SplitMix64.scheduleSeed(seed, index), configuration: configuration)
        return run.run()
    }

    /// Runs schedule `index` of `seed` recording every step: the input, its channel, and the actions
    /// (store writes left out).
    public static func trace(seed: UInt64, index: Int, configuration: CallConfiguration = .simulation) -> (lines: [String], violations: [Violation]) {
        var run = ScheduleRun(seed: SplitMix64.scheduleSeed(seed, index), configuration: configuration)
        run.trace = []
        let result = run.run()
        return (run.trace ?? [], result.violations)
    }

    /// Runs `schedules` schedules (indices `first..<first+schedules`). Stops after `maxFailures` failing
    /// schedules so a broken policy is reported quickly.
    public static func run(seed: UInt64, schedules: Int, first: Int = 0, configuration: CallConfiguration = .simulation, maxFailures: Int = 5) -> SimulationReport {
        var report = SimulationReport(seed: seed, schedules: 0, events: 0, failures: [])
        var failingSchedules = 0
        for index in first..<(first + schedules) {
            let result = runSchedule(seed: seed, index: index, configuration: configuration)
            report.schedules += 1
            report.events += result.events
            if !result.violations.isEmpty {
                failingSchedules += 1
                report.failures += result.violations.map { SimulationReport.Failure(scheduleIndex: index, violation: $0) }
                if failingSchedules >= maxFailures { break }
            }
        }
        return report
    }
}
