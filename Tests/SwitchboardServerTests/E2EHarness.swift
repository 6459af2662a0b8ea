import Testing
import AsyncHTTPClient
import CallCore
import Foundation
import Logging
import ProviderFakes
import Synchronization
import SwitchboardServer

/// A test failed a precondition of the harness itself (timeout, server did not start, bad JSON).
/// Every test that runs a server: one at a time, so real-time audio is not starved by the other suites
/// servers on a 2-core machine (nested suites inherit `.serialized`).
@Suite(.serialized) struct EndToEnd {}

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One captured log line: level, message and merged metadata.
struct CapturedLine: Sendable, CustomStringConvertible {
    var level: Logger.Level
    var message: String
    var metadata: [String: String]
    var callID: String? { metadata["call_id"] }
    var description: String { "[\(level)] \(callID.map { "call_id=\($0) " } ?? "")\(message)" }
}

/// Thread-safe in-memory log sink with waiters (no polling).
final class LogCapture: Sendable {
    private struct Waiter {
        let id: Int
        let predicate: @Sendable (CapturedLine) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var lines: [CapturedLine] = []
        var waiters: [Waiter] = []
        var nextID = 0
    }
    private let state = Mutex(State())

    var lines: [CapturedLine] { state.withLock { $0.lines } }

    func append(_ line: CapturedLine) {
        let ready = state.withLock { s -> [Waiter] in
            s.lines.append(line)
            let ready = s.waiters.filter { $0.predicate(line) }
            s.waiters.removeAll { $0.predicate(line) }
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    /// Lines of one call (by `call_id` metadata).
    func lines(callID: String) -> [CapturedLine] { lines.filter { $0.callID == callID } }

    /// Count of lines of `callID` whose message contains `marker`.
    func count(_ marker: String, callID: String) -> Int { lines(callID: callID).filter { $0.message.contains(marker) }.count }

    /// Error-level (or worse) lines.
    var errors: [CapturedLine] { lines.filter { $0.level >= .error } }

    /// Waits until a line satisfying `predicate` was logged (already or later), at most `timeout`.
    func wait(timeout: Duration = .seconds(10), until predicate: @escaping @Sendable (CapturedLine) -> Bool) async -> Bool {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let already = self.state.withLock { s -> Bool in
                        if s.lines.contains(where: predicate) { return true }
                        s.waiters.append(Waiter(id: id, predicate: predicate, continuation: continuation))
                        return false
                    }
                    if already { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resolve(id: id)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            self.resolve(id: id)
            return first
        }
    }

    /// Waits for `marker` on `callID`.
    func wait(for marker: String, callID: String, timeout: Duration = .seconds(10)) async -> Bool {
        await wait(timeout: timeout) { $0.callID == callID && $0.message.contains(marker) }
    }

    private func resolve(id: Int) {
        let waiter = state.withLock { s -> Waiter? in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: false)
    }
}

/// A `LogHandler` writing into a `LogCapture` (never bootstraps the global logging system).
struct CaptureLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        capture.append(
            CapturedLine(
                level: event.level, message: event.message.description,
                metadata: merged.mapValues { "\($0)" }))
    }
}

/// What one end-to-end test sets up.
struct E2EOptions: Sendable {
    var script = E2EScripts.goodbyeAfterFirstTurn
    var call: CallConfiguration = {
        var call = CallConfiguration()
        call.repromptAfter = 30_000
        call.politeEndAfterReprompt = 30_000
        call.maxCallDuration = 60_000
        return call
    }()
    var transferTarget: String?
    var endedCallAnswer: FakeTwilioEndedCallAnswer = .notFound20404
    /// The whole test (setup, body, teardown) must end within this.
    var timeout: Duration = .seconds(60)
    /// Non-nil: the pipeline agent (transcription on the fake Realtime server, fake LLM and ElevenLabs)
    /// instead of the Realtime speech-to-speech agent.
    var pipeline: PipelineFakeOptions?
    /// Where the server's tasks run (the test process has two event loops, so `automatic` is the shared pool).
    var taskExecutor = TaskExecutorChoice.automatic
}

/// Running fakes + server, handed to a test body.
struct E2EContext: Sendable {
    let serverURL: String
    let accountSid: String
    let authToken: String
    let rest: FakeTwilioREST
    let registry: FakeTwilioCallRegistry
    let realtime: FakeRealtimeServer
    let logs: LogCapture
    /// The pipeline's fakes, when `E2EOptions.pipeline` is set.
    var pipeline: PipelineFakes? = nil

    /// A phone configured for this server, signed with the right token.
    func phoneConfiguration(script: CallerScript, maxDuration: Duration = .seconds(25)) -> FakeTwilioPhoneConfiguration {
        FakeTwilioPhoneConfiguration(
            serverURL: serverURL, accountSid: accountSid, authToken: authToken, script: script, maxDuration: maxDuration)
    }

    /// Dials one call and returns the phone's result.
    func dial(_ configuration: FakeTwilioPhoneConfiguration) async throws -> FakeCallResult {
        try await FakeTwilioPhone(configuration: configuration, registry: registry).dial()
    }

    /// The server's call API.
    var records: StoredCallReader { StoredCallReader(serverURL: serverURL, logs: logs) }

    /// `GET <path>` on the server: status and JSON body.
    func getJSON(_ path: String) async throws -> (status: Int, json: Any?) { try await records.getJSON(path) }

