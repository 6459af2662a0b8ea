import ArgumentParser
import EventLoopExecution
import CallBench
import Foundation
import Logging

/// `switchboard bench`: the capacity benchmark — N concurrent fake Twilio calls through a Switchboard
/// server whose agent is the fake Realtime server, with the added latency of every audio frame, hangup
/// and barge-in latency, and the server's CPU and memory.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure how many concurrent calls one core bridges, at what latency and memory.")

    @Option(help: "Concurrent calls.") var calls = 200
    @Option(help: "Seconds over which the calls start (default: calls / 100, 1…20).") var ramp: Double?
    @Option(help: "Length of each call in seconds (its turns are planned to fill it; the last reply is the goodbye).")
    var duration: Double = 30
    @Option(help: "twilio or telnyx.") var carrier = "twilio"
    @Option(help: "Attach to a running server instead of starting one (it must use the bench's fakes; the needed environment is printed).")
    var server: String?
    @Option(help: "With --server: the server's pid, for CPU and memory.") var serverPid: Int32?
    @Option(help: "With --server: port of the fake Realtime server.") var realtimePort = 18_181
    @Option(help: "With --server: port of the fake Twilio REST API.") var restPort = 18_182
    @Flag(help: "Do not pin the server and the load to separate cores.") var noPin = false
    @Flag(help: "Search the largest N with p99 added latency < 5 ms and nothing lost.") var findKnee = false
    @Option(help: "With --find-knee: the first N (doubled until it fails).") var kneeStart = 250
    @Option(help: "With --find-knee: the largest N tried.") var kneeCeiling = 2_000
    @Flag(help: "End with one JSON object as the last line.") var json = false
    @Flag(help: "Only time the server's per-frame parsing and encoding, before and after the hot-path changes.")
    var micro = false

    func run() async throws {
        if micro {
            for result in HotPathMicro.run() {
                print("\(result.name): \(String(format: "%.0f", result.beforeNanos)) ns → \(String(format: "%.0f", result.afterNanos)) ns (\(String(format: "%.1f", result.beforeNanos / max(1, result.afterNanos)))×)")
            }
            return
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var options = BenchOptions()
        options.calls = calls
        options.rampSeconds = ramp
        options.durationSeconds = duration
        options.carrier = carrier
        options.serverURL = server
        options.serverPID = serverPid
        options.pin = !noPin && cores >= 2
        if server != nil {
            options.realtimePort = realtimePort
            options.restPort = restPort
        }
        guard BenchOptions.carriers.contains(carrier) else {
            throw ValidationError("--carrier \(carrier): use twilio or telnyx")
        }
        guard calls > 0, calls < 65_535, duration >= 5 else { throw ValidationError("--calls 1…65534, --duration ≥ 5") }
        if options.pin { BenchPinning.pinSelf(to: options.loadCore) }
        // The load runs its phones and fake agent on its one event loop (one per allowed core): below
        // saturation its own latency, which every measured path includes, is far lower than on Swift's
        // pool (knee 62–68 vs 18–25 calls); past saturation both degrade, this one more erratically.
        EventLoopThreads.matchAllowedCPUs()
        let loadOnEventLoop = EventLoopThreads.sharedLoopCount == 1
        print("switchboard bench: \(cores) cores, server on core \(options.pin ? String(options.serverCore) : "any"), load on core \(options.pin ? String(options.loadCore) : "any")")
        let report = try await withTaskExecutorPreference(loadOnEventLoop ? EventLoopTaskExecutor() : nil) {
            [findKnee, kneeStart, kneeCeiling] in
            if findKnee {
                return try await BenchRunner.findKnee(options, start: kneeStart, ceiling: kneeCeiling) { run in
                    print("--- \(run.calls) calls: \(run.withinKnee() ? "within" : "over") the limits")
                    print(run.text)
                }
            }
            return try await BenchRunner.run(options)
        }
        print(report.text)
        if json { print(report.json) }
    }
}
