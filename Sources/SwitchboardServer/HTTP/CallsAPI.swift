import CallStore
import Foundation
import Hummingbird
import NIOCore

/// `GET /calls` (newest first, paged with `before`, filtered with `state=open|ended|all`) and
/// `GET /calls/{id}` (state, transcript, timeline) as JSON. With `SWITCHBOARD_API_TOKEN` set, both need
/// `Authorization: Bearer <token>`.
struct CallsAPI: Sendable {
    let store: any CallStore
    let apiToken: String?

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("/calls") { request, _ in try await list(request) }
        router.get("/calls/{id}") { request, context in try await show(request, id: context.parameters.get("id") ?? "") }
    }

    func authorize(_ request: Request) throws {
        guard let apiToken else { return }
        guard request.headers[.authorization] == "Bearer \(apiToken)" else {
            throw HTTPError(.unauthorized, message: "missing or wrong bearer token")
        }
    }

    func list(_ request: Request) async throws -> Response {
        try authorize(request)
        let query = request.uri.queryParameters
        let state = query["state"].flatMap { CallListState(rawValue: String($0)) } ?? .all
        let limit = min(max(query["limit"].flatMap { Int(String($0)) } ?? 50, 1), 500)
        let before = query["before"].flatMap { CallCursor(String($0)) }
        let page = try await store.listCalls(state: state, limit: limit, before: before)
        return try Self.json(CallListBody(calls: page.calls, nextCursor: page.nextCursor?.description))
    }

    func show(_ request: Request, id: String) async throws -> Response {
        try authorize(request)
        guard let detail = try await store.call(id: id) else {
            throw HTTPError(.notFound, message: "no call \(id)")
        }
        return try Self.json(detail)
    }

    struct CallListBody: Encodable {
        var calls: [CallRecord]
        var nextCursor: String?
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
