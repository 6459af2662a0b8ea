import Foundation
import Hummingbird
import Logging

/// Twilio's REST API for live calls (`POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`) on
/// 127.0.0.1, with HTTP Basic auth, hang-up and transfer, fault knobs and a request log. Commands reach
/// the `FakeTwilioPhone`s that share its `registry`.
public struct FakeTwilioREST: Sendable {
    /// Account SID accepted as the Basic-auth user.
    public let accountSid: String
    /// Auth token accepted as the Basic-auth password.
    public let authToken: String
    /// Live calls shared with the phones.
    public let registry: FakeTwilioCallRegistry
    /// Answer to a hang-up of a call that already ended.
    public let endedCallAnswer: FakeTwilioEndedCallAnswer
    let state = FakeTwilioRESTState()
    let logger: Logger

    public init(
        accountSid: String,
        authToken: String,
        registry: FakeTwilioCallRegistry,
        endedCallAnswer: FakeTwilioEndedCallAnswer = .notFound20404,
        logger: Logger = Logger(label: "fake-twilio-rest")
    ) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.registry = registry
        self.endedCallAnswer = endedCallAnswer
        self.logger = logger
    }

    // MARK: fault knobs and the log

    /// Every request received so far, in order.
    public func requests() async -> [FakeTwilioRESTRequest] { await state.requests }
    /// Successful hang-ups (200) so far.
    public func successfulHangUps() async -> [FakeTwilioRESTRequest] {
        await state.requests.filter { $0.kind == .hangUp && $0.httpStatus == 200 }
    }
    /// The next `count` requests answer 503.
    public func failNextRequests(_ count: Int) async { await state.setFailNext(count) }
    /// Every request waits `delay` before it is handled.
    public func setDelay(_ delay: Duration) async { await state.setDelay(delay) }
    /// When true, every hang-up and transfer answers as if the call were unknown (404/20404).
    public func setAlwaysNotFound(_ value: Bool) async { await state.setAlwaysNotFound(value) }

    // MARK: running

    /// Runs the server on 127.0.0.1 with an ephemeral port until cancelled; `onRunning` gets the port.
    public func run(port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let router = Router()
        router.post("/2010-04-01/Accounts/:accountSid/Calls/:callFile") { request, context in
            try await self.handle(request, context: context)
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.run()
    }

    /// Starts the server, runs `body` with its base URL (`http://127.0.0.1:PORT`), then stops it.
    public func withRunningServer<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await self.run { port in portContinuation.yield(port) }
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                try await group.waitForAll()
                throw FakeTwilioPhoneError.socket("fake Twilio REST server did not start")
            }
            let result = try await body("http://127.0.0.1:\(port)")
            group.cancelAll()
            return result
        }
    }

    // MARK: handling

    private func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let delay = await state.delay
        if delay > .zero { try await Task.sleep(for: delay) }

        let callFile = context.parameters.get("callFile") ?? ""
        let pathAccount = context.parameters.get("accountSid") ?? ""
        let callSid: String? = callFile.hasSuffix(".json") ? String(callFile.dropLast(5)) : nil
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let bodyText = String(decoding: buffer.readableBytesView, as: UTF8.self)
        let isForm = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        let form = isForm ? FakeTwilioForm.decode(bodyText) : []
        let params = Dictionary((form ?? []).map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
        let kind: FakeTwilioRESTRequest.Kind =
            params["Status"] == "completed" ? .hangUp : (params["Twiml"] != nil || params["Url"] != nil) ? .transfer : .other
        let target = params["Twiml"] ?? params["Url"]

        func answer(_ status: Int, _ body: String, code: Int? = nil, extraHeaders: HTTPFields = [:]) async -> Response {
            await state.record(
                FakeTwilioRESTRequest(
                    receivedAt: Date(), callSid: callSid, kind: kind, httpStatus: status, errorCode: code, target: target))
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
            headers.append(contentsOf: extraHeaders)
            return Response(
                status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        func error(_ status: Int, _ code: Int, _ message: String, detail: String? = nil) async -> Response {
            await answer(status, FakeTwilioErrorBody.json(code: code, message: message, status: status, detail: detail), code: code)
        }
        let notFoundMessage = "The requested resource \(request.uri.path) was not found"

        if await state.takeFailure() {
            return await error(503, 20503, "Service Unavailable")
        }
        guard authorized(request.headers[.authorization]) else {
            var extra = HTTPFields()
            extra[.wwwAuthenticate] = "Basic realm=\"Twilio API\""
            await state.record(
                FakeTwilioRESTRequest(receivedAt: Date(), callSid: callSid, kind: kind, httpStatus: 401, errorCode: 20003, target: target))
            let body = FakeTwilioErrorBody.json(
                code: 20003, message: "Authenticate", status: 401, detail: "Your AccountSid or AuthToken was incorrect.")
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
            headers.append(contentsOf: extra)
            return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        guard let callSid, pathAccount == accountSid else {
            return await error(404, 20404, notFoundMessage)
        }
        guard form != nil else {
            return await error(400, 20001, "Malformed form body")
        }
        if params["Twiml"] != nil && params["Url"] != nil {
            return await error(400, 21205, "Url and Twiml are mutually exclusive")
        }
        let alwaysNotFound = await state.alwaysNotFound
        let known = await registry.resource(callSid: callSid)
        guard let known, known.accountSid == accountSid, !alwaysNotFound else {
            return await error(404, 20404, notFoundMessage)
        }

        if let status = params["Status"] {
            switch status {
            case "completed":
                if let resource = await registry.hangUp(callSid: callSid, accountSid: accountSid) {
                    return await answer(200, resource.json())
                }
                switch endedCallAnswer {
                case .notFound20404: return await error(404, 20404, notFoundMessage)
                case .invalidState21220: return await error(400, 21220, "Call is not in-progress. Cannot update.")
                }
            case "canceled":
                // `canceled` only affects queued or ringing calls; an answered call is unchanged.
                return await answer(200, known.json())
            default:
                return await error(400, 20001, "Status must be one of canceled or completed")
            }
        }
        if let twiml = params["Twiml"] {
            guard twiml.count <= 4000 else { return await error(400, 32018, "Twiml exceeds 4000 characters") }
            guard twiml.contains("<Response") else { return await error(400, 12100, "Document parse failure") }
        }
        if let url = params["Url"] {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                return await error(400, 21205, "Url is not a valid URL: \(url)")
            }
        }
        if let target {
            if let resource = await registry.transfer(callSid: callSid, accountSid: accountSid, twiml: target) {
                return await answer(200, resource.json())
            }
            return await error(400, 21220, "Call is not in-progress. Cannot redirect.")
        }
        return await answer(200, known.json())
    }

    private func authorized(_ header: String?) -> Bool {
        guard let header, header.hasPrefix("Basic ") else { return false }
        guard let data = Data(base64Encoded: String(header.dropFirst("Basic ".count)).trimmingCharacters(in: .whitespaces)) else {
            return false
        }
        return String(decoding: data, as: UTF8.self) == "\(accountSid):\(authToken)"
    }
}
