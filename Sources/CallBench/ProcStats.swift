import Foundation

/// Reads a process's CPU time and memory from `/proc` (Linux).
public enum ProcStats {
    /// utime + stime in clock ticks from the text of `/proc/<pid>/stat` (fields 14 and 15; the command
    /// name in parentheses may contain spaces, so fields are counted after the last `)`).
    public static func cpuTicks(statText: String) -> Int? {
        guard let close = statText.lastIndex(of: ")") else { return nil }
        let fields = statText[statText.index(after: close)...].split(separator: " ")
        // After ")": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
        guard fields.count > 12, let utime = Int(fields[11]), let stime = Int(fields[12]) else { return nil }
        return utime + stime
    }

    /// A `kB` field (`VmRSS`, `VmHWM`) from the text of `/proc/<pid>/status`.
    public static func kilobytes(_ field: String, statusText: String) -> Int? {
        for line in statusText.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" })
            return parts.first.flatMap { Int($0) }
        }
        return nil
    }

    static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// CPU seconds used so far by `pid`.
    public static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = read("/proc/\(pid)/stat"), let ticks = cpuTicks(statText: text) else { return nil }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Current resident set size of `pid`, KiB.
    public static func rssKB(pid: Int32) -> Int? {
        read("/proc/\(pid)/status").flatMap { kilobytes("VmRSS", statusText: $0) }
    }

    /// Peak resident set size of `pid`, KiB.
    public static func peakRSSKB(pid: Int32) -> Int? {
        read("/proc/\(pid)/status").flatMap { kilobytes("VmHWM", statusText: $0) }
    }

    /// The machine's CPU time so far from the text of `/proc/stat`: (all ticks, steal ticks) of the
    /// `cpu` line (user nice system idle iowait irq softirq steal …).
    public static func machineTicks(statText: String) -> (total: Int, steal: Int)? {
        guard let line = statText.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { Int($0) }
        guard values.count == 8 else { return nil }
        return (values.reduce(0, +), values[7])
    }

    /// The machine's CPU ticks so far (all, steal).
    public static func machineTicks() -> (total: Int, steal: Int)? {
        read("/proc/stat").flatMap { machineTicks(statText: $0) }
    }

    /// Percent of the machine's CPU time the hypervisor gave to others between two samples: on a shared
    /// VM, steal above a few percent makes tail latencies unreliable.
    public static func stealPercent(from start: (total: Int, steal: Int), to end: (total: Int, steal: Int)) -> Double? {
        let total = end.total - start.total
        guard total > 0 else { return nil }
        return Double(end.steal - start.steal) * 100 / Double(total)
    }

    /// The 1-minute load average.
    public static func loadAverage() -> Double? {
        read("/proc/loadavg").flatMap { $0.split(separator: " ").first }.flatMap { Double($0) }
    }
}
