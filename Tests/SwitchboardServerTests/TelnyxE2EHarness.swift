import AsyncHTTPClient
import CallCore
import Foundation
import NIOCore
import Logging
import ProviderFakes
import SwitchboardServer

/// What one Telnyx end-to-end test sets up.
struct TelnyxE2EOptions: Sendable {
    var script: FakeAgentScript = {
        var script = E2EScripts.goodbyeAfterFirstTurn
        script.callerTranscripts = ["That is all, thanks."]
        return script
    }()
    var call = E2EOptions().call
    /// The pipeline agent with its fakes (the script's replies are the LLM's); nil: speech to speech.
    var pipeline: PipelineFakeOptions?
    /// Whether the server is given `TELNYX_PUBLIC_KEY` (then every webhook must be signed).
    var requiresSignatures = true
    var timeout: Duration = .seconds(60)
    /// Last word on the server's configuration (e.g. the pipeline agent).
    var configure: @Sendable (inout ServerConfiguration) -> Void = { _ in }
}

/// Running fakes (Telnyx Call Control + webhooks + phone, Realtime) and the server, handed to a test body.
struct TelnyxE2EContext: Sendable {
    let serverURL: String
    let telnyx: FakeTelnyx
    let realtime: FakeRealtimeServer
    let logs: LogCapture
    /// The pipeline's fakes, when the test runs the pipeline agent.
    let pipeline: PipelineFakes?

    var records: StoredCallReader { StoredCallReader(serverURL: serverURL, logs: logs) }

    /// Dials one call the way Telnyx does and returns the phone's result.
    func dial(_ script: CallerScript, options: FakeTelnyxPhoneOptions = TelnyxE2EContext.phoneOptions) async throws -> FakeCallResult {
        try await telnyx.dial(serverURL: serverURL, script: script, options: options)
    }

    static var phoneOptions: FakeTelnyxPhoneOptions {
        var options = FakeTelnyxPhoneOptions()
        options.maxDuration = .seconds(25)
        return options
    }

    /// Posts one signed webhook of `eventType` for `callControlID` (a fresh `data.id`); the server's status.
    func postWebhook(_ eventType: String, callControlID: String) async throws -> Int {
        let body = FakeTelnyxWebhookEnvelope.body(
            eventType: eventType, id: UUID().uuidString.lowercased(), occurredAt: "2026-12-01T12:00:00.000000Z",
            payload: [
                "call_control_id": .string(callControlID), "call_leg_id": .string(UUID().uuidString.lowercased()),
                "call_session_id": .string(UUID().uuidString.lowercased()), "connection_id": .string("1234567890"),
                "client_state": .null, "hangup_cause": .string("normal_clearing"), "hangup_source": .string("caller"),
            ],
            attempt: 1, deliveredTo: serverURL + "/telnyx/webhook")
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: serverURL + "/telnyx/webhook")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "telnyx-timestamp", value: "\(timestamp)")
        request.headers.add(name: "telnyx-signature-ed25519", value: telnyx.signer.signature(timestamp: timestamp, body: Array(body.utf8)))
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Int(response.status.code)
    }

    /// Commands the fake Call Control API received for one call.
    func commands(_ result: FakeCallResult, _ action: FakeTelnyxAction) async -> [FakeTelnyxRESTRequest] {
        await telnyx.requests().filter { $0.callControlId == result.callSid && $0.action == action }
    }
}

extension FakeCallResult {
    /// The server's call id: the `client_state` it set on its commands (also a custom stream parameter).
    var telnyxCallID: String {
        customParameters["switchboard_call_id"] ?? telnyx?.decodedClientState ?? "?"
    }
}

/// Starts the fake Telnyx and Realtime servers and the server, runs `body`, then cancels everything,
/// bounded by `options.timeout`.
func withTelnyxE2E<T: Sendable>(
    _ options: TelnyxE2EOptions = TelnyxE2EOptions(), _ body: @escaping @Sendable (TelnyxE2EContext) async throws -> T
) async throws -> T {
    let logs = LogCapture()
    let logger = Logger(label: "switchboard-e2e") { label in CaptureLogHandler(label: label, capture: logs) }
    let quiet = Logger(label: "fakes") { _ in SwiftLogNoOpLogHandler() }
    let telnyx = try FakeTelnyx(apiKey: "KEY_e2e_telnyx", logger: quiet)
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
        var pipeline: PipelineFakes?
        if let fakeOptions = options.pipeline {
            pipeline = try await startPipelineFakes(script: options.script, options: fakeOptions, in: &group)
        }
        let pipelineFakes = pipeline
        group.addTask {
            try await telnyx.withRunningServer { apiURL in
                var configuration = try ServerConfiguration.endToEnd(databasePath: databasePath)
                configuration.agentKind = "openai-realtime"
                configuration.openAIAPIKey = "test"
                configuration.openAIRealtimeURL = try await realtime.realtimeURL()
                configuration.telnyxAPIKey = telnyx.apiKey
                configuration.telnyxAPIURL = apiURL
                configuration.telnyxPublicKey = options.requiresSignatures ? telnyx.publicKeyBase64 : nil
                configuration.call = options.call
                pipelineFakes?.configure(&configuration, realtimeURL: configuration.openAIRealtimeURL)
                options.configure(&configuration)
                return try await withRunningServer(configuration, logger: logger) { serverURL in
                    try await body(TelnyxE2EContext(
                        serverURL: serverURL, telnyx: telnyx, realtime: realtime, logs: logs, pipeline: pipelineFakes))
                }
            }
        }
        defer { group.cancelAll() }
        while let next = try await group.next() {
            if let value = next { return value }
        }
        throw E2EError("harness ended without a result")
    }
}
