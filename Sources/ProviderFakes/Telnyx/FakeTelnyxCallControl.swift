import Foundation
import Hummingbird
import Logging

/// One request the fake Call Control API received, and its answer (for test assertions).
public struct FakeTelnyxRESTRequest: Sendable, Equatable {
    /// When it arrived.
    public var receivedAt: Date
    /// The `call_control_id` from the path (percent-decoded).
    public var callControlId: String
    /// The action from the path (nil when it is not one the API knows).
    public var action: FakeTelnyxAction?
    /// The action segment as sent.
    public var actionName: String
    /// The HTTP status answered.
    public var httpStatus: Int
    /// Telnyx's error `code` (a string) when the answer was an error.
    public var errorCode: String?
    /// `command_id` from the body.
    public var commandId: String?
    /// `client_state` from the body.
    public var clientState: String?
    /// Top-level body members: strings as they are, anything else as compact JSON.
    public var fields: [String: String]
    /// The raw body.
    public var body: String
    /// The `command_id` was already executed for this call (answered 200, not executed again).
    public var duplicate: Bool
    /// The command was executed (reached the phone).
    public var executed: Bool
}

/// The fake Call Control API's mutable state: fault knobs and the request log.
actor FakeTelnyxCallControlState {
    var requests: [FakeTelnyxRESTRequest] = []
    var failNext = 0
    var failStatus = 503
    var delays: [FakeTelnyxAction: Duration] = [:]
    var defaultDelay: Duration = .zero

    func record(_ request: FakeTelnyxRESTRequest) { requests.append(request) }

    /// Consumes one injected failure if any is left; returns its status.
    func takeFailure() -> Int? {
        guard failNext > 0 else { return nil }
        failNext -= 1
        return failStatus
    }

    func setFailNext(_ count: Int, status: Int) {
        failNext = max(0, count)
        failStatus = status
    }

    func setDelay(_ delay: Duration, for action: FakeTelnyxAction?) {
        if let action { delays[action] = delay } else { defaultDelay = delay }
    }

    func delay(for action: FakeTelnyxAction?) -> Duration {
        action.flatMap { delays[$0] } ?? defaultDelay
    }
}

/// Telnyx Call Control (`POST /v2/calls/{call_control_id}/actions/{action}`) on 127.0.0.1, with
/// `Authorization: Bearer` auth, body validation, `command_id` dedupe, 422/`90018` for ended calls,
/// fault knobs and a request log. Executed commands reach the phones that share its `registry`.
public struct FakeTelnyxCallControl: Sendable {
    /// The API key accepted as `Authorization: Bearer <key>`.
    public let apiKey: String
    /// Live calls shared with the phones.
    public let registry: FakeTelnyxCallRegistry
    let state = FakeTelnyxCallControlState()
    let logger: Logger

    /// - Parameter registry: shared with the phones (a `FakeTelnyx` shares its own).
    public init(apiKey: String, registry: FakeTelnyxCallRegistry = FakeTelnyxCallRegistry(), logger: Logger = Logger(label: "fake-telnyx-api")) {
        self.apiKey = apiKey
        self.registry = registry
        self.logger = logger
    }

    /// Every request received so far, in order.
    public func requests() async -> [FakeTelnyxRESTRequest] { await state.requests }
    /// The next `count` requests answer `status` (5xx) with a Telnyx error body and are not executed.
    public func failNextRequests(_ count: Int, status: Int = 503) async { await state.setFailNext(count, status: status) }
    /// Requests for `action` (every action when nil) are answered `delay` after they were executed, so the
    /// phone may act on a command (open the socket, send webhooks) before the server sees the 200.
    public func setResponseDelay(_ delay: Duration, for action: FakeTelnyxAction? = nil) async {
        await state.setDelay(delay, for: action)
    }

    /// Runs the API on 127.0.0.1 (`port` 0 picks a free one) until cancelled; `onListening` gets the port.
    public func run(port: Int = 0, onListening: @escaping @Sendable (Int) async -> Void) async throws {
        let router = Router()
        router.post("/v2/calls/:callControlId/actions/:action") { request, context in
            try await self.handle(request, context: context)
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.run()
    }

    private func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let rawId = context.parameters.get("callControlId") ?? ""
        let callControlId = rawId.removingPercentEncoding ?? rawId
        let actionName = context.parameters.get("action") ?? ""
        let action = FakeTelnyxAction(rawValue: actionName)
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let bodyText = String(decoding: buffer.readableBytesView, as: UTF8.self)
        let parsed = bodyText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? .object([:]) : FakeTelnyxJSON.parse(bodyText)
        let body = parsed?.objectValue ?? [:]
        let commandId = try? FakeTelnyxCommandValidator.string(body, "command_id")
        let clientState = try? FakeTelnyxCommandValidator.string(body, "client_state")

        var executed = false
        var duplicate = false
        func answer(_ error: FakeTelnyxAPIError?) async -> Response {
            let delay = await state.delay(for: action)
            if delay > .zero { try? await Task.sleep(for: delay) }
            await state.record(
                FakeTelnyxRESTRequest(
                    receivedAt: Date(), callControlId: callControlId, action: action, actionName: actionName,
                    httpStatus: error?.status ?? 200, errorCode: error?.code, commandId: commandId ?? nil,
                    clientState: clientState ?? nil, fields: body.mapValues(\.fieldText), body: bodyText,
                    duplicate: duplicate, executed: executed))
            let text = error?.json ?? FakeTelnyxJSON.object(["data": .object(["result": .string("ok")])]).text
            return Response(
                status: .init(code: error?.status ?? 200), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        if let status = await state.takeFailure() { return await answer(.unexpected(status: status)) }
        guard request.headers[.authorization] == "Bearer \(apiKey)" else { return await answer(.unauthorized) }
        guard let action else { return await answer(.notFound) }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if !bodyText.isEmpty && !contentType.hasPrefix("application/json") { return await answer(.unsupportedMediaType) }
        let validated: Result<FakeTelnyxCommand, FakeTelnyxAPIError> =
            parsed?.objectValue == nil ? .failure(.malformedBody) : FakeTelnyxCommandValidator.validate(action, body: body)
        let (delivery, error) = await registry.apply(
            callControlId: callControlId, action: action, validated: validated, commandId: commandId ?? nil,
            clientState: clientState ?? nil)
        executed = delivery.command != nil
        duplicate = delivery.duplicate
        return await answer(error)
    }
}
