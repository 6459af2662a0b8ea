import Telnyx
import Testing
import Twilio
@testable import CallBench

/// The load phones must speak exactly what the carriers send: every frame of both dialects is read back
/// with the server's own decoders (which follow telephony.md to the field).
@Suite struct BenchMediaDialectTests {
    @Test func telnyxFramesDecodeAsTelnyxSendsThem() throws {
        let dialect = BenchTelnyxDialect(
            callControlId: "v3:abc_-1", callSessionId: "sess-1", streamId: "STREAM-1", userId: "USER-1", from: "+15550000002",
            to: "+15550000001", clientState: "c3RhdGU=", authToken: "token-1", parameters: ["switchboard_call_id": "call-7"])
        let opening = dialect.opening()
        try #require(opening.count == 2)
        guard case .connected(let connected) = try TelnyxInboundMessage(decoding: opening[0]) else {
            Issue.record("first frame is not connected: \(opening[0])")
            return
        }
        #expect(connected.authToken == "token-1")
        guard case .start(let start) = try TelnyxInboundMessage(decoding: opening[1]) else {
            Issue.record("second frame is not start: \(opening[1])")
            return
        }
        #expect(start.sequenceNumber == 1)
        #expect(start.streamId == "STREAM-1")
        #expect(start.callControlId == "v3:abc_-1")
        #expect(start.clientState == "c3RhdGU=")
        #expect(start.customParameters == ["switchboard_call_id": "call-7"])
        #expect(start.mediaFormat.encoding == "PCMU")
        #expect(start.mediaFormat.sampleRate == 8000)

        guard case .media(let media) = try TelnyxInboundMessage(decoding: dialect.media(sequence: 5, frame: 3, payload: "AAAA")) else {
            Issue.record("media frame not decoded")
            return
        }
        #expect(media.sequenceNumber == 5)
        #expect(media.chunk == 4)
        #expect(media.timestamp == 60)
        #expect(media.track == "inbound")
        #expect(media.payload == "AAAA")
        guard case .mark(let mark) = try TelnyxInboundMessage(decoding: dialect.mark(sequence: 6, name: "m1")) else {
            Issue.record("mark frame not decoded")
            return
        }
        #expect(mark.name == "m1")
        guard case .stop = try TelnyxInboundMessage(decoding: dialect.stop(sequence: 7)) else {
            Issue.record("stop frame not decoded")
            return
        }
    }

    @Test func twilioFramesDecodeAsTwilioSendsThem() throws {
        let dialect = BenchTwilioDialect(
            accountSid: "AC" + String(repeating: "1", count: 32), callSid: "CA1", streamSid: "MZ1", parameters: ["switchboard_call_id": "call-7"])
        let opening = dialect.opening()
        try #require(opening.count == 2)
        guard case .connected = try TwilioInboundMessage(decoding: opening[0]) else {
            Issue.record("first frame is not connected")
            return
        }
        guard case .start(let start) = try TwilioInboundMessage(decoding: opening[1]) else {
            Issue.record("second frame is not start")
            return
        }
        #expect(start.sequenceNumber == 1)
        #expect(start.callSid == "CA1")
        #expect(start.streamSid == "MZ1")
        #expect(start.customParameters == ["switchboard_call_id": "call-7"])
        guard case .media(let media) = try TwilioInboundMessage(decoding: dialect.media(sequence: 2, frame: 0, payload: "AAAA")) else {
            Issue.record("media frame not decoded")
            return
        }
        #expect(media.sequenceNumber == 2)
        #expect(media.chunk == 1)
        #expect(media.timestamp == 0)
        guard case .mark(let mark) = try TwilioInboundMessage(decoding: dialect.mark(sequence: 3, name: "m1")) else {
            Issue.record("mark frame not decoded")
            return
        }
        #expect(mark.name == "m1")
        guard case .stop = try TwilioInboundMessage(decoding: dialect.stop(sequence: 4)) else {
            Issue.record("stop frame not decoded")
            return
        }
    }
}
