import Foundation
import Logging
import OpenAIRealtime
import Synchronization
import Testing

/// Collects inbound items delivered by the connection.
final class InboundLog: Sendable {
    private let items = Mutex<[RealtimeInbound]>([])
    func append(_ item: RealtimeInbound) { items.withLock { $0.append(item) } }
    var all: [RealtimeInbound] { items.withLock { $0 } }
}

struct TimedOut: Error {}

/// Runs `body`, failing with `TimedOut` after `seconds` so no test can hang.
func withTimeout<T: Sendable>(_ seconds: Int, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TimedOut() }
        return result
    }
}

@Suite struct ConnectionLoopbackTests {
    let logger = Logger(label: "test.realtime")

    @Test func handshakeUpdateAndServerClose() async throws {
        let server = try await FakeRealtimeWebSocketServer.start(mode: .handshakeThenClose, expectedKey: "sk-test")
        let configuration = RealtimeConnectionConfiguration(
            url: "ws://127.0.0.1:\(server.port)/v1/realtime?model=gpt-realtime", apiKey: "sk-test"
        )
        let connection = RealtimeConnection(configuration: configuration, logger: logger)
        let log = InboundLog()
        let end = try await withTimeout(20) {
            try await connection.run { inbound in
                log.append(inbound)
                if case .success(.sessionCreated) = inbound {
                    try? connection.outbound.send(.sessionUpdate(RealtimeSessionConfig(), eventID: "evt_update_1"))
                }
            }
        }
        await server.stop()

        #expect(end.closeCode == 1000)
        #expect(end.reason == "done")
        let events = try log.all.map { try $0.get() }
        #expect(events.count == 2)
        guard case .sessionCreated(let created) = events.first else {
            Issue.record("first event is not session.created: \(events)")
            return
        }
        #expect(created.id == "sess_1")
        guard case .sessionUpdated(let updated) = events.last else {
            Issue.record("second event is not session.updated: \(events)")
            return
        }
        #expect(updated.inputFormat == "audio/pcmu")
        #expect(updated.outputFormat == "audio/pcmu")
        #expect(updated.toolNames == ["end_call", "transfer_call"])

        #expect(server.record.authorization == ["Bearer sk-test"])
        #expect(server.record.betaHeaders.isEmpty)
        let received = server.record.messages
        #expect(received.count == 1)
        let object = try #require(JSONSerialization.jsonObject(with: Data((received.first ?? "").utf8)) as? [String: Any])
        #expect(object["type"] as? String == "session.update")
        #expect(object["event_id"] as? String == "evt_update_1")
        #expect((object["session"] as? [String: Any])?["type"] as? String == "realtime")

        // After run returned the writer is closed.
        #expect(throws: RealtimeSendError.closed) { try connection.outbound.send(.responseCreate()) }
    }

    @Test func eventsQueuedBeforeOpenAreSentInOrderAndClientCloseEndsRun() async throws {
        let server = try await FakeRealtimeWebSocketServer.start(mode: .handshakeThenWait, expectedKey: "sk-test")
        let configuration = RealtimeConnectionConfiguration(url: "ws://127.0.0.1:\(server.port)/v1/realtime", apiKey: "sk-test")
        let connection = RealtimeConnection(configuration: configuration, logger: logger)
        try connection.outbound.send(.sessionUpdate(RealtimeSessionConfig()))
        try connection.outbound.send(.inputAudioAppend(audio: "//79/Pv6+fj3"))
        try connection.outbound.send(.responseCreate(instructions: "Greet the caller."))
        let log = InboundLog()
        let end = try await withTimeout(20) {
            try await connection.run { inbound in
                log.append(inbound)
                if case .success(.sessionUpdated) = inbound { connection.outbound.close() }
            }
        }
        await server.stop()

        #expect(end.closeCode == 1000)
        let types = server.record.messages.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["type"] as? String
        }
        #expect(types == ["session.update", "input_audio_buffer.append", "response.create"])
        #expect(server.record.messages.dropFirst().first == #"{"type":"input_audio_buffer.append","audio":"//79/Pv6+fj3"}"#)
        let events = try log.all.map { try $0.get() }
        #expect(events.count == 2)
    }

    @Test func betaRetirementErrorAndClose4000AreReported() async throws {
        let server = try await FakeRealtimeWebSocketServer.start(mode: .betaRetired, expectedKey: "sk-test")
        let configuration = RealtimeConnectionConfiguration(url: "ws://127.0.0.1:\(server.port)/v1/realtime", apiKey: "sk-test")
        let connection = RealtimeConnection(configuration: configuration, logger: logger)
        let log = InboundLog()
        let end = try await withTimeout(20) { try await connection.run { log.append($0) } }
        await server.stop()

        #expect(end.closeCode == 4000)
        let events = try log.all.map { try $0.get() }
        guard case .error(let error) = events.first else {
            Issue.record("expected error, got \(events)")
            return
        }
        #expect(error.code == "beta_api_shape_disabled")
        #expect(error.type == "invalid_request_error")
    }

    @Test func wrongKeyIsRefusedAtTheHandshake() async throws {
        let server = try await FakeRealtimeWebSocketServer.start(mode: .handshakeThenClose, expectedKey: "sk-right")
        let configuration = RealtimeConnectionConfiguration(url: "ws://127.0.0.1:\(server.port)/v1/realtime", apiKey: "sk-wrong")
        let connection = RealtimeConnection(configuration: configuration, logger: logger)
        let log = InboundLog()
        await #expect(throws: (any Error).self) {
            _ = try await withTimeout(20) { try await connection.run { log.append($0) } }
        }
        await server.stop()
        #expect(log.all.isEmpty)
        #expect(server.record.authorization == ["Bearer sk-wrong"])
    }

    @Test func runTwiceIsRejected() async throws {
        let server = try await FakeRealtimeWebSocketServer.start(mode: .handshakeThenClose, expectedKey: "k")
        let configuration = RealtimeConnectionConfiguration(url: "ws://127.0.0.1:\(server.port)/v1/realtime", apiKey: "k")
        let connection = RealtimeConnection(configuration: configuration, logger: logger)
        try connection.outbound.send(.sessionUpdate(RealtimeSessionConfig()))
        _ = try await withTimeout(20) { try await connection.run { _ in } }
        await #expect(throws: RealtimeConnectionError.alreadyStarted) {
            _ = try await connection.run { _ in }
        }
        await server.stop()
    }

    @Test func cancellingTheTaskClosesTheSocket() async throws {
        let server = try await FakeRealtimeWebSocketServer.start(mode: .handshakeThenWait, expectedKey: "k")
        let configuration = RealtimeConnectionConfiguration(url: "ws://127.0.0.1:\(server.port)/v1/realtime", apiKey: "k")
        let connection = RealtimeConnection(configuration: configuration, logger: logger)
        let (createdStream, createdContinuation) = AsyncStream.makeStream(of: Void.self)
        try await withTimeout(20) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try? await connection.run { inbound in
                        if case .success(.sessionCreated) = inbound { createdContinuation.yield() }
                    }
                }
                for await _ in createdStream { break }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
        await server.stop()
        #expect(throws: RealtimeSendError.closed) { try connection.outbound.send(.responseCancel()) }
    }
}
