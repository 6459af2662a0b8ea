import Testing
@testable import CallBench

@Suite struct BenchReportTests {
    @Test func jsonHasEveryFieldInOrder() {
        var report = BenchReport()
        report.calls = 2
        report.completed = 2
        report.callerFramesSent = 100
        report.agentFramesSent = 10
        report.callerFramesLost = 1
        report.wallSeconds = 10
        report.serverCPUSeconds = 2.5
        report.callerToAgent = LatencySummary(p50: 0.25, p99: 1.5, max: 3, samples: 99)
        let json = report.json
        #expect(json.hasPrefix(#"{"carrier":"twilio","calls":2,"completed":2,"failed":0,"#))
        #expect(json.contains(#""frames_sent":110,"frames_lost":1,"#))
        #expect(json.contains(#""caller_to_agent":{"p50_ms":0.25,"p99_ms":1.5,"max_ms":3,"samples":99}"#))
        #expect(json.contains(#""hangup_latency_ms":{"p50_ms":null,"p99_ms":null,"samples":0}"#))
        #expect(json.contains(#""server_cpu_seconds":2.5,"server_cpu_percent_of_one_core":25,"#))
        #expect(json.contains(#""knee_calls":null"#))
        #expect(json.hasSuffix("}"))
    }

    @Test func kneeNeedsEveryCallNoLossAndLowP99() {
        var report = BenchReport()
        report.calls = 10
        report.completed = 10
        report.callerToAgent = LatencySummary(p50: 0.5, p99: 4.9, max: 9, samples: 10)
        report.agentToCaller = LatencySummary(p50: 0.5, p99: 1, max: 2, samples: 10)
        #expect(report.withinKnee())
        report.agentToCaller.p99 = 5
        #expect(!report.withinKnee())
        report.agentToCaller.p99 = 1
        report.agentFramesLost = 1
        #expect(!report.withinKnee())
    }

    @Test func procStatParsing() {
        let stat = "1234 (switch board) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 12 0 100 0 0"
        #expect(ProcStats.cpuTicks(statText: stat) == 325)
        let status = "Name:\tswitchboard\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\n"
        #expect(ProcStats.kilobytes("VmHWM", statusText: status) == 81_234)
        #expect(ProcStats.kilobytes("VmRSS", statusText: status) == 70_000)
        #expect(ProcStats.kilobytes("VmSwap", statusText: status) == nil)
        let before = "cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 50 0 25 400 5 0 2 18 0 0\n"
        let after = "cpu  200 0 80 850 10 0 5 55 0 0\ncpu0 100 0 40 425 5 0 2 28 0 0\n"
        let start = ProcStats.machineTicks(statText: before)
        #expect(start?.total == 1_000)
        #expect(start?.steal == 35)
        let end = ProcStats.machineTicks(statText: after)
        #expect(end.flatMap { end in start.flatMap { ProcStats.stealPercent(from: $0, to: end) } } == 10)
        #expect(ProcStats.machineTicks(statText: "intr 1 2 3") == nil)
    }
}
