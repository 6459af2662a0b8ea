import ArgumentParser
import CallCore
import CallSimulation
import Foundation

/// `switchboard simulate`: the deterministic simulator.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run seeded call schedules with faults and check every invariant.")

    @Option(help: "The seed that drives every schedule.") var seed: UInt64 = 1
    @Option(help: "How many schedules to run.") var schedules = 1_000
    @Option(help: "Run only schedule N of the seed (as printed for a violation).") var replay: Int?
    @Flag(help: "With --replay: print every step.") var trace = false
    @Flag(help: "Also enumerate every interleaving of the small goodbye scenario.") var exhaustive = false
    @Flag(help: "End with one JSON object as the last line.") var json = false

    func run() throws {
        let clock = ContinuousClock()
        let started = clock.now
        var report: SimulationReport
        if let replay {
            if trace {
                let traced = Simulator.trace(seed: seed, index: replay)
                traced.lines.forEach { print($0) }
            }
            report = Simulator.run(seed: seed, schedules: 1, first: replay)
        } else {
            report = Simulator.run(seed: seed, schedules: schedules, maxFailures: 10)
        }
        if exhaustive {
            var explorer = ExhaustiveExplorer()
            explorer.explore()
            report.exhaustiveOrderings = explorer.orderings
            report.failures += explorer.violations.map { SimulationReport.Failure(scheduleIndex: -1, violation: $0) }
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let perMinute = seconds > 0 ? Int(Double(report.schedules) / seconds * 60) : 0
        print("seed \(seed): \(report.schedules) schedules, \(report.events) events, \(report.violations) violations in \(String(format: "%.2f", seconds)) s (\(perMinute) schedules/min)")
        if let orderings = report.exhaustiveOrderings {
            print("exhaustive: \(orderings) orderings of the goodbye scenario explored")
        }
        for failure in report.failures {
            print("VIOLATION \(failure.violation.invariant): \(failure.violation)")
            if failure.scheduleIndex >= 0 {
                print("  reproduce: swift run switchboard simulate --seed \(seed) --replay \(failure.scheduleIndex) --trace")
            } else {
                print("  reproduce: swift run switchboard simulate --seed \(seed) --schedules 0 --exhaustive")
            }
        }
        if json {
            var object: [String: Any] = [
                "seed": seed, "schedules": report.schedules, "violations": report.violations, "events": report.events,
                "schedules_per_minute": perMinute, "seconds": seconds,
                "violation_invariants": report.failures.map(\.violation.invariant),
            ]
            if let orderings = report.exhaustiveOrderings { object["exhaustive_orderings"] = orderings }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        if report.violations > 0 { throw ExitCode(1) }
    }
}
