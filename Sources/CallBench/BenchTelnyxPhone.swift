import AsyncHTTPClient
import Foundation
import NIOCore
import ProviderFakes

/// A lightweight phone that calls exactly as Telnyx does: a signed `call.initiated` webhook, then —
/// as the server's commands arrive at `BenchTelnyxControl` — `call.answered`, `streaming.started` and
/// the media WebSocket to `stream_url` with `x-telnyx-streaming-auth-token` (`connected`/`start`/`media`
/// every 20 ms/`mark` echoes/`stop`), and after the server's `hangup` the `stop` frame and `call.hangup`.
/// The stream itself is the shared ``BenchPhoneHandler`` in the Telnyx dialect.
struct BenchTelnyxPhone: Sendable {
    let index: Int
    let plan: BenchCallerPlan
    let context: BenchPhoneContext

    /// Places the call; returns whether it completed (ended by the server's hangup after the goodbye).
    func run(salt: UInt64) async -> Bool {
        let identity = FakeTelnyxCallIdentity(
            callControlId: "v3:" + BenchPhoneContext.id("bench", index, salt: salt), from: "+15550000002", to: "+15550000001")
        let (inputs, inbox) = AsyncStream.makeStream(of: BenchPhoneInput.self)
        let (commands, commandSink) = AsyncStream.makeStream(of: BenchTelnyxCommand.self)
        context.calls.register(callSid: identity.callControlId, call: index, inbox: inbox, commands: commandSink)
        defer { context.calls.remove(callSid: identity.callControlId) }
        let webhooks = BenchTelnyxWebhooks(context: context, identity: identity)
        var result = BenchPhoneHandler<BenchTelnyxDialect>.Result()
        let state = LockedValue<String?>(nil)
        do {
            try await webhooks.send(FakeTelnyxEvent.callInitiated, FakeTelnyxPayloads.initiated(identity))
            let stream = try await awaitStream(commands: commands, sink: commandSink, webhooks: webhooks, identity: identity, state: state)
            try await webhooks.send(
                FakeTelnyxEvent.streamingStarted, FakeTelnyxPayloads.streaming(identity, clientState: state.value, streamURL: stream.streamURL))
            let dialect = BenchTelnyxDialect(
                callControlId: identity.callControlId, callSessionId: identity.callSessionId, streamId: FakeTelnyxIDs.upperUUID(),
                userId: FakeTelnyxIDs.upperUUID(), from: identity.from, to: identity.to, clientState: state.value,
                authToken: stream.authToken, parameters: stream.parameters)
            let headers = stream.authToken.map { [("x-telnyx-streaming-auth-token", $0)] } ?? []
            result = try await BenchMediaSocket.run(
                url: BenchPhoneContext.loopbackURL(stream.streamURL), headers: headers, index: index, dialect: dialect, plan: plan,
                context: context, hangups: inputs)
        } catch {
            context.logger.debug("bench call \(index) failed: \(error)")
        }
        commandSink.finish()
        context.collector.callEnded(call: index, completed: result.completed, cutoff: result.cutoff)
        // The call is over on the carrier: `call.hangup` (ours if the server hung up, else the caller's).
        try? await webhooks.send(
            FakeTelnyxEvent.callHangup,
            FakeTelnyxPayloads.hangup(
                identity, clientState: state.value, cause: "normal_clearing", source: result.hungUpByServer ? "callee" : "caller"))
        return result.completed
    }

    /// Waits for `answer` (then says `call.answered`) and `streaming_start`, bounded by the call's
    /// maximum duration.
    private func awaitStream(
        commands: AsyncStream<BenchTelnyxCommand>, sink: AsyncStream<BenchTelnyxCommand>.Continuation,
        webhooks: BenchTelnyxWebhooks, identity: FakeTelnyxCallIdentity, state: LockedValue<String?>
    ) async throws -> BenchTelnyxStreamRequest {
        try await withThrowingTaskGroup(of: BenchTelnyxStreamRequest?.self) { group in
            group.addTask { [bound = context.maxCallDuration] in
                try? await Task.sleep(for: bound)
                sink.finish()  // ends the wait below
                return nil
            }
            group.addTask {
                for await command in commands {
                    switch command {
                    case .answer(let clientState):
                        if let clientState { state.withLock { $0 = clientState } }
                        try await webhooks.send(
                            FakeTelnyxEvent.callAnswered, FakeTelnyxPayloads.answered(identity, clientState: state.value))
                    case .streamingStart(let request):
                        if let clientState = request.clientState { state.withLock { $0 = clientState } }
                        return request
                    case .hangup:
                        throw BenchError("call \(index): hung up before its stream started")
                    }
                }
                throw BenchError("call \(index): no streaming_start within \(context.maxCallDuration)")
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let request = next { return request }
            }
            throw BenchError("call \(index): no streaming_start")
        }
    }
}

/// Posts one call's Call Control webhooks to the server, signed as Telnyx signs them (Ed25519 over
/// `timestamp|body`), one attempt each.
struct BenchTelnyxWebhooks: Sendable {
    let context: BenchPhoneContext
    let identity: FakeTelnyxCallIdentity

    func send(_ eventType: String, _ payload: [String: FakeTelnyxJSON]) async throws {
        let url = context.serverURL + "/telnyx/webhook"
        let body = FakeTelnyxWebhookEnvelope.body(
            eventType: eventType, id: FakeTelnyxIDs.uuid(), occurredAt: FakeTelnyxDates.iso8601(Date()), payload: payload, attempt: 1,
            deliveredTo: url)
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "telnyx-webhooks")
        request.headers.add(name: "telnyx-timestamp", value: String(timestamp))
        request.headers.add(name: "telnyx-signature-ed25519", value: context.telnyxSigner.signature(timestamp: timestamp, body: Array(body.utf8)))
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await context.httpClient.execute(request, timeout: .seconds(15))
        _ = try? await response.body.collect(upTo: 1 << 16)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw BenchError("\(eventType) webhook answered \(response.status.code)")
        }
    }
}
