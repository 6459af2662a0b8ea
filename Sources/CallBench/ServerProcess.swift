import AsyncHTTPClient
import Foundation

/// The Switchboard server under test as a child process: the same executable with `serve`, pinned to
/// its own core with `taskset`, killed at the end (SIGTERM, then SIGKILL after 3 s) whatever happens.
final class ServerProcess: @unchecked Sendable {
    // @unchecked Sendable: `Process` is not Sendable. Every use of `process` (`start`, `isRunning`,
    // `logTail`, `waitUntilHealthy`, `stop`) comes from the runner's one task, one after another, never
    // concurrently; `pid` is written once in `start`, before any other method runs.
    private let process = Process()
    private(set) var pid: Int32 = 0
    let port: Int
    let logPath: String

    init(port: Int, logPath: String) {
        self.port = port
        self.logPath = logPath
    }

    /// The path of the running executable.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static var tasksetPath: String? {
        ["/usr/bin/taskset", "/bin/taskset"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func start(environment: [String: String], core: Int?) throws {
        var arguments = [Self.executablePath, "serve"]
        if let core, let taskset = Self.tasksetPath {
            arguments = [taskset, "-c", String(core)] + arguments
        }
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        pid = process.processIdentifier
    }

    var isRunning: Bool { process.isRunning }

    /// The end of the server's log.
    var logTail: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(text.suffix(2_000))
    }

    /// Waits until `GET /healthz` answers (bounded).
    func waitUntilHealthy(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz")
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw BenchError("the server exited at start:\n\(logTail)") }
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the server did not answer /healthz within \(timeout):\n\(logTail)")
    }

    /// Ends the server: SIGTERM, then SIGKILL if it is still there after 3 s. Blocking, bounded.
    func stop() {
        guard pid > 0, process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}
