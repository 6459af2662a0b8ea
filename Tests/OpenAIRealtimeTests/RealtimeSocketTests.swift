import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import OpenAIRealtime

/// The direct NIO socket under ``RealtimeConnection``: URL parsing, the writer's queue (order, one
/// flush per drain, drops while the peer does not read, close after the last event), and the wire
/// rules a real server enforces (masking, pong, fragments, handshake bound).
@Suite struct RealtimeSocketTests {
    let logger = Logger(label: "test.realtime.socket")

    @Test func endpointsParseAsTheRequestLineAndHostHeaderNeedThem() throws {
        let production = try RealtimeEndpoint(parsing: "wss://api.openai.com/v1/realtime?model=gpt-realtime")
        #expect(production == RealtimeEndpoint(host: "api.openai.com", port: 443, usesTLS: true, target: "/v1/realtime?model=gpt-realtime"))
        #expect(production.hostHeader == "api.openai.com")
        #expect(!production.isIPAddress)
        let local = try RealtimeEndpoint(parsing: "ws://127.0.0.1:18181/v1/realtime")
        #expect(local == RealtimeEndpoint(host: "127.0.0.1", port: 18_181, usesTLS: false, target: "/v1/realtime"))
        #expect(local.hostHeader == "127.0.0.1:18181")
        #expect(local.isIPAddress)
        #expect(try RealtimeEndpoint(parsing: "ws://example.com?model=x").target == "/?model=x")
        #expect(try RealtimeEndpoint(parsing: "ws://example.com").target == "/")
        let v6 = try RealtimeEndpoint(parsing: "ws://[::1]:9000/x")
        #expect(v6.host == "::1")
        #expect(v6.hostHeader == "[::1]:9000")
        for bad in ["http://example.com", "ws://", "ws://host:0/", "ws://host:99999", "ws://user@host/", "wss://[::1/"] {
            #expect(throws: RealtimeConnectionError.invalidURL(bad)) { try RealtimeEndpoint(parsing: bad) }
        }
    }

