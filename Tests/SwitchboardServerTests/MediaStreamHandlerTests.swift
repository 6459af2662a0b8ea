import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import SwitchboardServer

/// The media stream's WebSocket side on the loop: text frames to the carrier's reader in order, pings
/// answered, both directions of the close handshake, and protocol errors closed with their codes.
@Suite struct MediaStreamHandlerTests {
    final class RecordingReader: MediaStreamReader {
        /// Text frames and binary rejections, in the order the reader saw them.
        var order: [String] = []
        var endings = 0
        var failures = 0
        func rejectBinaryFrame() { order.append("<binary>") }
        func receive(_ text: String) -> Bool {
            order.append(text)
            return text != "stop"
        }
        func streamReadFailed(_ error: any Error) { failures += 1 }
        func streamEnded() { endings += 1 }
    }

    static func text(_ string: String, masked: Bool = true) -> WebSocketFrame {
        var buffer = ByteBuffer(string: string)
        let key: WebSocketMaskingKey? = masked ? WebSocketMaskingKey([7, 1, 200, 42]) : nil
        if let key { buffer.webSocketMask(key) }
        return WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: buffer)
    }

    static func close(_ code: WebSocketErrorCode) -> WebSocketFrame {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }

    static func setUp() throws -> (EmbeddedChannel, RecordingReader) {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let reader = RecordingReader()
        try channel.pipeline.syncOperations.addHandler(MediaStreamHandler(reader: reader, closeTimeout: .seconds(5)))
        return (channel, reader)
    }

    static func written(_ channel: EmbeddedChannel) throws -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) { frames.append(frame) }
        return frames
    }

    static func closeCode(_ frame: WebSocketFrame?) -> WebSocketErrorCode? {
        guard var data = frame?.data, frame?.opcode == .connectionClose else { return nil }
        return data.readWebSocketErrorCode()
    }

    @Test func textFramesReachTheReaderInOrderBinaryOnesAreRejectedInPlace() throws {
        let (channel, reader) = try Self.setUp()
        try channel.writeInbound(Self.text("connected"))
        try channel.writeInbound(Self.text("start"))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1, 2, 3])))
        try channel.writeInbound(Self.text("unmasked", masked: false))
        #expect(reader.order == ["connected", "start", "<binary>", "unmasked"])
        #expect(try Self.written(channel).isEmpty)
        #expect(try channel.readInbound(as: WebSocketFrame.self) == nil, "nothing goes on past the handler")
    }

    @Test func aPingIsAnsweredWithItsPayloadUnmasked() throws {
        let (channel, _) = try Self.setUp()
        var payload = ByteBuffer(string: "are you there")
        let key = try #require(WebSocketMaskingKey([9, 8, 7, 6]))
        payload.webSocketMask(key)
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, maskKey: key, data: payload))
        let pong = try #require(try Self.written(channel).first)
        #expect(pong.opcode == .pong)
        #expect(pong.maskKey == nil)
        #expect(String(buffer: pong.data) == "are you there")
    }

    @Test func theCarriersCloseEndsTheStreamThenIsAnsweredAndTheSocketClosed() throws {
        let (channel, reader) = try Self.setUp()
        try channel.writeInbound(Self.close(.goingAway))
        #expect(reader.endings == 1)
        let frames = try Self.written(channel)
        #expect(frames.count == 1)
        #expect(Self.closeCode(frames.first) == .normalClosure)
        #expect(!channel.isActive)
        #expect(reader.endings == 1, "the socket closing does not end the stream twice")
        try? channel.writeInbound(Self.text("late"))
        #expect(reader.order.isEmpty)
    }

    @Test func ourCloseGoesAfterEarlierFramesWaitsForTheAnswerAndDropsLaterFrames() throws {
        let (channel, reader) = try Self.setUp()
        channel.write(Self.text("last", masked: false), promise: nil)
        channel.triggerUserOutboundEvent(MediaStreamCloseRequest(), promise: nil)
        let after = channel.write(Self.text("after close", masked: false))
        channel.flush()
        let frames = try Self.written(channel)
        #expect(frames.map(\.opcode) == [.text, .connectionClose])
        #expect(Self.closeCode(frames.last) == .normalClosure)
        #expect(throws: ChannelError.outputClosed) { try after.wait() }
        #expect(channel.isActive, "open until the carrier answers")
        #expect(reader.endings == 0)
        try channel.writeInbound(Self.text("still streaming"))
        #expect(reader.order == ["still streaming"])
        try channel.writeInbound(Self.close(.normalClosure))
        #expect(reader.endings == 1)
        #expect(try Self.written(channel).isEmpty, "the answer is not answered")
        #expect(!channel.isActive)
    }

    @Test func aCarrierThatNeverAnswersOurCloseIsCutOffAfterTheTimeout() throws {
        let (channel, reader) = try Self.setUp()
        channel.triggerUserOutboundEvent(MediaStreamCloseRequest(), promise: nil)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(4_999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(reader.endings == 1)
    }

    @Test func theReaderEndingTheStreamClosesItOnce() throws {
        let (channel, reader) = try Self.setUp()
        try channel.writeInbound(Self.text("media"))
        try channel.writeInbound(Self.text("stop"))
        try channel.writeInbound(Self.text("after"))
        #expect(reader.order == ["media", "stop"])
        #expect(reader.endings == 1)
        #expect(Self.closeCode(try Self.written(channel).first) == .normalClosure)
        try channel.writeInbound(Self.close(.normalClosure))
        #expect(!channel.isActive)
        #expect(reader.endings == 1)
    }

    @Test func reservedBitsAndUnknownOpcodesCloseWithAProtocolError() throws {
        for frame in [
            WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: ByteBuffer(string: "compressed?")),
            WebSocketFrame(fin: true, opcode: WebSocketOpcode(encodedWebSocketOpcode: 0x3)!, data: ByteBuffer()),
        ] {
            let (channel, reader) = try Self.setUp()
            try channel.writeInbound(frame)
            #expect(Self.closeCode(try Self.written(channel).first) == .protocolError)
            #expect(!channel.isActive)
            #expect(reader.endings == 1)
            #expect(reader.order.isEmpty)
        }
    }

    @Test func anOversizedMessageClosesWith1009AndIsLoggedByTheReader() throws {
        let (channel, reader) = try Self.setUp()
        channel.pipeline.fireErrorCaught(NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge)
        #expect(Self.closeCode(try Self.written(channel).first) == .messageTooLarge)
        #expect(!channel.isActive)
        #expect(reader.failures == 1)
        #expect(reader.endings == 1)
    }

    @Test func theSocketGoingAwayEndsTheStream() throws {
        let (channel, reader) = try Self.setUp()
        try channel.writeInbound(Self.text("media"))
        _ = try? channel.finish()
        #expect(reader.endings == 1)
    }
}
