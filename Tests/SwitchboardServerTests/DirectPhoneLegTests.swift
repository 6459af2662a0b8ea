import CallCore
import CallRuntime
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import Testing

@testable import SwitchboardServer

/// The events a phone leg reports to its session.
private final class ReportedEvents: Sendable {
    let events = Mutex<[CallEvent]>([])
    func append(_ event: CallEvent) { events.withLock { $0.append(event) } }
    var all: [CallEvent] { events.withLock { $0 } }
}

/// The media stream's outbound side written straight to the socket: frames in order as unmasked text
/// (a server must not mask), a stalled socket and a dead one each reported once.
@Suite struct DirectPhoneLegTests {
    @Test func commandsBecomeUnmaskedTextFramesInOrder() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let reported = ReportedEvents()
        let leg = TwilioPhoneLeg(encoder: TwilioFrameEncoder(streamSid: "MZ1"), channel: channel) { reported.append($0) }
        leg.send(.audio(AudioPayload(base64: "//79")))
        leg.send(.mark("m1"))
        leg.send(.clear)
        channel.embeddedEventLoop.run()
        var texts: [String] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            #expect(frame.maskKey == nil)
            #expect(frame.opcode == .text)
            var data = frame.data
            texts.append(data.readString(length: data.readableBytes) ?? "")
        }
        #expect(texts.count == 3)
        #expect(texts.first?.contains(#""event":"media""#) == true)
        #expect(texts.dropFirst().first?.contains(#""name":"m1""#) == true)
        #expect(texts.last?.contains(#""event":"clear""#) == true)
        #expect(reported.all.isEmpty)
    }

    @Test func aSocketThatStopsDrainingIsReportedStalledOnce() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let reported = ReportedEvents()
        let leg = TelnyxPhoneLeg(encoder: TelnyxFrameEncoder(), channel: channel) { reported.append($0) }
        channel.isWritable = false
        leg.send(.audio(AudioPayload(base64: "//79")))
        leg.send(.audio(AudioPayload(base64: "//79")))
        #expect(reported.all == [.transmitStalled])
    }

    @Test func framesDueOnAClosedSocketReportItDeadOnce() throws {
        let channel = EmbeddedChannel()  // never connected: not active
        let reported = ReportedEvents()
        let leg = TwilioPhoneLeg(encoder: TwilioFrameEncoder(streamSid: "MZ1"), channel: channel) { reported.append($0) }
        leg.send(.mark("a"))
        leg.send(.mark("b"))
        channel.embeddedEventLoop.run()
        #expect(reported.all == [.transmitDead])
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
    }

    /// What the leg asked of the socket's ``MediaStreamHandler``: frames, then the close request.
    final class OutboundRecorder: ChannelOutboundHandler {
        typealias OutboundIn = WebSocketFrame
        var log: [String] = []
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            var frame = unwrapOutboundIn(data).data
            log.append(frame.readString(length: frame.readableBytes) ?? "")
            promise?.succeed(())
        }
        func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
            log.append(event is MediaStreamCloseRequest ? "<close>" : "<other event>")
            promise?.succeed(())
        }
    }

    @Test func closeGoesAfterTheQueuedFramesAndNothingAfterIt() async throws {
        let channel = EmbeddedChannel()
        let recorder = OutboundRecorder()
        try channel.pipeline.syncOperations.addHandler(recorder)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        let leg = TwilioPhoneLeg(encoder: TwilioFrameEncoder(streamSid: "MZ1"), channel: channel) { _ in }
        leg.send(.mark("last"))
        leg.close()
        leg.send(.mark("after close"))
        channel.embeddedEventLoop.run()
        #expect(recorder.log.count == 2)
        #expect(recorder.log.first?.contains(#""name":"last""#) == true)
        #expect(recorder.log.last == "<close>")
    }
}
