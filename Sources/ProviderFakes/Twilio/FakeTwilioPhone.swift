import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import WSClient

/// A phone that dials into a Switchboard server exactly as Twilio does: the signed voice webhook, the
/// TwiML answer, then the bidirectional Media Streams WebSocket with real-time 20 ms frames, a playback
/// queue with mark/clear semantics, and a scripted caller. Returns the call's timeline.
public struct FakeTwilioPhone: Sendable {
    /// How to dial.
    public var configuration: FakeTwilioPhoneConfiguration
    let registry: FakeTwilioCallRegistry?
    let httpClient: HTTPClient
    let logger: Logger

    /// - Parameters:
    ///   - registry: shared with a `FakeTwilioREST` so the server's REST commands reach this phone.
    ///   - httpClient: used for the webhook and the status callback.
    public init(
        configuration: FakeTwilioPhoneConfiguration,
        registry: FakeTwilioCallRegistry? = nil,
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "fake-twilio-phone")
    ) {
        self.configuration = configuration
        self.registry = registry
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Places one call and returns when it has ended (bounded by `maxDuration` plus a grace period).
    public func dial() async throws -> FakeCallResult {
        let started = ContinuousClock.now
        let callSid = configuration.callSid ?? FakeTwilioIDs.callSid()
        let webhook = FakeTwilioWebhooks(configuration: configuration, callSid: callSid, httpClient: httpClient, started: started)
        let twiml = try await webhook.postVoiceWebhook()
        let connectURL = try Self.connectURL(for: twiml.url)

        var parameters: [String: String] = [:]
        for parameter in twiml.parameters { parameters[parameter.name] = parameter.value }
        let (outbound, out) = AsyncStream.makeStream(of: FakeOutboundFrame.self, bufferingPolicy: .unbounded)
        let core = FakePhoneCallCore(
            streamSid: FakeTwilioIDs.streamSid(), callSid: callSid, accountSid: configuration.accountSid, started: started, out: out,
            echoesMarks: configuration.echoesMarks)
        await core.record(.webhookAnswered(streamURL: twiml.url))

        let commands: AsyncStream<FakeTwilioRemoteCommand>
        if let registry {
            commands = await registry.register(
                callSid: callSid, accountSid: configuration.accountSid, from: configuration.from, to: configuration.to)
        } else {
            commands = AsyncStream { $0.finish() }
        }

        var headers = HTTPFields()
        if let token = configuration.authToken, let name = HTTPFields.Element.Name("X-Twilio-Signature") {
            headers[name] = FakeTwilioSigning.signature(url: twiml.url, parameters: [], authToken: token)
        }
        let wsConfiguration = WebSocketClientConfiguration(
            maxFrameSize: 1 << 22, additionalHeaders: headers, closeTimeout: .seconds(2))
        let session = FakePhoneSession(
            core: core, configuration: configuration, customParameters: parameters, commands: commands,
            outbound: outbound, webhooks: webhook, registry: registry)

        let maxDuration = configuration.maxDuration
        let logger = self.logger
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await WebSocketClient.connect(url: connectURL, configuration: wsConfiguration, logger: logger) {
                        inbound, outbound, _ in
                        await session.run(inbound: inbound, outbound: outbound)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: maxDuration + .seconds(10))
                    throw FakeTwilioPhoneError.timedOut
                }
                _ = try await group.next()
                group.cancelAll()
            }
        } catch let error as FakeTwilioPhoneError {
            await session.abandon()
            throw error
        } catch {
            await session.abandon()
            throw FakeTwilioPhoneError.socket(String(describing: error))
        }
        return await session.finish(streamURL: twiml.url)
    }

    /// The URL to actually connect to: loopback `wss://` is dialled as plain `ws://` (no TLS on loopback).
    static func connectURL(for streamURL: String) throws(FakeTwilioPhoneError) -> String {
        let rest = streamURL.dropFirst("wss://".count)
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let path = rest.dropFirst(authority.count)
        var host = authority
        var port: String?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidTwiML(FakeTwiMLError(description: "Stream url has a malformed IPv6 host"))
            }
            host = String(authority[...close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = String(after.dropFirst()) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = String(authority[authority.index(after: colon)...])
        }
        let loopback = host == "localhost" || host == "[::1]" || host.hasPrefix("127.")
        guard loopback else { return streamURL }
        return "ws://\(host):\(port ?? "443")\(path.isEmpty ? "/" : String(path))"
    }
}
