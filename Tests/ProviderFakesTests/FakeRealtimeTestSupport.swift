import Foundation
import HTTPTypes
import Logging
import ProviderFakes
import Testing
import WSClient

struct RealtimeTestTimeout: Error {}

/// Runs `body` with a hard deadline so a broken server can never hang the suite.
@discardableResult
func withDeadline<T: Sendable>(_ limit: Duration = .seconds(20), _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw RealtimeTestTimeout()
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() else { throw RealtimeTestTimeout() }
        return value
    }
}

/// A minimal Realtime client over WSClient for the tests: send events, read parsed server events.
struct RealtimeTestConnection {
    var iterator: WebSocketInboundMessageStream.AsyncIterator
    let outbound: WebSocketOutboundWriter
    /// Every server event read so far.
    var received: [RealtimeJSON] = []

    struct StreamEnded: Error, CustomStringConvertible {
        let waitingFor: String
        let seen: [String]
        var description: String { "stream ended waiting for \(waitingFor); saw \(seen)" }
    }

    mutating func next() async throws -> RealtimeJSON? {
        while let message = try await iterator.next() {
            guard case .text(let text) = message else { continue }
            let event = try RealtimeJSON.parse(text)
            received.append(event)
            return event
        }
        return nil
    }

    /// Reads until an event of `type` arrives and returns it.
    @discardableResult
    mutating func waitFor(_ type: String) async throws -> RealtimeJSON {
        while let event = try await next() {
            if event["type"]?.stringValue == type { return event }
        }
        throw StreamEnded(waitingFor: type, seen: types)
    }

    /// Reads until `response.done` and returns every event read on the way (inclusive).
    mutating func readResponse() async throws -> [RealtimeJSON] {
        let start = received.count
        try await waitFor("response.done")
        return Array(received[start...])
    }

    var types: [String] { received.compactMap { $0["type"]?.stringValue } }

    func send(_ event: RealtimeJSON) async throws {
        try await outbound.write(.text(event.serialized))
    }

    func append(_ bytes: [UInt8]) async throws {
        try await send(.obj(["type": "input_audio_buffer.append", "audio": .string(Data(bytes).base64EncodedString())]))
    }

    /// Sends `bytes` as 20 ms Twilio-style frames.
    func appendFrames(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + MuLaw.frameBytes)
            try await append(Array(bytes[offset..<end]))
            offset = end
        }
    }

    /// The GA session.update the bridge sends.
    static func sessionUpdate(
        transcription: Bool = true, silenceMs: Int = 300, tools: [String] = [], eventId: String = "evt_update_1"
    ) -> RealtimeJSON {
        .obj([
            "type": "session.update", "event_id": .string(eventId),
            "session": .obj([
                "type": "realtime", "output_modalities": ["audio"], "instructions": "You are a phone agent.",
                "audio": .obj([
                    "input": .obj([
                        "format": .obj(["type": "audio/pcmu"]),
                        "transcription": transcription ? .obj(["model": "gpt-4o-mini-transcribe"]) : .null,
                        "turn_detection": .obj([
                            "type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                            "silence_duration_ms": .int(silenceMs), "create_response": true, "interrupt_response": true,
                        ]),
                    ]),
                    "output": .obj(["format": .obj(["type": "audio/pcmu"]), "voice": "alloy"]),
                ]),
                "tools": .array(tools.map { .obj(["type": "function", "name": .string($0), "parameters": .obj(["type": "object"])]) }),
            ]),
        ])
    }
}

/// Connects to `server` (bearer token, GA), runs `body` on the connection, returns the close frame.
@discardableResult
func withRealtimeConnection(
    _ server: FakeRealtimeServer, headers: HTTPFields = [.authorization: "Bearer sk-test"],
    _ body: @escaping @Sendable (inout RealtimeTestConnection) async throws -> Void
) async throws -> WebSocketCloseFrame? {
    try await withRealtimeConnection(url: try await server.realtimeURL(), headers: headers, body)
}

/// Connects to the Realtime URL `url` (bearer token, GA), runs `body` on the connection, returns the close frame.
@discardableResult
func withRealtimeConnection(
    url: String, headers: HTTPFields = [.authorization: "Bearer sk-test"],
    _ body: @escaping @Sendable (inout RealtimeTestConnection) async throws -> Void
) async throws -> WebSocketCloseFrame? {
    try await WebSocketClient.connect(
        url: url, configuration: .init(maxFrameSize: 1 << 22, additionalHeaders: headers), logger: Logger(label: "test-client")
    ) { inbound, outbound, _ in
        var connection = RealtimeTestConnection(iterator: inbound.messages(maxSize: 1 << 24).makeAsyncIterator(), outbound: outbound)
        try await body(&connection)
    }
}

/// Checks the §2.1 structural rules over one response's events; returns the violations.
func responseStructureViolations(_ events: [RealtimeJSON]) -> [String] {
    var problems: [String] = []
    let types = events.compactMap { $0["type"]?.stringValue }
    guard types.first == "response.created" else { return ["first event is \(types.first ?? "-")"] }
    guard types.last == "response.done" else { return ["last event is \(types.last ?? "-")"] }
    let responseId = events.first?["response"]?["id"]?.stringValue
    var openItems: [String: Int] = [:]
    var closedItems: Set<String> = []
    var openParts: Set<String> = []
    var partsSeen: [String: Int] = [:]
    var nextIndex = 0
    for event in events {
        guard let type = event["type"]?.stringValue else { continue }
        if let rid = event["response_id"]?.stringValue, rid != responseId { problems.append("\(type) has foreign response_id") }
        let itemId = event["item_id"]?.stringValue ?? event["item"]?["id"]?.stringValue
        if let itemId, closedItems.contains(itemId), type != "conversation.item.done" {
            problems.append("\(type) after output_item.done for \(itemId)")
        }
        switch type {
        case "response.output_item.added":
            guard let itemId else { continue }
            if event["output_index"]?.intValue != nextIndex { problems.append("output_index not dense") }
            nextIndex += 1
            openItems[itemId] = 1
        case "response.content_part.added":
            guard let itemId else { continue }
            if openItems[itemId] == nil { problems.append("part before item") }
            partsSeen[itemId, default: 0] += 1
            if partsSeen[itemId] ?? 0 > 1 { problems.append("two content parts") }
            openParts.insert(itemId)
        case "response.output_audio.delta", "response.output_audio_transcript.delta", "response.output_text.delta":
            if let itemId, !openParts.contains(itemId) { problems.append("\(type) outside an open part") }
        case "response.content_part.done":
            if let itemId, openParts.remove(itemId) == nil { problems.append("part closed twice") }
        case "response.output_item.done":
            guard let itemId else { continue }
            if openParts.contains(itemId) { problems.append("item closed before its part") }
            if openItems.removeValue(forKey: itemId) == nil { problems.append("item closed twice") }
            closedItems.insert(itemId)
        default: break
        }
    }
    if !openItems.isEmpty { problems.append("items never closed: \(openItems.keys.sorted())") }
    let doneOutput = events.last?["response"]?["output"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    if Set(doneOutput) != closedItems { problems.append("response.done output \(doneOutput) != items \(closedItems.sorted())") }
    return problems
}

/// Total decoded audio bytes of the `response.output_audio.delta` events.
func audioBytes(_ events: [RealtimeJSON]) -> Int {
    events.filter { $0["type"]?.stringValue == "response.output_audio.delta" }
        .reduce(0) { $0 + (Data(base64Encoded: $1["delta"]?.stringValue ?? "")?.count ?? 0) }
}
