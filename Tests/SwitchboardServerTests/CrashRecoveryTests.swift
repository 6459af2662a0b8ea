import AsyncHTTPClient
import CallStore
import Foundation
import Logging
import ProviderFakes
import Testing

/// `serve` as a child process, killed with SIGKILL mid-call and restarted: every acknowledged message
/// survives and the interrupted call is closed with end reason `server_restart`.
extension EndToEnd {
@Suite(.serialized) struct CrashRecoveryTests {
    @Test(.timeLimit(.minutes(2))) func killedMidCallRecoversOnRestart() async throws {
        let binary = try ServerProcess.binaryPath()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.appendingPathComponent("calls.sqlite").path)"

        let port = try LoopbackPort.free()
        let first = try ServerProcess.start(binary: binary, port: port, database: database, logDirectory: directory)
        defer { first.kill() }
        try await first.waitUntilHealthy()

        // A caller speaks, then stays on the line; the server is killed once the caller's turn is stored.
        let phone = FakeTwilioPhone(
            configuration: FakeTwilioPhoneConfiguration(
                serverURL: "http://127.0.0.1:\(port)",
                script: CallerScript([.waitForBot(), .say("Please remember this sentence.", milliseconds: 1_200), .silence(milliseconds: 60_000)]),
                maxDuration: .seconds(70)))
        let store = try await makeCallStore(url: database, logger: Logger(label: "crash-test"))
        let observed: (callID: String, messages: [MessageRecord]) = try await withThrowingTaskGroup(of: (String, [MessageRecord])?.self) { group in
            group.addTask {
                _ = try? await phone.dial()
                return nil
            }
            group.addTask {
                for _ in 0..<300 {
                    let page = try await store.listCalls(state: .open, limit: 5, before: nil)
                    if let call = page.calls.first, let detail = try await store.call(id: call.id),
                        detail.messages.contains(where: { $0.role == .caller })
                    {
                        return (call.id, detail.messages)
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result {
                    first.kill()
                    return (result.0, result.1)
                }
            }
            throw CrashTestError("the caller's message was never stored")
        }
        try await store.close()
        #expect(await first.waitForExit() == 9, "the first server was killed with SIGKILL")

        let second = try ServerProcess.start(binary: binary, port: port, database: database, logDirectory: directory)
        defer { second.kill() }
        try await second.waitUntilHealthy()
        let reopened = try await makeCallStore(url: database, logger: Logger(label: "crash-test"))
        let detail = try #require(try await reopened.call(id: observed.callID))
        try await reopened.close()

        #expect(detail.call.endReason == "server_restart")
        #expect(detail.call.finalizedAt != nil)
        for message in observed.messages {
            #expect(detail.messages.contains(message), "acknowledged message lost: \(message.text)")
        }
        #expect(detail.messages.contains { $0.role == .caller })
    }
}}


struct CrashTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A `switchboard serve` child process.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in `start` and then read (terminate, wait), which
    // Foundation's Process allows from any thread.
    let process: Process
    let port: Int

    init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// The built `switchboard` executable (built by `swift build --build-tests`, as scripts/test.sh does).
    static func binaryPath() throws -> String {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(configuration)/switchboard").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw CrashTestError("no built switchboard executable under .build/: run `swift build` first (scripts/test.sh does)")
    }

    /// Starts `serve` on `port`; its log goes to `logDirectory` (the test's own temporary directory, which
    /// the test removes when it ends, so runs leave nothing behind in /tmp).
    static func start(
        binary: String, port: Int, database: String, logDirectory: URL, extraEnvironment: [String: String] = [:]
    ) throws -> ServerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHBOARD_PORT"] = "\(port)"
        environment["SWITCHBOARD_HOST"] = "127.0.0.1"
        environment["SWITCHBOARD_PUBLIC_URL"] = "http://127.0.0.1:\(port)"
        environment["SWITCHBOARD_DATABASE_URL"] = database
        environment["SWITCHBOARD_AGENT"] = "local"
        for key in ["OPENAI_API_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SWITCHBOARD_API_TOKEN"] { environment[key] = nil }
        environment.merge(extraEnvironment) { _, new in new }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        let log = logDirectory.appendingPathComponent("serve-\(port)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        print("serve (port \(port)) logs to \(log.path)")
        try process.run()
        return ServerProcess(process: process, port: port)
    }

    func waitUntilHealthy() async throws {
        for _ in 0..<200 {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz")
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CrashTestError("server on port \(port) never became healthy")
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits (bounded, without blocking a thread) for the process to exit; returns its termination
    /// signal or status, or nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }
}
