import AsyncHTTPClient
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import CallBench

/// The load phone on its event loop, driven with virtual time: frames every 20 ms at the call's phase,
/// masked; marks echoed only once the audio before them played; `stop` and the close on the hangup.
@Suite struct BenchPhoneHandlerTests {
    static let dialect = BenchTwilioDialect(accountSid: "AC1", callSid: "CA1", streamSid: "MZ1", parameters: ["switchboard_call_id": "c1"])

    static func context(_ collector: BenchCollector) -> BenchPhoneContext {
        BenchPhoneContext(
            serverURL: "http://127.0.0.1:1", accountSid: "AC1", authToken: "t", telnyxSigner: BenchOptions.telnyxSigner,
            collector: collector, calls: BenchCallTable(), httpClient: HTTPClient.shared, frames: BenchFrames(),
            maxCallDuration: .seconds(60), logger: Logger(label: "test"))
    }

    /// Text of every frame written since the last call, checking each is masked.
    static func written(_ channel: EmbeddedChannel) throws -> [String] {
        var texts: [String] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            #expect(frame.maskKey != nil, "a client's frames are masked")
            // Written unmasked with a key: NIO's encoder masks them on the wire.
            texts.append(frame.opcode == .text ? String(buffer: frame.data) : "<\(frame.opcode)>")
        }
        return texts
    }

    static func serverText(_ text: String) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))
    }

    @Test func framesMarksAndTheHangup() throws {
        let collector = BenchCollector(calls: 8, clock: BenchClock())
        let channel = EmbeddedChannel()
        let finished = channel.eventLoop.makePromise(of: BenchPhoneHandler<BenchTwilioDialect>.Result.self)
        let handler = BenchPhoneHandler(
            index: 5, dialect: Self.dialect, plan: BenchCallerPlan(turns: 1, bargeInTurn: nil), context: Self.context(collector),
            finished: finished)
        try channel.pipeline.syncOperations.addHandler(handler)
        handler.begin()
        let opening = try Self.written(channel)
        #expect(opening.count == 2 && opening[0].contains(#""event":"connected""#) && opening[1].contains(#""event":"start""#))

        channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
        let first = try Self.written(channel)
        #expect(first.count == 1 && first[0].contains(#""event":"media""#) && first[0].contains(#""sequenceNumber":"2""#))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(40))
        #expect(try Self.written(channel).count == 2, "one frame per 20 ms")

        // 40 ms of bot audio, then a mark: echoed only on the tick that plays the last of it.
        let payload = String(repeating: "/", count: 427) + "="  // 320 bytes of μ-law in base64
        try channel.writeInbound(Self.serverText(#"{"event":"media","streamSid":"MZ1","media":{"payload":"\#(payload)"}}"#))
        try channel.writeInbound(Self.serverText(#"{"event":"mark","streamSid":"MZ1","mark":{"name":"m1"}}"#))
        #expect(try Self.written(channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
        #expect(try Self.written(channel).allSatisfy { !$0.contains(#""event":"mark""#) })
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
        let played = try Self.written(channel)
        #expect(played.contains { $0.contains(#""event":"mark""#) && $0.contains(#""name":"m1""#) }, "\(played)")

        handler.carrierHungUp()
        let ending = try Self.written(channel)
        #expect(ending.count == 2 && ending[0].contains(#""event":"stop""#) && ending[1] == "<\(WebSocketOpcode.connectionClose)>", "\(ending)")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        #expect(try Self.written(channel).isEmpty, "no frames after the close")
        var code = ByteBuffer()
        code.writeInteger(UInt16(1000))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
        let result = try finished.futureResult.wait()
        #expect(result.hungUpByServer)
        _ = try? channel.finish()
    }
}
