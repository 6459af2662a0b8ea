/// p50 / p99 / max of one latency path, in milliseconds (nil: no samples).
public struct LatencySummary: Sendable, Equatable {
    /// Median, ms.
    public var p50: Double?
    /// 99th percentile, ms.
    public var p99: Double?
    /// Largest sample, ms.
    public var max: Double?
    /// Number of samples.
    public var samples: Int

    /// A summary from its parts.
    public init(p50: Double?, p99: Double?, max: Double?, samples: Int) {
        self.p50 = p50
        self.p99 = p99
        self.max = max
        self.samples = samples
    }

    /// The summary of a histogram.
    public init(_ histogram: LatencyHistogram) {
        self.init(
            p50: histogram.quantileMilliseconds(0.50), p99: histogram.quantileMilliseconds(0.99),
            max: histogram.maxMilliseconds, samples: histogram.count)
    }
}

/// The result of one benchmark run (and, with `--find-knee`, the knee). Everything the issue asks for.
public struct BenchReport: Sendable, Equatable {
    /// `twilio`.
    public var carrier = "twilio"
    /// Calls dialled.
    public var calls = 0
    /// Calls that ended with the goodbye and the carrier hangup.
    public var completed = 0
    /// All other calls.
    public var failed = 0
    /// Planned length of a call.
    public var durationSeconds = 0.0
    /// From the first dial to the last call's end.
    public var wallSeconds = 0.0
    /// Caller frames (20 ms) sent by the phones, and agent audio deltas sent by the agent.
    public var callerFramesSent = 0
    /// Stamped agent audio deltas sent by the fake agent.
    public var agentFramesSent = 0
    /// Caller frames that never reached the agent.
    public var callerFramesLost = 0
    /// Agent deltas that never reached the phone.
    public var agentFramesLost = 0
    /// Added latency of caller frames through the server.
    public var callerToAgent = LatencySummary(p50: nil, p99: nil, max: nil, samples: 0)
    /// Added latency of agent audio through the server.
    public var agentToCaller = LatencySummary(p50: nil, p99: nil, max: nil, samples: 0)
    /// From the phone echoing the goodbye's final mark to the carrier receiving the hangup.
    public var hangup = LatencySummary(p50: nil, p99: nil, max: nil, samples: 0)
    /// From the agent's `speech_started` to the phone receiving `clear`.
    public var bargeIn = LatencySummary(p50: nil, p99: nil, max: nil, samples: 0)
    /// Server CPU (user + system) over the run.
    public var serverCPUSeconds: Double?
    /// Server peak resident memory (`VmHWM`).
    public var serverRSSPeakMB: Double?
    /// (Peak RSS during the run − idle RSS) / calls.
    public var rssPerCallKB: Double?
    /// With `--find-knee`: the largest N within the limits.
    public var kneeCalls: Int?
    /// CPU seconds of the bench process itself (phones, fake agent, fake REST) over the run: near 100% of
    /// its core means the load side, not the server, bounds the latencies measured.
    public var loadCPUSeconds: Double?
    /// Load average of the machine at the start of the run (1 minute), for the record.
    public var loadAverage: Double?
    /// Steal time over the run, percent of the machine's CPU time (`/proc/stat`): the hypervisor running
    /// other guests. Tail latencies of runs with more than a few percent are not comparable.
    public var machineStealPercent: Double?

    /// An empty report.
    public init() {}

    /// Frames sent both ways.
    public var framesSent: Int { callerFramesSent + agentFramesSent }
    /// Frames lost both ways.
    public var framesLost: Int { callerFramesLost + agentFramesLost }

    /// Server CPU as a percentage of one core over the measured window.
    public var serverCPUPercentOfOneCore: Double? {
        guard let cpu = serverCPUSeconds, wallSeconds > 0 else { return nil }
        return cpu / wallSeconds * 100
    }

    /// The bench process's CPU as a percentage of one core.
    public var loadCPUPercentOfOneCore: Double? {
        guard let cpu = loadCPUSeconds, wallSeconds > 0 else { return nil }
        return cpu / wallSeconds * 100
    }

    /// The worse p99 of the two audio paths.
    public var worstP99: Double? {
        switch (callerToAgent.p99, agentToCaller.p99) {
        case (let a?, let b?): Swift.max(a, b)
        case (let a?, nil): a
        case (nil, let b?): b
        case (nil, nil): nil
        }
    }

    /// Whether this run is within the knee's limits: every call completed, nothing lost, p99 < 5 ms.
    public func withinKnee(p99LimitMs: Double = 5) -> Bool {
        guard failed == 0, framesLost == 0, completed == calls, let p99 = worstP99 else { return false }
        return p99 < p99LimitMs
    }

