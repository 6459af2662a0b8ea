import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import SwitchboardServer

/// The tap hands text frames to the carrier's reader on the loop, in order across the hand-over from the
/// WebSocket handler's buffer, and leaves control frames and the close handshake to that handler.
@Suite struct MediaFrameTapTests {
    final class RecordingReader: MediaStreamReader {
        var received: [String] = []
        var endings = 0
        var binaryFrames = 0
        /// Text frames and binary rejections, in the order the reader saw them.
        var order: [String] = []
        func rejectBinaryFrame() {
            binaryFrames += 1
            order.append("<binary>")
        }
        func receive(_ text: String) -> Bool {
            received.append(text)
            order.append(text)
            return text != "stop"
        }
        func streamReadFailed(_ error: any Error) { order.append("<failed>") }
        func streamEnded() { endings += 1 }
    }

    /// What the tap passed on to the WebSocket handler.
    final class Downstream: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        var frames: [WebSocketFrame] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { frames.append(unwrapInboundIn(data)) }
    }

    static func text(_ string: String, masked: Bool = true) -> WebSocketFrame {
        var buffer = ByteBuffer(string: string)
        let key: WebSocketMaskingKey? = masked ? WebSocketMaskingKey([7, 1, 200, 42]) : nil
        if let key { buffer.webSocketMask(key) }
        return WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: buffer)
    }

    static func setUp() throws -> (EmbeddedChannel, MediaFrameTap<RecordingReader>, RecordingReader, Downstream) {
        let channel = EmbeddedChannel()
        let reader = RecordingReader()
        let downstream = Downstream()
        try channel.pipeline.syncOperations.addHandler(downstream)
        let tap = MediaFrameTap(reader: reader)
        try channel.pipeline.syncOperations.addHandler(tap, position: .first)
        return (channel, tap, reader, downstream)
    }

    @Test func framesReadBeforeTheTapComeFirstThenHeldOnesThenLiveOnes() throws {
        let (channel, tap, reader, downstream) = try Self.setUp()
        #expect(downstream.frames.count == 1)
        #expect(downstream.frames.first.map { $0.opcode == .binary && Array($0.data.readableBytesView) == MediaFrameTap<RecordingReader>.liveMarker } == true)
        try channel.writeInbound(Self.text("held"))
        #expect(reader.received.isEmpty, "held until the handler's buffer is passed back")
        tap.receiveEarly("early")
        #expect(reader.received == ["early"])
        tap.goLive()
        #expect(reader.received == ["early", "held"])
        try channel.writeInbound(Self.text("live"))
        try channel.writeInbound(Self.text("unmasked", masked: false))
        #expect(reader.received == ["early", "held", "live", "unmasked"])
        #expect(downstream.frames.count == 1, "text frames never reach the WebSocket handler")
    }

    @Test func controlFramesGoOnBinaryFramesAreDroppedReservedBitsAreLeftToTheHandler() throws {
        let (channel, tap, reader, downstream) = try Self.setUp()
        tap.goLive()
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "p")))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1, 2, 3])))
        try channel.writeInbound(WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: ByteBuffer(string: "compressed?")))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x03, 0xE8])))
        #expect(reader.received.isEmpty)
        #expect(reader.binaryFrames == 1)
        #expect(downstream.frames.dropFirst().map(\.opcode) == [.ping, .text, .connectionClose])
    }

    /// A binary frame read during the hand-over is rejected in its place: after the `start` before it
    /// (which names the call, so the rejection is logged with the call id), not ahead of it.
    @Test func aBinaryFrameDuringTheHandOverIsRejectedInOrder() throws {
        let (channel, tap, reader, _) = try Self.setUp()
        try channel.writeInbound(Self.text("start"))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1, 2, 3])))
        try channel.writeInbound(Self.text("media"))
        #expect(reader.binaryFrames == 0, "held with the text frames until the hand-over is complete")
        tap.receiveEarly("connected")
        tap.goLive()
        #expect(reader.order == ["connected", "start", "<binary>", "media"])
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [4])))
        #expect(reader.order.last == "<binary>")
        #expect(reader.binaryFrames == 2)
    }

    @Test func theReaderEndingSendsTheEndMarkerOnceAndDropsLaterFrames() throws {
        let (channel, tap, reader, downstream) = try Self.setUp()
        tap.goLive()
        try channel.writeInbound(Self.text("media"))
        try channel.writeInbound(Self.text("stop"))
        try channel.writeInbound(Self.text("after"))
        #expect(reader.received == ["media", "stop"])
        #expect(reader.endings == 1)
        #expect(downstream.frames.last.map { Array($0.data.readableBytesView) == MediaFrameTap<RecordingReader>.endMarker } == true)
        tap.end()
        _ = try? channel.finish()
        #expect(reader.endings == 1, "the socket closing later does not end the stream twice")
    }

    @Test func theCarriersCloseEndsTheStreamBeforeTheHandlerSeesIt() throws {
        let (channel, tap, reader, downstream) = try Self.setUp()
        tap.goLive()
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x03, 0xE8])))
        #expect(reader.endings == 1)
        #expect(downstream.frames.last?.opcode == .connectionClose)
        try channel.writeInbound(Self.text("late"))
        #expect(reader.received.isEmpty)
    }

    @Test func aCloseBeforeTheHandOverEndsTheStreamOnlyAfterTheFramesBeforeIt() throws {
        let (channel, tap, reader, _) = try Self.setUp()
        try channel.writeInbound(Self.text("held"))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x03, 0xE8])))
        #expect(reader.endings == 0, "frames before the close are not applied yet")
        tap.receiveEarly("early")
        tap.goLive()
        #expect(reader.received == ["early", "held"])
        #expect(reader.endings == 1)
    }

    @Test func theSocketGoingAwayEndsTheStream() throws {
        let (channel, tap, reader, _) = try Self.setUp()
        tap.goLive()
        try channel.writeInbound(Self.text("media"))
        _ = try? channel.finish()
        #expect(reader.endings == 1)
    }
}
