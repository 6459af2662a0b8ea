import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import ProviderFakes

/// `switchboard call`: a phone that dials into a running server the way Twilio (default) or Telnyx does,
/// speaks a scripted caller, and prints the call's timeline and transcript.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "call", abstract: "Dial into a running server with a fake phone.")

    /// Which carrier the fake phone imitates.
    enum Carrier: String, ExpressibleByArgument, CaseIterable {
        case twilio, telnyx
    }

    @Option(help: "Where the server listens.") var server = "http://127.0.0.1:8080"
    @Option(help: "The URL the server is known by (what Twilio signs); defaults to SWITCHBOARD_PUBLIC_URL or --server.")
    var publicURL: String?
    @Option(help: "twilio (voice webhook + Media Streams) or telnyx (Call Control webhooks + media streaming).")
    var carrier: Carrier = .twilio
    @Option(help: "Telnyx: port of the fake Call Control API the server must use (SWITCHBOARD_TELNYX_API_URL).")
    var telnyxAPIPort = 8091
    @Option(help: "Telnyx: the API key the fake accepts; defaults to TELNYX_API_KEY or KEY_switchboard_fake.")
    var telnyxAPIKey: String?
    @Option(help: "Telnyx: 64 hex digits of the Ed25519 seed that signs webhooks (default: the test-vector seed 000102…1f).")
    var telnyxSigningSeed: String?
    @Flag(help: "Talk over the bot's first answer.") var bargeIn = false
    @Flag(help: "Hang up one second after the greeting starts.") var hangUpEarly = false
    @Option(help: "Silence (seconds) after the first answer; 12 s triggers the re-prompt.") var silence = 12
    @Option(help: "Maximum call length in seconds.") var maxSeconds = 90

    func run() async throws {
        switch carrier {
        case .twilio: try await runTwilio()
        case .telnyx: try await runTelnyx()
        }
    }

    /// The caller's behaviour, from the flags.
    private var script: CallerScript {
        var steps: [CallerScript.Step] = [.waitForBot()]
        if hangUpEarly {
            steps = [.silence(milliseconds: 1_000), .hangUp]
        } else {
            steps.append(.say("Hi, I have a question about my account.", milliseconds: 1_500))
            if bargeIn {
                steps.append(.bargeIn(afterBotAudioMs: 1_200, text: "Sorry, one more thing.", milliseconds: 1_000))
            }
            steps.append(.waitForBot())
            if silence > 0 {
                steps.append(.silence(milliseconds: silence * 1_000))
                steps.append(.waitForBot())
            }
            steps.append(.say("No, that's all. Thanks, bye!", milliseconds: 1_500))
        }
        return CallerScript(steps)
    }

    private func runTwilio() async throws {
        let environment = ProcessInfo.processInfo.environment
        let phone = FakeTwilioPhone(
            configuration: FakeTwilioPhoneConfiguration(
                serverURL: server, publicURL: publicURL ?? environment["SWITCHBOARD_PUBLIC_URL"],
                accountSid: environment["TWILIO_ACCOUNT_SID"] ?? "AC00000000000000000000000000000000",
                authToken: environment["TWILIO_AUTH_TOKEN"], script: script, maxDuration: .seconds(maxSeconds)),
            logger: Logger(label: "switchboard.call"))
        let result = try await phone.dial()
        print("== phone timeline (ms since dial) ==")
        print(result.description)
        guard let callID = result.customParameters["switchboard_call_id"] else { return }
        try await printRecord(of: [callID])
    }

    /// Starts the fake Call Control API on `--telnyx-api-port`, places the call like Telnyx, prints both sides.
    private func runTelnyx() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = try telnyxSigningSeed.map { try FakeTelnyxSigner.seed(fromHex: $0) } ?? FakeTelnyxSigner.testVectorSeed
        let apiKey = telnyxAPIKey ?? environment["TELNYX_API_KEY"] ?? "KEY_switchboard_fake"
        var logger = Logger(label: "switchboard.call")
        // The fake's HTTP server reports its own shutdown (a cancelled child channel) as an error.
        logger.logLevel = .critical
        let telnyx = try FakeTelnyx(apiKey: apiKey, signingSeed: seed, logger: logger)
        var options = FakeTelnyxPhoneOptions()
        options.maxDuration = .seconds(maxSeconds)
        let publicURL = publicURL ?? environment["SWITCHBOARD_PUBLIC_URL"]
        let script = self.script
        let server = self.server
        let result = try await telnyx.withRunningServer(port: telnyxAPIPort) { apiURL in
            print("fake Telnyx Call Control listening on \(apiURL); the server must run with:")
            print("  SWITCHBOARD_TELNYX_API_URL=\(apiURL) TELNYX_API_KEY=\(apiKey) TELNYX_PUBLIC_KEY=\(telnyx.publicKeyBase64)")
            print("dialling \(server)/telnyx/webhook …")
            return try await telnyx.dial(serverURL: server, publicURL: publicURL, script: script, options: options)
        }
        print("== phone timeline (ms since dial) ==")
        print(result.description)
        let candidates = [result.customParameters["switchboard_call_id"], result.telnyx?.decodedClientState, result.callSid]
        try await printRecord(of: candidates.compactMap { $0 })
    }

    /// Prints the stored call of the first candidate id the server knows.
    private func printRecord(of candidates: [String]) async throws {
        let client = CallRecordClient(server: server, token: ProcessInfo.processInfo.environment["SWITCHBOARD_API_TOKEN"])
        for candidate in candidates {
            let id = candidate.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? candidate
            guard try await client.fetch("/calls/\(id)") != nil else { continue }
            print("\n== server record of call \(candidate) ==")
            print(try await client.fetchFinalized(id) ?? "(the server did not finalize the call in time)")
            return
        }
        print("\n(no stored call found for \(candidates))")
    }
}

/// Reads `/calls/{id}` from a running server.
struct CallRecordClient {
    let server: String
    let token: String?

    /// Fetches the call, waiting a bounded time (5 s) for it to be finalized.
    func fetchFinalized(_ callID: String) async throws -> String? {
        for _ in 0..<50 {
            if let text = try await fetch("/calls/\(callID)"), text.contains("\"finalized_at\":") && !text.contains("\"finalized_at\":null") {
                return try CallPrinter.describe(json: text)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    func fetch(_ path: String) async throws -> String? {
        var request = HTTPClientRequest(url: server + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { return nil }
        return String(buffer: body)
    }
}
