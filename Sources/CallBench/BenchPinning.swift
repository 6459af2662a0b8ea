import Foundation

/// CPU pinning with `taskset` (util-linux), so the load and the server run on different cores.
public enum BenchPinning {
    /// Pins every thread of this process to `core`; threads started later inherit it.
    public static func pinSelf(to core: Int) {
        guard let taskset = ServerProcess.tasksetPath else { return }
        let pin = Process()
        pin.executableURL = URL(fileURLWithPath: taskset)
        pin.arguments = ["-a", "-p", "-c", String(core), String(getpid())]
        pin.standardOutput = FileHandle.nullDevice
        pin.standardError = FileHandle.nullDevice
        try? pin.run()
        pin.waitUntilExit()
    }
}
