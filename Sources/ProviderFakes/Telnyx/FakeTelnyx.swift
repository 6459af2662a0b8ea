import AsyncHTTPClient
import Foundation
import Logging

/// A protocol-faithful stand-in for Telnyx (telephony.md §4–§6, §8): the Call Control REST API the
/// server commands, the webhooks Telnyx posts, and a phone that calls in over the media WebSocket.
///
/// API summary (what end-to-end tests use):
/// ```swift
/// let telnyx = try FakeTelnyx(apiKey: "KEY_test", signingSeed: FakeTelnyxSigner.testVectorSeed, logger: quiet)
/// telnyx.publicKeyBase64                       // → server's TELNYX_PUBLIC_KEY
/// try await telnyx.run(port: 0) { port in … }  // REST on 127.0.0.1 → SWITCHBOARD_TELNYX_API_URL=http://127.0.0.1:PORT
/// let result = try await telnyx.dial(serverURL: "http://127.0.0.1:8080", publicURL: nil, script: .simple, options: .init())
/// await telnyx.requests()                      // [FakeTelnyxRESTRequest]: action, callControlId, fields, commandId, httpStatus
/// await telnyx.failNextRequests(2)             // 503 ×2, not executed
/// await telnyx.setResponseDelay(.seconds(1), for: .streamingStart)
/// ```
/// `dial` sends `call.initiated` to `POST {serverURL}/telnyx/webhook`, waits for `answer`, sends
/// `call.answered`, opens `stream_url` on `streaming_start` (or an `answer` carrying it), speaks the
/// script, and ends on the script's `.hangUp`, the server's `hangup`, or `maxDuration`. The result is a
/// `FakeCallResult` (`callSid` = `call_control_id`, `streamSid` = `stream_id`, `telnyx` = the Telnyx details).
public struct FakeTelnyx: Sendable {
    /// The Call Control REST API (shared registry with every phone this fake dials).
    public let callControl: FakeTelnyxCallControl
    /// Signs the webhooks.
    public let signer: FakeTelnyxSigner
    let httpClient: HTTPClient
    let logger: Logger

    /// - Parameters:
    ///   - apiKey: accepted as `Authorization: Bearer <apiKey>` (the server's `TELNYX_API_KEY`).
    ///   - signingSeed: 32-byte Ed25519 seed; `publicKeyBase64` is the matching `TELNYX_PUBLIC_KEY`.
    public init(
        apiKey: String = "KEY_fake_telnyx", signingSeed: [UInt8] = FakeTelnyxSigner.testVectorSeed,
        httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "fake-telnyx")
    ) throws {
        self.signer = try FakeTelnyxSigner(seed: signingSeed)
        self.callControl = FakeTelnyxCallControl(apiKey: apiKey, logger: logger)
        self.httpClient = httpClient
        self.logger = logger
    }

    /// The API key the REST API accepts.
    public var apiKey: String { callControl.apiKey }
    /// Base64 Ed25519 public key for the server's `TELNYX_PUBLIC_KEY`.
    public var publicKeyBase64: String { signer.publicKeyBase64 }
    /// The calls' state, shared by the REST API and the phones.
    public var registry: FakeTelnyxCallRegistry { callControl.registry }

    /// Runs the Call Control API on 127.0.0.1 (`port` 0 picks one) until cancelled; `onListening` gets the port.
    public func run(port: Int = 0, onListening: @escaping @Sendable (Int) async -> Void) async throws {
        try await callControl.run(port: port, onListening: onListening)
    }

    /// Starts the API, runs `body` with its base URL (`http://127.0.0.1:PORT`), then stops it.
    public func withRunningServer<T: Sendable>(port: Int = 0, _ body: (String) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await self.run(port: port) { continuation.yield($0) }
            }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next(), bound > 0 else {
                group.cancelAll()
                try await group.waitForAll()
                throw FakeTelnyxError.serverDidNotStart
            }
            let result = try await body("http://127.0.0.1:\(bound)")
            group.cancelAll()
            return result
        }
    }

    /// A phone for one call into `serverURL` (see `FakeTelnyxPhone`).
    public func phone(serverURL: String, publicURL: String? = nil, script: CallerScript, options: FakeTelnyxPhoneOptions = .init())
        -> FakeTelnyxPhone
    {
        FakeTelnyxPhone(
            serverURL: serverURL, publicURL: publicURL, script: script, options: options, registry: registry, signer: signer,
            httpClient: httpClient, logger: logger)
    }

    /// Places one call into `serverURL` and returns its timeline once it ended.
    public func dial(serverURL: String, publicURL: String? = nil, script: CallerScript, options: FakeTelnyxPhoneOptions = .init())
        async throws -> FakeCallResult
    {
        try await phone(serverURL: serverURL, publicURL: publicURL, script: script, options: options).dial()
    }

    /// Every request the Call Control API received, in order.
    public func requests() async -> [FakeTelnyxRESTRequest] { await callControl.requests() }

    /// The next `count` requests answer `status` with a Telnyx error body and are not executed.
    public func failNextRequests(_ count: Int, status: Int = 503) async { await callControl.failNextRequests(count, status: status) }

    /// Answers to `action` (all when nil) come `delay` after the command was executed.
    public func setResponseDelay(_ delay: Duration, for action: FakeTelnyxAction? = nil) async {
        await callControl.setResponseDelay(delay, for: action)
    }
}