    /// One JSON object, keys in a fixed order.
    public var json: String {
        var object = JSONObjectWriter()
        object.add("carrier", string: carrier)
        object.add("calls", calls)
        object.add("completed", completed)
        object.add("failed", failed)
        object.add("duration_seconds", durationSeconds)
        object.add("wall_seconds", wallSeconds)
        object.add("frames_sent", framesSent)
        object.add("frames_lost", framesLost)
        object.add("caller_frames_sent", callerFramesSent)
        object.add("caller_frames_lost", callerFramesLost)
        object.add("agent_frames_sent", agentFramesSent)
        object.add("agent_frames_lost", agentFramesLost)
        object.add("caller_to_agent", raw: Self.summaryJSON(callerToAgent, withMax: true))
        object.add("agent_to_caller", raw: Self.summaryJSON(agentToCaller, withMax: true))
        object.add("hangup_latency_ms", raw: Self.summaryJSON(hangup, withMax: false))
        object.add("bargein_latency_ms", raw: Self.summaryJSON(bargeIn, withMax: false))
        object.add("server_cpu_seconds", serverCPUSeconds)
        object.add("server_cpu_percent_of_one_core", serverCPUPercentOfOneCore)
        object.add("server_rss_peak_mb", serverRSSPeakMB)
        object.add("rss_per_call_kb", rssPerCallKB)
        object.add("knee_calls", kneeCalls)
        object.add("load_cpu_percent_of_one_core", loadCPUPercentOfOneCore)
        object.add("load_average_1m", loadAverage)
        object.add("machine_steal_percent", machineStealPercent)
        return object.text
    }

    static func summaryJSON(_ summary: LatencySummary, withMax: Bool) -> String {
        var object = JSONObjectWriter()
        object.add("p50_ms", summary.p50)
        object.add("p99_ms", summary.p99)
        if withMax { object.add("max_ms", summary.max) }
        object.add("samples", summary.samples)
        return object.text
    }

    /// A few lines for a person.
    public var text: String {
        func ms(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        func line(_ name: String, _ s: LatencySummary) -> String {
            "\(name): p50 \(ms(s.p50)) ms, p99 \(ms(s.p99)) ms, max \(ms(s.max)) ms (\(s.samples) samples)"
        }
        var lines = [
            "\(carrier): \(calls) calls, \(completed) completed, \(failed) failed, \(String(format: "%.1f", wallSeconds)) s",
            "frames: \(framesSent) sent (caller \(callerFramesSent), agent \(agentFramesSent)), \(framesLost) lost (caller \(callerFramesLost), agent \(agentFramesLost))",
            line("caller → agent added latency", callerToAgent),
            line("agent → caller added latency", agentToCaller),
            line("hangup latency (final mark echo → REST hangup)", hangup),
            line("barge-in latency (speech_started → clear at the phone)", bargeIn),
        ]
        if let cpu = serverCPUSeconds {
            lines.append("server: \(String(format: "%.2f", cpu)) CPU s = \(ms(serverCPUPercentOfOneCore).dropLast(1))% of one core, RSS peak \(ms(serverRSSPeakMB)) MB, \(ms(rssPerCallKB)) KiB per live call")
        }
        if let load = loadCPUPercentOfOneCore {
            lines.append("load side (phones, fake agent): \(String(format: "%.1f", load))% of one core; machine load average \(ms(loadAverage)), steal \(machineStealPercent.map { String(format: "%.1f", $0) } ?? "-")%")
        }
        if let kneeCalls { lines.append("knee: \(kneeCalls) calls (p99 < 5 ms, nothing lost)") }
        return lines.joined(separator: "\n")
    }
}

/// Builds one flat JSON object in insertion order (numbers, strings, null, pre-rendered objects).
struct JSONObjectWriter {
    private var parts: [String] = []

    mutating func add(_ key: String, _ value: Int?) {
        parts.append("\"\(key)\":\(value.map(String.init) ?? "null")")
    }

    mutating func add(_ key: String, _ value: Double?) {
        guard let value, value.isFinite else { return parts.append("\"\(key)\":null") }
        parts.append("\"\(key)\":\(Self.number(value))")
    }

    mutating func add(_ key: String, string: String) {
        parts.append("\"\(key)\":\"\(string)\"")
    }

    mutating func add(_ key: String, raw: String) {
        parts.append("\"\(key)\":\(raw)")
    }

    var text: String { "{" + parts.joined(separator: ",") + "}" }

    /// Three decimals, trailing zeros dropped.
    static func number(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}
