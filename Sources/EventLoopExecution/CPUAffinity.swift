import Foundation

/// The CPUs this process may run on.
public enum CPUAffinity {
    /// How many CPUs the scheduler lets this process use (`taskset`, cpusets): the `Cpus_allowed` mask
    /// of `/proc/self/status`. `nil` where that is unavailable (not Linux).
    public static var allowedCPUCount: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return allowedCPUCount(status: status)
    }

    /// The number of bits set in the `Cpus_allowed:` line (hex words separated by commas).
    static func allowedCPUCount(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed:") {
            var count = 0
            for character in line.dropFirst("Cpus_allowed:".count) {
                guard let nibble = character.hexDigitValue else { continue }
                count += nibble.nonzeroBitCount
            }
            return count > 0 ? count : nil
        }
        return nil
    }
}
