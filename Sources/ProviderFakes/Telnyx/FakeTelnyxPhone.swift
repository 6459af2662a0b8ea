import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import WSClient

/// A phone that calls a Switchboard server the way Telnyx Call Control does: the signed `call.initiated`
/// webhook, then whatever the server commands through the fake Call Control API (`answer`,
/// `streaming_start`, …) with the webhooks and the media WebSocket Telnyx would produce, a playback queue
/// with mark/clear semantics and a scripted caller. Returns the call's timeline.
public struct FakeTelnyxPhone: Sendable {
    /// Where the server really listens, e.g. `http://127.0.0.1:8080`.
    public var serverURL: String
    /// The public URL the server is known by (`meta.delivered_to`, stream URLs); defaults to `serverURL`.
    public var publicURL: String?
    /// What the caller does once the call is answered.
    public var script: CallerScript
    /// Timing, ordering and fault options.
    public var options: FakeTelnyxPhoneOptions
    let registry: FakeTelnyxCallRegistry
    let signer: FakeTelnyxSigner
    let httpClient: HTTPClient
    let logger: Logger

    /// - Parameter registry: shared with the `FakeTelnyxCallControl` the server sends its commands to.
    public init(
        serverURL: String, publicURL: String? = nil, script: CallerScript, options: FakeTelnyxPhoneOptions = .init(),
        registry: FakeTelnyxCallRegistry, signer: FakeTelnyxSigner, httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "fake-telnyx-phone")
    ) {
        self.serverURL = serverURL
        self.publicURL = publicURL
        self.script = script
        self.options = options
        self.registry = registry
        self.signer = signer
        self.httpClient = httpClient
        self.logger = logger
    }

    enum Child: Sendable { case other, timeout }

    /// Places one call and returns when it has ended. Throws `FakeTelnyxError.timedOut` if it does not end
    /// within `maxDuration` + 15 s (the phone's own bound ends it at `maxDuration`).
    public func dial() async throws -> FakeCallResult {
        let started = ContinuousClock.now
        let identity = FakeTelnyxCallIdentity(
            callControlId: options.callControlId ?? FakeTelnyxIDs.callControlId(), callLegId: FakeTelnyxIDs.uuid(),
            callSessionId: FakeTelnyxIDs.uuid(), connectionId: options.connectionId ?? FakeTelnyxIDs.connectionId(),
            from: options.from, to: options.to, startTime: FakeTelnyxDates.iso8601(Date()))
        let commands = await registry.register(callControlId: identity.callControlId, hangsUpOn: options.hangsUpWhenCommandArrives)
        let (jobs, jobsContinuation) = AsyncStream.makeStream(of: FakeTelnyxWebhookJob.self, bufferingPolicy: .unbounded)
        let core = FakeTelnyxCallCore(identity: identity, options: options, started: started, registry: registry, jobs: jobsContinuation)
        let sender = FakeTelnyxWebhookSender(
            serverURL: serverURL, publicURL: publicURL ?? serverURL, signer: signer, options: options.webhooks,
            httpClient: httpClient, started: started)
        let bound = options.maxDuration + .seconds(15)

        do {
            try await withThrowingTaskGroup(of: Child.self) { group in
                var children = 2
                group.addTask {
                    for await delivery in commands { await core.deliver(delivery) }
                    return .other
                }
                group.addTask {
                    for await job in jobs {
                        await core.recordDeliveries(await sender.send(eventType: job.eventType, payload: job.payload))
                        if job.stopStreamAfter { await core.stopStream() }
                    }
                    return .other
                }
                group.addTask {
                    try await Task.sleep(for: bound)
                    return .timeout
                }
                await core.enqueue(
                    FakeTelnyxWebhookJob(eventType: FakeTelnyxEvent.callInitiated, payload: FakeTelnyxPayloads.initiated(identity)))
                await drive(core, group: &group, children: &children)
                // The call ended: let the webhook worker, the command relay and the sockets finish.
                while children > 0, let child = try await group.next() {
                    if child == .timeout { throw FakeTelnyxError.timedOut }
                    children -= 1
                }
                group.cancelAll()
            }
        } catch {
            await core.abandon()
            throw error
        }
        return await core.result()
    }

    /// The 20 ms loop (absolute deadlines, no drift): applies the commands, opens the sockets they ask
    /// for, runs the caller script once answered, and ends the call (script, REST, bounds).
    private func drive(_ core: FakeTelnyxCallCore, group: inout ThrowingTaskGroup<Child, any Error>, children: inout Int) async {
        var runner = CallerScriptRunner(script)
        let clock = ContinuousClock()
        var deadline = clock.now
        let answerBy = deadline + options.answerTimeout
        let endAt = deadline + options.maxDuration
        while true {
            deadline += .milliseconds(20)
            do {
                try await clock.sleep(until: deadline, tolerance: .milliseconds(1))
            } catch {
                await core.end(.maxDuration, cause: "normal_clearing", source: "caller")
                return
            }
            for socket in await core.applyCommands() {
                children += 1
                group.addTask {
                    await self.runSocket(core, socket)
                    return .other
                }
            }
            if await core.ended { return }
            if clock.now >= endAt {
                await core.record(.maxDurationReached)
                await core.end(.maxDuration, cause: "normal_clearing", source: "caller")
                return
            }
            guard await core.answered else {
                if clock.now >= answerBy {
                    await core.record(.notAnswered)
                    await core.end(.notAnswered, cause: "originator_cancel", source: "caller")
                    return
                }
                continue
            }
            if let transferEnd = await core.transferEndsAt, core.offset() >= transferEnd {
                await core.end(.transferByREST, cause: "normal_clearing", source: "caller")
                return
            }
            let bot = await core.tick()
            let output = runner.tick(bot)
            await core.record(output.events)
            if output.hangUp {
                await core.record(.callerHungUp)
                await core.end(.callerHungUp, cause: "normal_clearing", source: "caller")
                return
            }
            if let digit = output.dtmf { await core.sendDTMF(digit) }
            await core.sendMedia(output.audio)
        }
    }

    /// Opens the media WebSocket of one stream and runs it: the writer (the only place that writes, in
    /// the order the core decided), the reader, and a bounded wait for the server's close.
    private func runSocket(_ core: FakeTelnyxCallCore, _ socket: FakeTelnyxSocketRequest) async {
        await core.record(.streamConnecting(streamURL: socket.request.streamURL))
        let url = Self.connectURL(for: socket.request.streamURL, serverURL: serverURL, publicURL: publicURL)
        var headers = HTTPFields()
        if let token = socket.request.authToken, let name = HTTPFields.Element.Name("x-telnyx-streaming-auth-token") {
            headers[name] = token
        }
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 22, additionalHeaders: headers, closeTimeout: .seconds(2))
        let id = socket.streamId
        do {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                guard let frames = await core.streamOpened(id) else { return }
                await withTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        do {
                            for try await message in inbound.messages(maxSize: 1 << 22) { await core.receive(message, stream: id) }
                        } catch {}
                        await core.serverClosed(id)
                        return true
                    }
                    for await frame in frames {
                        switch frame {
                        case .text(let text):
                            do { try await outbound.write(.text(text)) } catch { continue }
                        case .binary(let bytes):
                            do { try await outbound.write(.binary(ByteBuffer(bytes: bytes))) } catch { continue }
                        }
                    }
                    if await !core.isServerClosed(id) { try? await outbound.close(.normalClosure, reason: nil) }
                    // Let the reader record what the server sent between our stop and its close reply (bounded).
                    group.addTask {
                        try? await Task.sleep(for: .seconds(1))
                        return false
                    }
                    _ = await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            await core.streamFailed(id, reason: String(describing: error))
        }
    }

    /// The URL to connect to for `stream_url`: a URL on the public host is dialled at `serverURL` (the
    /// way the Twilio fake maps it), loopback `wss://` as plain `ws://`, anything else as it is.
    static func connectURL(for streamURL: String, serverURL: String, publicURL: String?) -> String {
        guard let stream = URLComponents(string: streamURL), let host = stream.host else { return streamURL }
        var rest = stream.percentEncodedPath.isEmpty ? "/" : stream.percentEncodedPath
        if let query = stream.percentEncodedQuery { rest += "?" + query }
        if let publicURL, let public_ = URLComponents(string: publicURL), public_.host?.lowercased() == host.lowercased(),
            public_.port == nil || stream.port == nil || public_.port == stream.port,
            let server = URLComponents(string: serverURL), let serverHost = server.host
        {
            let scheme = server.scheme?.lowercased() == "https" ? "wss" : "ws"
            let port = server.port.map { ":\($0)" } ?? ""
            return "\(scheme)://\(serverHost)\(port)\(rest)"
        }
        let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        guard loopback, stream.scheme?.lowercased() == "wss" else { return streamURL }
        let printedHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "ws://\(printedHost):\(stream.port ?? 443)\(rest)"
    }
}
