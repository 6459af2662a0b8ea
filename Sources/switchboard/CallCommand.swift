import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import ProviderFakes

/// `switchboard call`: a phone that dials into a running server the way Twilio does, speaks a scripted
/// caller, and prints the call's timeline and transcript.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "call", abstract: "Dial into a running server with a fake phone.")

    @Option(help: "Where the server listens.") var server = "http://127.0.0.1:8080"
    @Option(help: "The URL the server is known by (what Twilio signs); defaults to SWITCHBOARD_PUBLIC_URL or --server.")
    var publicURL: String?
    @Flag(help: "Talk over the bot's first answer.") var bargeIn = false
    @Flag(help: "Hang up one second after the greeting starts.") var hangUpEarly = false
    @Option(help: "Silence (seconds) after the first answer; 12 s triggers the re-prompt.") var silence = 12
    @Option(help: "Maximum call length in seconds.") var maxSeconds = 90

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
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
        let phone = FakeTwilioPhone(
            configuration: FakeTwilioPhoneConfiguration(
                serverURL: server, publicURL: publicURL ?? environment["SWITCHBOARD_PUBLIC_URL"],
                accountSid: environment["TWILIO_ACCOUNT_SID"] ?? "AC00000000000000000000000000000000",
                authToken: environment["TWILIO_AUTH_TOKEN"], script: CallerScript(steps), maxDuration: .seconds(maxSeconds)),
            logger: Logger(label: "switchboard.call"))
        let result = try await phone.dial()
        print("== phone timeline (ms since dial) ==")
        print(result.description)
        guard let callID = result.customParameters["switchboard_call_id"] else { return }
        print("\n== server record of call \(callID) ==")
        let detail = try await CallRecordClient(server: server, token: environment["SWITCHBOARD_API_TOKEN"]).fetchFinalized(callID)
        print(detail ?? "(the server did not finalize the call in time)")
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