    /// (One flush per drain is `EventLoopWriteQueueTests`' business.)
    @Test func queuedEventsGoOutInOrderMasked() throws {
        let channel = EmbeddedChannel()
        let writer = RealtimeSocketWriter(queueLimit: 16, closeTimeout: .seconds(5))
        try writer.send("one", droppable: false)
        try writer.send("two", droppable: true)
        writer.opened(channel)
        try writer.send("three", droppable: true)
        channel.embeddedEventLoop.run()
        var texts: [String] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            #expect(frame.maskKey != nil)
            #expect(frame.opcode == .text)
            var data = frame.data  // unmasked here: NIO's encoder applies the key on the wire
            texts.append(data.readString(length: data.readableBytes) ?? "")
        }
        #expect(texts == ["one", "two", "three"])
    }

    @Test func audioIsDroppedWhileThePeerIsNotReadingButControlEventsAreKept() throws {
        let channel = EmbeddedChannel()
        let writer = RealtimeSocketWriter(queueLimit: 16, closeTimeout: .seconds(5))
        writer.opened(channel)
        channel.isWritable = false
        #expect(throws: RealtimeSendError.bufferFull) { try writer.send("audio", droppable: true) }
        try writer.send("response.cancel", droppable: false)
        channel.isWritable = true
        try writer.send("audio again", droppable: true)
        channel.embeddedEventLoop.run()
        #expect(try readTexts(channel) == ["response.cancel", "audio again"])
    }

    @Test func theQueueIsBoundedBeforeTheSocketOpens() throws {
        let writer = RealtimeSocketWriter(queueLimit: 2, closeTimeout: .seconds(5))
        try writer.send("a", droppable: false)
        try writer.send("b", droppable: true)
        #expect(throws: RealtimeSendError.bufferFull) { try writer.send("c", droppable: false) }
    }

    @Test func closeFollowsTheLastQueuedEventAndRefusesMore() throws {
        let channel = EmbeddedChannel()
        let writer = RealtimeSocketWriter(queueLimit: 16, closeTimeout: .seconds(5))
        try writer.send("last words", droppable: false)
        writer.close()
        #expect(throws: RealtimeSendError.closed) { try writer.send("too late", droppable: false) }
        writer.opened(channel)
        channel.embeddedEventLoop.run()
        let text = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(text.opcode == .text)
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(close.opcode == .connectionClose)
        #expect(close.maskKey != nil)
        var payload = close.data
        #expect(payload.readWebSocketErrorCode() == .normalClosure)
        #expect(writer.closeFrameSent)
    }

    @Test func pingsAreAnsweredFragmentsReassembledAndEveryClientFrameMasked() async throws {
        let server = try await FakeRealtimeWebSocketServer.start(mode: .pingThenFragmentedGreeting, expectedKey: "k")
        let connection = RealtimeConnection(
            configuration: RealtimeConnectionConfiguration(url: "ws://127.0.0.1:\(server.port)/v1/realtime", apiKey: "k"), logger: logger)
        let log = InboundLog()
        let end = try await withTimeout(20) {
            try await connection.run { inbound in
                log.append(inbound)
                if case .success(.sessionCreated) = inbound { try? connection.outbound.send(.sessionUpdate(RealtimeSessionConfig())) }
                if case .success(.sessionUpdated) = inbound { connection.outbound.close() }
            }
        }
        await server.stop()
        #expect(end.closeCode == 1000)
        let events = try log.all.map { try $0.get() }
        guard events.count == 2, case .sessionCreated(let created) = events[0], case .sessionUpdated = events[1] else {
            Issue.record("expected session.created then session.updated, got \(events)")
            return
        }
        #expect(created.id == "sess_1")
        #expect(server.record.pongs == ["are-you-there"])
        #expect(server.record.unmaskedFrames == 0)
    }

    @Test func cancellingTheTaskSendsTheCloseFrameBeforeDroppingTheSocket() async throws {
        let server = try await FakeRealtimeWebSocketServer.start(mode: .handshakeThenWait, expectedKey: "k")
        let connection = RealtimeConnection(
            configuration: RealtimeConnectionConfiguration(url: "ws://127.0.0.1:\(server.port)/v1/realtime", apiKey: "k"), logger: logger)
        let (created, createdContinuation) = AsyncStream.makeStream(of: Void.self)
        try await withTimeout(20) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try? await connection.run { inbound in
                        if case .success(.sessionCreated) = inbound { createdContinuation.yield() }
                    }
                }
                for await _ in created { break }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
        // The server reads the close frame the client wrote before its socket went away.
        for _ in 0..<200 where server.record.closeCodes.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        await server.stop()
        #expect(server.record.closeCodes == [1000])
    }

    @Test func aServerThatNeverAnswersTheUpgradeIsGivenUpOn() async throws {
        let server = try await SilentTCPServer.start()
        let connection = RealtimeConnection(
            configuration: RealtimeConnectionConfiguration(
                url: "ws://127.0.0.1:\(server.port)/v1/realtime", apiKey: "k", handshakeTimeout: .milliseconds(300)),
            logger: logger)
        await #expect(throws: RealtimeConnectionError.handshakeTimedOut) {
            _ = try await withTimeout(20) { try await connection.run { _ in } }
        }
        await server.stop()
        #expect(throws: RealtimeSendError.closed) { try connection.outbound.send(.responseCreate()) }
    }

    @Test func aURLThatIsNotAWebSocketIsRejectedBeforeConnecting() async throws {
        let connection = RealtimeConnection(configuration: RealtimeConnectionConfiguration(url: "https://api.openai.com/v1/realtime", apiKey: "k"), logger: logger)
        await #expect(throws: RealtimeConnectionError.invalidURL("https://api.openai.com/v1/realtime")) {
            _ = try await connection.run { _ in }
        }
    }

    private func readTexts(_ channel: EmbeddedChannel) throws -> [String] {
        var texts: [String] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            var data = frame.data  // unmasked here: NIO's encoder applies the key on the wire
            texts.append(data.readString(length: data.readableBytes) ?? "")
        }
        return texts
    }
}