    /// The stored call (`GET /calls/{id}`).
    func storedCall(_ callID: String) async throws -> StoredCall { try await records.storedCall(callID) }

    /// Waits for `CALL_FINALIZED` of `callID`, then reads the store.
    func finalizedCall(_ callID: String) async throws -> StoredCall { try await records.finalizedCall(callID) }
}

struct StoredMessage: Sendable, Equatable {
    var role: String
    var text: String
    var interrupted: Bool
}

struct StoredCall: Sendable {
    var endReason: String?
    var finalized: Bool
    var failedWrites: Int
    var messages: [StoredMessage]
}

extension FakeCallResult {
    /// The server's call id, from the TwiML `<Parameter>`.
    var callID: String { customParameters["switchboard_call_id"] ?? "?" }
}

/// Scripts shared by tests: short texts at 25 ms per character keep the suite fast.
enum E2EScripts {
    static let fastTiming = FakeAgentScript.Timing(millisecondsPerCharacter: 25, minimumAudioMilliseconds: 300)

    static let goodbyeAfterFirstTurn = FakeAgentScript(
        greeting: "Hello! How can I help?", replies: ["Okay, thanks for calling. Goodbye!"], timing: fastTiming)

    /// Waits for the greeting, speaks one turn, then stays silent until the server ends the call.
    static let oneTurn = CallerScript([
        .waitForBot(quietMilliseconds: 800, maxMilliseconds: 10_000), .say("That is all, thanks.", milliseconds: 700),
    ])
}

/// Starts fake Realtime + fake Twilio REST + the server, runs `body`, then cancels everything.
/// The whole thing is bounded by `options.timeout`.
func withE2E<T: Sendable>(
    _ options: E2EOptions = E2EOptions(), _ body: @escaping @Sendable (E2EContext) async throws -> T
) async throws -> T {
    let logs = LogCapture()
    let logger = Logger(label: "switchboard-e2e") { label in CaptureLogHandler(label: label, capture: logs) }
    let quiet = Logger(label: "fakes") { _ in SwiftLogNoOpLogHandler() }
    let accountSid = FakeTwilioIDs.accountSid()
    let authToken = "e2e-auth-token-0123456789abcdef"
    let registry = FakeTwilioCallRegistry()
    let rest = FakeTwilioREST(
        accountSid: accountSid, authToken: authToken, registry: registry, endedCallAnswer: options.endedCallAnswer, logger: quiet)
    let realtime = FakeRealtimeServer(script: options.script, logger: quiet)
    let databasePath = FileManager.default.temporaryDirectory
        .appendingPathComponent("switchboard-e2e-\(UUID().uuidString).sqlite").path
    defer {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
    }

    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await Task.sleep(for: options.timeout)
            throw E2EError("end-to-end test exceeded \(options.timeout)")
        }
        group.addTask {
            try await realtime.run()
            return nil
        }
        let (restPorts, restContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        group.addTask {
            defer { restContinuation.finish() }
            try await rest.run { restContinuation.yield($0) }
            return nil
        }
        var pipeline: PipelineFakes?
        if let pipelineOptions = options.pipeline {
            pipeline = try await startPipelineFakes(script: options.script, options: pipelineOptions, in: &group)
        }
        let pipelineFakes = pipeline
        group.addTask {
            var iterator = restPorts.makeAsyncIterator()
            guard let restPort = await iterator.next() else { throw E2EError("fake Twilio REST did not start") }
            let realtimeURL = try await realtime.realtimeURL()

            var configuration = try ServerConfiguration.endToEnd(databasePath: databasePath)
            configuration.agentKind = "openai-realtime"
            configuration.openAIAPIKey = "test"
            configuration.openAIRealtimeURL = realtimeURL
            configuration.twilioAccountSid = accountSid
            configuration.twilioAuthToken = authToken
            configuration.twilioAPIURL = "http://127.0.0.1:\(restPort)"
            configuration.transferTarget = options.transferTarget
            configuration.call = options.call
            configuration.taskExecutor = options.taskExecutor
            configuration.call.transferTarget = options.transferTarget
            pipelineFakes?.configure(&configuration, realtimeURL: realtimeURL)
            return try await withRunningServer(configuration, logger: logger) { serverURL in
                var context = E2EContext(
                    serverURL: serverURL, accountSid: accountSid, authToken: authToken, rest: rest,
                    registry: registry, realtime: realtime, logs: logs)
                context.pipeline = pipelineFakes
                return try await body(context)
            }
        }
        defer { group.cancelAll() }
        while let next = try await group.next() {
            if let value = next { return value }
        }
        throw E2EError("harness ended without a result")
    }
}

extension FakeCallResult {
    /// Violations the server is responsible for. A frame the server wrote before it could read the phone's
    /// `stop` still arrives "after stop" (it was in flight); on this loaded 2-core machine that window reached
    /// ~200 ms, so `afterStop` frames arriving within 1 s of the phone's `stop` are treated as in flight.
    var serverViolations: [FakeProtocolViolation] {
        let stopAt = firstOffset { $0 == .stopSent }
        return violations.filter { violation in
            guard violation.kind == .afterStop, let stopAt else { return true }
            return violation.atMilliseconds - stopAt > 1_000
        }
    }
}
